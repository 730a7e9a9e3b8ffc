"""Duplicate detection on Thai text, which has no spaces between words."""

from decimal import Decimal
from itertools import chain

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from proposals.duplicates import (
    DEFAULT_THRESHOLD,
    compare_texts,
    find_clusters,
    find_similar,
    normalise,
    text_similarity,
)
from proposals.workflow import Status
from tests.factories import make_agency, make_proposal, make_round

MATCHING = [
    # spacing
    ("โครงการพัฒนาระบบบริหารจัดการข้อมูลสุขภาพแห่งชาติ", "โครงการ พัฒนา ระบบ บริหารจัดการ ข้อมูล สุขภาพ แห่งชาติ"),
    # word order
    ("ระบบบัญชีข้อมูลภาครัฐเพื่อการเปิดเผยข้อมูล", "การเปิดเผยข้อมูลผ่านระบบบัญชีข้อมูลภาครัฐ"),
    # agency wording
    ("โครงการศูนย์ข้อมูลสภาพอากาศของกรมอุตุนิยมวิทยา", "โครงการศูนย์ข้อมูลสภาพอากาศ สำนักงานสถิติแห่งชาติ"),
    # Thai and Arabic digits, years
    ("แพลตฟอร์มใบอนุญาตอิเล็กทรอนิกส์ ระยะที่ ๒ ปี ๒๕๖๘", "แพลตฟอร์มใบอนุญาตอิเล็กทรอนิกส์ ระยะที่ 2 ปี 2569"),
    # punctuation and case
    ("ระบบ e-Service รับเรื่องร้องเรียน", "ระบบ E-SERVICE: รับเรื่อง ร้องเรียน"),
]
AGENCY_NAMES = ("กรมอุตุนิยมวิทยา", "สำนักงานสถิติแห่งชาติ")

NOT_MATCHING = [
    ("ระบบบริหารจัดการข้อมูลสุขภาพแห่งชาติ", "ระบบบริหารจัดการข้อมูลที่ดินแห่งชาติ"),
    ("ระบบบริหารจัดการข้อมูลสุขภาพแห่งชาติ", "ระบบติดตามพัสดุไปรษณีย์อิเล็กทรอนิกส์"),
    ("โครงการจัดหาเครื่องคอมพิวเตอร์", "โครงการจัดหาครุภัณฑ์สำนักงาน"),
    ("โครงการพัฒนาระบบสารสนเทศ", "โครงการพัฒนาระบบ"),
    ("ศูนย์ข้อมูลภูมิอากาศ", "ศูนย์ปฏิบัติการไซเบอร์"),
]


@pytest.mark.parametrize(("a", "b"), MATCHING)
def test_pairs_that_match(a, b):
    assert text_similarity(a, "", b, "", agency_names=AGENCY_NAMES) >= 0.7


@pytest.mark.parametrize(("a", "b"), NOT_MATCHING)
def test_pairs_that_must_not_match(a, b):
    assert text_similarity(a, "", b, "", agency_names=AGENCY_NAMES) < DEFAULT_THRESHOLD


def test_normalise():
    assert normalise("โครงการ พัฒนา ระบบ ๑๒๓ ABC, กรมที่ดิน", agency_names=["กรมที่ดิน"]) == "123abc"


def test_summary_counts_when_titles_differ():
    summary = "พัฒนาแพลตฟอร์มกลางสำหรับยืนยันตัวตนดิจิทัลของประชาชนเพื่อใช้บริการภาครัฐทุกหน่วยงาน"
    score = text_similarity("ยืนยันตัวตนดิจิทัล", summary, "ดิจิทัลไอดีภาครัฐ", summary)
    assert score >= DEFAULT_THRESHOLD


@pytest.mark.django_db
def test_find_similar_across_agencies_and_rounds(client, screener):
    old = make_round(2580, open_now=False)
    new = make_round(2581, open_now=False)
    a, b, c = make_agency(), make_agency(), make_agency()
    mine = make_proposal(plan_round=new, agency=a, title_th="ระบบบริหารจัดการข้อมูลสุขภาพแห่งชาติ")
    same_round = make_proposal(plan_round=new, agency=b, title_th="ข้อมูลสุขภาพแห่งชาติ ระบบบริหารจัดการ")
    earlier = make_proposal(plan_round=old, agency=c, status=Status.APPROVED,
                            title_th="โครงการพัฒนาระบบบริหารจัดการข้อมูลสุขภาพแห่งชาติ")  # fmt: skip
    phase_two = make_proposal(
        plan_round=new, agency=a, title_th="ระบบบริหารจัดการข้อมูลสุขภาพแห่งชาติ ระยะที่ 2"
    )
    make_proposal(
        plan_round=new, agency=c, status=Status.DRAFT, title_th="ระบบบริหารจัดการข้อมูลสุขภาพแห่งชาติ"
    )
    make_proposal(plan_round=new, agency=c, title_th="ระบบติดตามพัสดุ")
    found = {m.proposal.pk: m.score for m in find_similar(mine)}
    assert set(found) == {same_round.pk, earlier.pk}
    assert found[earlier.pk] == 1.0

    clusters = find_clusters(new)
    assert len(clusters) == 1
    # The agency's own phase two is not a duplicate of its phase one, but it joins the group
    # through the other agency's look-alike.
    assert {p.pk for p in clusters[0].members} == {mine.pk, same_round.pk, phase_two.pk}
    assert all(a.agency_id != b.agency_id for a, b, _ in clusters[0].pairs)

    client.force_login(screener)
    page = client.get(reverse("screening:detail", args=[mine.pk])).content.decode()
    assert reverse("screening:compare", args=[mine.pk, earlier.pk]) in page
    response = client.get(reverse("screening:compare", args=[mine.pk, same_round.pk]))
    assert response.status_code == 200
    assert response.context["score"] >= 0.7
    response = client.get(reverse("screening:duplicates"), {"round": "2581"})
    assert len(response.context["clusters"]) == 1
    response = client.get(reverse("screening:duplicates"), {"round": "x", "threshold": "abc"})
    assert response.status_code == 200 and len(response.context["notices"]) == 2


def make_look_alike_proposals(
    plan_round, *, count, agencies, words, prefix, numbered=False, summary_step=7
):
    """``count`` submitted proposals whose titles all mix the same few ``words`` (the worst case
    of the duplicate search: every title shares most of its trigrams with every other)."""
    from proposals.models import Proposal

    n = len(words)
    Proposal.objects.bulk_create(
        Proposal(round=plan_round, agency=agencies[i % len(agencies)], code=f"{prefix}{i:05d}",
                 status=Status.SUBMITTED,
                 title_th=f"ระบบ{words[i % n]}{words[(i // n) % n]}{words[(i // (n * n)) % n]}"
                          + (f" หมายเลข {i}" if numbered else f" {i}"),
                 summary=f"บริการ{words[(i * summary_step) % n]}ออนไลน์"
                         + (f" {i}" if numbered else ""),
                 requested_amount=Decimal(i))
        for i in range(count)
    )  # fmt: skip


@pytest.mark.django_db
def test_clusters_score_few_pairs_exactly(django_assert_max_num_queries, monkeypatch):
    """The inverted index keeps exact scoring away from most of the n² pairs (speed itself is
    measured by the benchmark, not here)."""
    from proposals import duplicates

    plan_round = make_round(2582, open_now=False)
    agencies = [make_agency() for _ in range(40)]
    words = [
        "ข้อมูล",
        "สุขภาพ",
        "ที่ดิน",
        "ภาษี",
        "การศึกษา",
        "แรงงาน",
        "เกษตร",
        "ท่องเที่ยว",
        "ขนส่ง",
        "พลังงาน",
    ]
    make_look_alike_proposals(
        plan_round, count=1000, agencies=agencies, words=words, prefix="F", numbered=True
    )
    scored = []
    exact = duplicates.similarity
    monkeypatch.setattr(duplicates, "similarity", lambda a, b: scored.append(1) or exact(a, b))
    with django_assert_max_num_queries(2):
        find_clusters(plan_round)
    all_pairs = 1000 * 999 // 2
    # Even when every title is made of the same ten words, most pairs never reach the exact
    # score (on real rounds far fewer are scored).
    assert 0 < len(scored) < all_pairs // 2


@pytest.mark.django_db
def test_similar_in_round_agrees_with_the_clusters():
    """Scoring a few proposals against the round finds exactly the pairs the clusters hold."""
    from proposals.duplicates import find_clusters, find_similar_in_round

    plan_round = make_round(2583, open_now=False)
    titles = [
        "ระบบบริการข้อมูลสุขภาพประชาชน", "ระบบบริการ ข้อมูลสุขภาพ ประชาชน ระยะที่ ๒",
        "ระบบทะเบียนที่ดินดิจิทัล", "ทะเบียนที่ดินดิจิทัล ระบบ", "ศูนย์ฝึกอบรมภาษาอังกฤษ",
    ]  # fmt: skip
    proposals = [
        make_proposal(plan_round=plan_round, agency=make_agency(), title_th=title)
        for title in titles
    ]
    pairs = {
        frozenset((a.pk, b.pk)): score
        for cluster in find_clusters(plan_round) for a, b, score in cluster.pairs
    }  # fmt: skip
    assert len(pairs) == 2
    wanted = [proposals[0].pk, proposals[3].pk, proposals[4].pk]
    found = find_similar_in_round(plan_round, wanted)
    assert set(found) == {proposals[0].pk, proposals[3].pk}
    for pk, matches in found.items():
        for other, score in matches:
            assert pairs[frozenset((pk, other.pk))] == score


@pytest.mark.django_db
def test_the_best_few_are_exact_and_a_budget_bounds_the_scoring(monkeypatch):
    """With a limit the search stops early yet returns exactly the exhaustive search's best; with
    a budget it scores at most that many candidates per proposal and says more may exist."""
    from proposals import duplicates
    from proposals.models import Proposal

    plan_round = make_round(2581, open_now=False)
    agencies = [make_agency() for _ in range(30)]
    words = ["ข้อมูล", "สุขภาพ", "ที่ดิน", "ภาษี", "แรงงาน", "เกษตร"]
    make_look_alike_proposals(
        plan_round, count=300, agencies=agencies, words=words, prefix="G", summary_step=5
    )
    wanted = list(
        Proposal.objects.filter(round=plan_round)
        .order_by("code")
        .values_list("pk", flat=True)[:40:4]
    )
    everything = duplicates.find_similar_in_round(plan_round, wanted)
    best = duplicates.find_similar_in_round(plan_round, wanted, limit=3)
    assert set(best) == set(everything)
    for pk, similar in everything.items():
        assert [(p.pk, s) for p, s in best[pk].matches] == [
            (p.pk, s) for p, s in similar.matches[:3]
        ]
        assert best[pk].more == (len(similar) > 3)
        assert not similar.more

    scored = []
    exact = duplicates.similarity
    monkeypatch.setattr(duplicates, "similarity", lambda a, b: scored.append(1) or exact(a, b))
    budgeted = duplicates.find_similar_in_round(plan_round, wanted, limit=3, budget=5)
    assert len(scored) <= 5 * len(wanted)
    crowded = [pk for pk, similar in everything.items() if len(similar) > 5]
    assert crowded and all(budgeted[pk].more for pk in crowded)


# --- stock phrases, chaining, the labelled set ---------------------------------------------


def test_a_trigram_most_proposals_use_weighs_nothing():
    from proposals.duplicates import STOCK_MIN_DOCS, Weights, document

    stock = "เพื่อยกระดับการให้บริการประชาชนด้วยเทคโนโลยีดิจิทัล"
    docs = [
        document(pk=n, agency_id=n, texts=["ศูนย์ข้อมูลกลาง" if n < 5 else f"งานที่ {n}", "", stock])
        for n in range(STOCK_MIN_DOCS * 2)
    ]
    docs.append(document(pk=99, agency_id=99, texts=["ระบบติดตามเรือประมง", "", ""]))
    weights = Weights(docs)
    assert weights.of("เทค") == 0.0  # in twenty of the 21 proposals: stock
    assert weights.of("เรื") == weights.unique > weights.of("ศูน") > 0  # in one; in five


def test_a_field_of_stock_phrases_counts_for_nothing_however_equal():
    from tests.screening.duplicate_pairs import OTHERS, STOCK_OBJECTIVES, STOCK_OUTPUTS

    first = {"title_th": "ระบบห้องสมุดดิจิทัล", "objectives": STOCK_OBJECTIVES, "outputs": STOCK_OUTPUTS}
    second = {"title_th": "ระบบเยี่ยมญาติผู้ต้องขัง", "objectives": STOCK_OBJECTIVES,
              "outputs": STOCK_OUTPUTS}  # fmt: skip
    others = [dict(zip(["title_th", "summary", "objectives", "outputs"], p[1:], strict=True))
              for p in OTHERS]  # fmt: skip
    score = compare_texts(first, second, others=others)
    fields = {f.name: f for f in score.fields}
    assert fields["objectives"].value == 1.0 and fields["objectives"].stock
    assert fields["objectives"].share == 0.0 and fields["outputs"].share == 0.0
    assert fields["title_th"].share == 1.0
    assert score < 0.1
    # Without a round around them, the same two are as alike as their shared text says.
    assert compare_texts(first, second) > score


def test_groups_do_not_chain_through_one_link():
    """A is like B and B is like C, but A is not like C: complete linkage keeps C out."""
    from proposals.duplicates import Fingerprint, complete_linkage

    fps = [Fingerprint(n, agency, ()) for n, agency in enumerate([1, 2, 3, 4, 1])]
    # 0~1 strongly, 1~2 weakly, 0 and 2 not alike; 3 is alike both 0 and 1; 4 is 0's agency.
    pairs = [(0, 1, 0.9), (1, 2, 0.4), (0, 3, 0.8), (1, 3, 0.7), (1, 4, 0.6), (3, 4, 0.5)]
    assert sorted(complete_linkage(fps, pairs)) == [[0, 1, 3, 4]]
    pairs.remove((3, 4, 0.5))
    assert sorted(complete_linkage(fps, pairs)) == [[0, 1, 3]]


def _labelled_round():
    from tests.screening.duplicate_pairs import FALSE_PAIRS, OTHERS, TRUE_PAIRS

    plan_round = make_round(2584, open_now=False)
    agencies = {}
    made = []
    for agency, title, summary, objectives, outputs in [
        *chain.from_iterable(TRUE_PAIRS),
        *chain.from_iterable(FALSE_PAIRS),
        *OTHERS,
    ]:
        if agency not in agencies:
            agencies[agency] = make_agency(name_th=agency)
        made.append(make_proposal(plan_round=plan_round, agency=agencies[agency], title_th=title,
                                  summary=summary, objectives=objectives,
                                  outputs=outputs))  # fmt: skip
    true = {frozenset((made[2 * k].pk, made[2 * k + 1].pk)) for k in range(len(TRUE_PAIRS))}
    n = len(TRUE_PAIRS)
    false = {
        frozenset((made[2 * (n + k)].pk, made[2 * (n + k) + 1].pk)) for k in range(len(FALSE_PAIRS))
    }
    return plan_round, made, true, false


@pytest.mark.django_db
def test_precision_and_recall_on_the_labelled_pairs():
    """The figures of docs/DUPLICATES.md: every pair the search flags at the default threshold
    in a round of 100 proposals full of stock phrases, against the labelled true duplicates."""
    from proposals.duplicates import find_similar_in_round

    plan_round, made, true, false = _labelled_round()
    found = find_similar_in_round(plan_round, [p.pk for p in made])
    flagged = {frozenset((pk, other.pk)) for pk, similar in found.items() for other, _ in similar}
    hits = flagged & true
    precision, recall = len(hits) / len(flagged), len(hits) / len(true)
    assert (len(true), len(false)) == (16, 18)
    assert precision >= 1.0 and recall >= 1.0, (precision, recall)
    assert not flagged & false

    clusters = find_clusters(plan_round)
    grouped = {frozenset(c.members) for c in clusters}
    assert {frozenset(p.pk for p in group) for group in grouped} == true
    for cluster in clusters:
        for row in cluster.rows:  # each says which fields matched; stock ones count nothing
            fields = {f.name: f for f in row.score.fields}
            assert set(fields) == {"title_th", "summary", "objectives", "outputs"}
            assert fields["outputs"].stock and fields["outputs"].share == 0.0


@pytest.mark.django_db
def test_the_demo_boilerplate_forms_no_group_and_its_look_alikes_do(settings):
    """FY2569 of the demo: unrelated projects whose summaries end alike and whose objectives,
    outputs and outcomes are the same text. FY2568: one topic filed by many agencies."""
    from budgetscreen.demo import load_demo
    from proposals.models import PlanRound

    settings.DEMO_DATA = True
    load_demo()
    # The demo's later rounds (the plan under way, the open round) share stock objectives only.
    later = PlanRound.objects.exclude(fiscal_year=2568)
    assert later.count() == 2
    for plan_round in later:
        assert find_clusters(plan_round) == [], plan_round.fiscal_year
    fy2568 = PlanRound.objects.get(fiscal_year=2568)
    clusters = find_clusters(fy2568)
    assert len(clusters) >= 10
    for cluster in clusters:
        # One topic per group: the same title once the agency's name is taken out.
        topics = {normalise(p.title_th, agency_names=[p.agency.name_th]).rstrip("2")
                  for p in cluster.members}  # fmt: skip
        assert len(topics) == 1, topics


@pytest.mark.django_db
def test_pages_say_which_fields_matched_in_constant_queries(client, screener):
    from tests.screening.duplicate_pairs import OTHERS, TRUE_PAIRS

    plan_round = make_round(2585, open_now=False)
    (a, b) = [
        make_proposal(plan_round=plan_round, agency=make_agency(name_th=agency), title_th=title,
                      summary=summary, objectives=objectives, outputs=outputs)
        for agency, title, summary, objectives, outputs in TRUE_PAIRS[0]
    ]  # fmt: skip
    client.force_login(screener)
    compare_url = reverse("screening:compare", args=[a.pk, b.pk])
    counts = []
    for others in (OTHERS[:3], OTHERS[3:]):
        for agency, title, summary, objectives, outputs in others:
            make_proposal(plan_round=plan_round, agency=make_agency(name_th=agency),
                          title_th=title, summary=summary, objectives=objectives,
                          outputs=outputs)  # fmt: skip
        with CaptureQueriesContext(connection) as compare_queries:
            response = client.get(compare_url)
        with CaptureQueriesContext(connection) as group_queries:
            page = client.get(reverse("screening:duplicates"), {"round": "2585"})
        counts.append((len(compare_queries), len(group_queries)))
    assert counts[0] == counts[1]
    score = response.context["score"]
    assert [f.name for f in score.fields] == ["title_th", "summary", "objectives", "outputs"]
    body = response.content.decode()
    assert 'data-testid="field-scores"' in body and "(วลีสำเร็จรูป)" in body
    [cluster] = page.context["clusters"]
    assert {p.pk for p in cluster.members} == {a.pk, b.pk}
    assert cluster.rows[0].score == score  # the group and the side-by-side page agree
    assert f"{score.fields[0].label} {score.fields[0].value:.2f}" in page.content.decode()
