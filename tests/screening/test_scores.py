"""Scored rubrics, double screening, reconciliation and screening deadlines (issue 19)."""

import csv
import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone, translation

from core.models import AuditEvent, Notification
from directory.roles import Role
from proposals.workflow import Status
from screening import services
from screening.models import (
    AssignmentKind,
    CriterionScore,
    Reconciliation,
    ScoreSheet,
    ScoreSummary,
    ScreeningAssignment,
    ScreeningPolicy,
)
from screening.selectors import NO_SCORE, ProposalScore, proposal_scores
from screening.services import ScreeningError
from tests.factories import make_agency, make_proposal, make_reference_data, make_round, make_user
from tests.screening.factories import (
    give_second,
    make_criteria,
    make_scored_criteria,
    score_payload,
    scores_of,
)

D = Decimal
pytestmark = pytest.mark.django_db


class Setup:
    """A round with one eligibility criterion and two scored ones (weights 2 and 1, scales
    0–4 and 0–10), two screeners and a proposal awaiting screening assigned to the first."""


@pytest.fixture
def s():
    make_reference_data()
    d = Setup()
    d.round = make_round(2591)
    d.eligibility = make_criteria(d.round, count=1)
    d.scored = make_scored_criteria(d.round, specs=((2, 4), (1, 10)))
    d.first = make_user(Role.SCREENER, username="first")
    d.second = make_user(Role.SCREENER, username="second")
    d.other = make_user(Role.SCREENER, username="other")
    d.proposal = make_proposal(plan_round=d.round, code="S-1", requested=D("5000000"))
    services.assign_screener(proposal_ids=[d.proposal.pk], screener_id=d.first.pk, actor=d.first)
    return d


def forward(d, proposal, actor, values, **kwargs):
    return services.screen_proposal(
        proposal_id=proposal.pk,
        actor=actor,
        recommendation="forward",
        assessments={d.eligibility[0].pk: services.AssessmentInput("met")},
        scores=scores_of(d.scored, values),
        **kwargs,
    )


# --- the first screener scores as they forward ------------------------------------------------


def test_forwarding_records_the_weighted_score(s):
    forward(s, s.proposal, s.first, [3, 5])
    sheet = ScoreSheet.objects.get(proposal=s.proposal)
    # (2 × 3/4 + 1 × 5/10) / 3 = 2/3 → 66.67
    assert sheet.score == D("66.67")
    assert sheet.screener == s.first
    assert {c.criterion_id: c.value for c in sheet.scores.all()} == {
        s.scored[0].pk: 3,
        s.scored[1].pk: 5,
    }
    assert proposal_scores([s.proposal.pk]) == {
        s.proposal.pk: ProposalScore(mean=D("66.67"), screeners=1)
    }
    task = ScreeningAssignment.objects.get(proposal=s.proposal, kind=AssignmentKind.FIRST)
    assert task.screener == s.first and task.completed_at is not None
    # audited on the sheet, never on the proposal (whose history its agency reads)
    event = AuditEvent.objects.get(code="screening.scored")
    assert event.target_type == "screening.scoresheet"
    assert event.extra["score"] == "66.67"


@pytest.mark.parametrize(
    ("values", "reason", "message"),
    [
        ([3, None], "เหตุผล", "from 0 to 10"),
        ([5, 5], "เหตุผล", "from 0 to 4"),
        ([3, 11], "เหตุผล", "from 0 to 10"),
        ([3, 5], "   ", "reason"),
    ],
)
def test_forwarding_needs_every_score_within_its_scale_with_a_reason(s, values, reason, message):
    scores = {
        c.pk: services.ScoreInput(v, reason)
        for c, v in zip(s.scored, values, strict=True)
        if v is not None
    }
    with pytest.raises(ScreeningError) as error, translation.override("en"):
        services.screen_proposal(
            proposal_id=s.proposal.pk, actor=s.first, recommendation="forward",
            assessments={s.eligibility[0].pk: services.AssessmentInput("met")}, scores=scores,
        )  # fmt: skip
    assert message in str(error.value)
    s.proposal.refresh_from_db()
    assert s.proposal.status == Status.SUBMITTED
    assert not ScoreSheet.objects.exists()


def test_a_criterion_of_another_round_is_refused(s):
    other = make_scored_criteria(make_round(2592), specs=((1, 4),))
    scores = {**scores_of(s.scored, [1, 1]), **scores_of(other, [1])}
    with pytest.raises(ScreeningError):
        services.screen_proposal(
            proposal_id=s.proposal.pk, actor=s.first, recommendation="forward",
            assessments={s.eligibility[0].pk: services.AssessmentInput("met")}, scores=scores,
        )  # fmt: skip
    assert not ScoreSheet.objects.exists()


def test_returning_keeps_no_score(s):
    services.screen_proposal(
        proposal_id=s.proposal.pk, actor=s.first, recommendation="return", reasons="แก้ไข",
        scores=scores_of(s.scored, [9, 99]),
    )  # fmt: skip
    assert not ScoreSheet.objects.exists()
    assert proposal_scores([s.proposal.pk])[s.proposal.pk] == NO_SCORE


def test_eligibility_criteria_still_gate_forwarding(s):
    with pytest.raises(ScreeningError):
        services.screen_proposal(
            proposal_id=s.proposal.pk, actor=s.first, recommendation="forward",
            scores=scores_of(s.scored, [1, 1]),
        )  # fmt: skip


# --- double screening --------------------------------------------------------------------------


def test_the_second_screener_is_blind_until_both_have_submitted(s):
    give_second(s.proposal, s.second)
    forward(s, s.proposal, s.first, [4, 10])
    assert proposal_scores([s.proposal.pk])[s.proposal.pk] == ProposalScore(None, 1)
    summary = ScoreSummary.objects.get(proposal=s.proposal)
    assert summary.blind and summary.mean is None
    services.submit_scores(
        proposal_id=s.proposal.pk, actor=s.second, scores=scores_of(s.scored, [2, 4])
    )
    # second: (2 × 2/4 + 4/10) / 3 = 1.4 / 3 = 46.666… → 46.67; mean (100 + 46.67) / 2 = 73.335
    assert ScoreSheet.objects.get(screener=s.second).score == D("46.67")
    assert proposal_scores([s.proposal.pk])[s.proposal.pk] == ProposalScore(D("73.34"), 2)
    task = ScreeningAssignment.objects.get(proposal=s.proposal, kind=AssignmentKind.SECOND)
    assert task.completed_at is not None


def test_only_the_second_screener_submits_second_scores_and_only_once(s):
    give_second(s.proposal, s.second)
    for intruder in (s.first, s.other):
        with pytest.raises(ScreeningError):
            services.submit_scores(
                proposal_id=s.proposal.pk, actor=intruder, scores=scores_of(s.scored, [1, 1])
            )
    services.submit_scores(
        proposal_id=s.proposal.pk, actor=s.second, scores=scores_of(s.scored, [1, 1])
    )
    with pytest.raises(ScreeningError):  # a replay
        services.submit_scores(
            proposal_id=s.proposal.pk, actor=s.second, scores=scores_of(s.scored, [4, 10])
        )
    # (2 × 1/4 + 1/10) / 3 = 0.2 → 20.00
    assert ScoreSheet.objects.get(screener=s.second).score == D("20.00")


def test_the_second_screener_cannot_screen_nor_become_the_first(s):
    give_second(s.proposal, s.second)
    with pytest.raises(ScreeningError):
        forward(s, s.proposal, s.second, [1, 1])
    with pytest.raises(ScreeningError):
        services.assign_screener(
            proposal_ids=[s.proposal.pk], screener_id=s.second.pk, actor=s.first
        )


def test_disagreement_is_flagged_and_reconciled_keeping_both_sheets(s):
    give_second(s.proposal, s.second)
    forward(s, s.proposal, s.first, [4, 10])  # 100
    services.submit_scores(
        proposal_id=s.proposal.pk, actor=s.second, scores=scores_of(s.scored, [1, 9])
    )  # (2 × 1/4 + 9/10) / 3 = 46.67; criterion 1 is 3 points apart (> 2)
    summary = ScoreSummary.objects.get(proposal=s.proposal)
    assert summary.flagged
    with pytest.raises(ScreeningError):  # a submitter-like role may not
        services.reconcile_scores(
            proposal_id=s.proposal.pk, actor=make_user(Role.SECRETARY),
            scores=scores_of(s.scored, [3, 9]), reason="ตกลงกัน",
        )  # fmt: skip
    with pytest.raises(ScreeningError):
        services.reconcile_scores(
            proposal_id=s.proposal.pk, actor=s.other, scores=scores_of(s.scored, [3, 9]),
            reason=" ",
        )  # fmt: skip
    services.reconcile_scores(
        proposal_id=s.proposal.pk, actor=s.other, scores=scores_of(s.scored, [3, 9]),
        reason="ตกลงกัน",
    )  # fmt: skip
    # (2 × 3/4 + 9/10) / 3 = 0.8 → 80.00
    assert Reconciliation.objects.get().score == D("80.00")
    summary.refresh_from_db()
    assert (summary.mean, summary.flagged, summary.screeners) == (D("80.00"), False, 2)
    assert sorted(ScoreSheet.objects.values_list("score", flat=True)) == [D("46.67"), D("100.00")]
    assert CriterionScore.objects.count() == 4  # both originals kept
    event = AuditEvent.objects.get(code="screening.reconciled")
    assert event.extra["original_scores"] == {str(s.first.pk): "100.00", str(s.second.pk): "46.67"}
    with pytest.raises(ScreeningError):  # once only
        services.reconcile_scores(
            proposal_id=s.proposal.pk, actor=s.other, scores=scores_of(s.scored, [4, 9]),
            reason="อีกครั้ง",
        )  # fmt: skip


def test_the_total_alone_can_flag(s):
    ScreeningPolicy.objects.create(round=s.round, criterion_gap=D(5), total_gap=D(10))
    give_second(s.proposal, s.second)
    forward(s, s.proposal, s.first, [4, 10])  # 100
    services.submit_scores(
        proposal_id=s.proposal.pk, actor=s.second, scores=scores_of(s.scored, [3, 8])
    )  # (1.5 + 0.8) / 3 = 76.67: 23.33 apart, each criterion within 5 points
    assert ScoreSummary.objects.get(proposal=s.proposal).flagged


def test_agreeing_scores_are_not_flagged_and_reconciling_them_is_refused(s):
    give_second(s.proposal, s.second)
    forward(s, s.proposal, s.first, [3, 6])
    services.submit_scores(
        proposal_id=s.proposal.pk, actor=s.second, scores=scores_of(s.scored, [3, 7])
    )
    assert not ScoreSummary.objects.get(proposal=s.proposal).flagged
    with pytest.raises(ScreeningError):
        services.reconcile_scores(
            proposal_id=s.proposal.pk, actor=s.other, scores=scores_of(s.scored, [3, 7]),
            reason="x",
        )  # fmt: skip


def _round_of(n, *, requested=D(1000000)):  # noqa: B008 (an immutable Decimal)
    plan_round = make_round(2593)
    make_scored_criteria(plan_round)
    agency = make_agency()
    proposals = [
        make_proposal(plan_round=plan_round, agency=agency, code=f"R{i:02d}", requested=requested)
        for i in range(n)
    ]
    return plan_round, proposals


def test_the_sample_is_the_share_drawn_the_same_way_every_time(s):
    plan_round, proposals = _round_of(20)
    ScreeningPolicy.objects.create(round=plan_round, second_share=D("25"))
    given = services.select_second_screening(round_id=plan_round.pk, actor=s.first)
    seconds = ScreeningAssignment.objects.filter(kind=AssignmentKind.SECOND)
    assert seconds.count() == 5 == sum(given.values())  # 25 % of 20
    assert AuditEvent.objects.filter(code="screening.second_assigned").count() == 1
    drawn = set(seconds.values_list("proposal_id", flat=True))
    # evenly: three screeners, five tasks → 2, 2, 1
    assert sorted(given.values()) == [1, 2, 2]
    # again: nothing more is given; from scratch: the very same sample
    assert (
        sum(services.select_second_screening(round_id=plan_round.pk, actor=s.first).values()) == 0
    )
    seconds.delete()
    services.select_second_screening(round_id=plan_round.pk, actor=s.first)
    assert set(seconds.values_list("proposal_id", flat=True)) == drawn
    assert all(ScoreSummary.objects.get(proposal_id=pk).blind for pk in drawn)


def test_every_request_above_the_amount_is_screened_twice(s):
    plan_round, proposals = _round_of(4)
    big = make_proposal(plan_round=plan_round, code="BIG", requested=D("90000000"))
    ScreeningPolicy.objects.create(round=plan_round, second_share=D(0), second_above=D("50000000"))
    services.select_second_screening(round_id=plan_round.pk, actor=s.first)
    assert list(
        ScreeningAssignment.objects.filter(kind=AssignmentKind.SECOND).values_list(
            "proposal__code", flat=True
        )
    ) == [big.code]


def test_the_second_screener_is_never_the_first_and_load_counts(s):
    plan_round, proposals = _round_of(6)
    services.assign_screener(
        proposal_ids=[p.pk for p in proposals], screener_id=s.first.pk, actor=s.first
    )
    ScreeningPolicy.objects.create(round=plan_round, second_share=D(100))
    given = services.select_second_screening(round_id=plan_round.pk, actor=s.first)
    assert given == {s.first.pk: 0, s.second.pk: 3, s.other.pk: 3}
    tasks = ScreeningAssignment.objects.filter(proposal__round=plan_round)
    firsts = {t.proposal_id: t.screener_id for t in tasks if t.kind == AssignmentKind.FIRST}
    seconds = {t.proposal_id: t.screener_id for t in tasks if t.kind == AssignmentKind.SECOND}
    assert all(firsts[pk] != seconds[pk] for pk in seconds)
    assert Notification.objects.filter(recipient=s.second).count() == 1


def test_distribution_never_makes_the_second_screener_first(s):
    plan_round, proposals = _round_of(3)
    give_second(proposals[0], s.first)
    services.distribute_by_ministry(round_id=plan_round.pk, actor=s.first)
    for proposal in proposals:
        proposal.refresh_from_db()
    assert proposals[0].assigned_screener_id != s.first.pk


def test_second_screening_needs_a_writer_and_two_screeners(s):
    with pytest.raises(ScreeningError):
        services.select_second_screening(round_id=s.round.pk, actor=make_user(Role.SECRETARY))


# --- deadlines and reminders -------------------------------------------------------------------


def test_assignment_due_date_follows_the_policy(s):
    ScreeningPolicy.objects.create(round=s.round, days_to_screen=10)
    other = make_proposal(plan_round=s.round, code="S-2")
    services.assign_screener(proposal_ids=[other.pk], screener_id=s.other.pk, actor=s.first)
    task = ScreeningAssignment.objects.get(proposal=other, kind=AssignmentKind.FIRST)
    assert task.due_date == timezone.localdate() + datetime.timedelta(days=10)
    services.assign_screener(proposal_ids=[other.pk], screener_id=None, actor=s.first)
    assert not ScreeningAssignment.objects.filter(proposal=other).exists()


def test_overdue_tasks_are_reminded_then_weekly(s):
    task = ScreeningAssignment.objects.get(proposal=s.proposal, kind=AssignmentKind.FIRST)
    due = task.due_date
    assert services.send_screening_reminders(today=due) == 0  # due today: not overdue yet
    assert services.send_screening_reminders(today=due + datetime.timedelta(days=1)) == 1
    notice = Notification.objects.get(recipient=s.first)
    assert "S-1" in notice.subject
    assert services.send_screening_reminders(today=due + datetime.timedelta(days=2)) == 0
    assert services.send_screening_reminders(today=due + datetime.timedelta(days=8)) == 1
    assert AuditEvent.objects.filter(code="screening.reminders_sent").count() == 2
    forward(s, s.proposal, s.first, [1, 1])  # done: never reminded again
    assert services.send_screening_reminders(today=due + datetime.timedelta(days=30)) == 0


def test_the_reminder_command(s):
    task = ScreeningAssignment.objects.get(proposal=s.proposal, kind=AssignmentKind.FIRST)
    out = io.StringIO()
    day = task.due_date + datetime.timedelta(days=1)
    call_command("send_screening_reminders", "--date", day.isoformat(), stdout=out)
    assert "reminded: 1" in out.getvalue()


# --- pages, files and the attacker ---------------------------------------------------------


def _blind_case(s):
    """The first screener forwarded with a score of 100 and a telling reason; the second has
    not scored yet."""
    give_second(s.proposal, s.second)
    services.screen_proposal(
        proposal_id=s.proposal.pk, actor=s.first, recommendation="forward",
        assessments={s.eligibility[0].pk: services.AssessmentInput("met")},
        scores=scores_of(s.scored, [4, 10], reason="SECRET-REASON-OF-FIRST"),
    )  # fmt: skip


def test_the_second_screener_sees_nothing_of_the_first_score(client, s):
    _blind_case(s)
    client.force_login(s.second)
    detail = client.get(reverse("screening:detail", args=[s.proposal.pk])).content.decode()
    assert "SECRET-REASON-OF-FIRST" not in detail
    assert "100.00" not in detail
    assert 'data-testid="score-blind"' in detail
    assert f'action="{reverse("screening:submit_scores", args=[s.proposal.pk])}"' in detail
    inbox = client.get(reverse("screening:inbox"), {"round": s.round.fiscal_year})
    assert [p.score for p in inbox.context["proposals"]] == [None]
    # neither sorting nor filtering by score tells where it stands
    assert client.get(reverse("screening:inbox"), {"min_score": "50"}).context["totals"].count == 0
    assert client.get(reverse("screening:inbox"), {"max_score": "100"}).context["totals"].count == 0
    rows = list(
        csv.reader(
            io.StringIO(client.get(reverse("screening:export_csv")).content.decode("utf-8-sig"))
        )
    )
    assert rows[1][13] == "" and "SECRET" not in "".join(sum(rows, []))
    book = openpyxl.load_workbook(io.BytesIO(client.get(reverse("screening:export_xlsx")).content))
    assert list(book.worksheets[0].iter_rows(values_only=True))[1][13] is None
    # the proposal's own history page, which its agency also reads
    history = client.get(reverse("proposals:history", args=[s.proposal.pk])).content.decode()
    assert "SECRET-REASON-OF-FIRST" not in history and "100.00" not in history
    # the dashboard's agreement figures count only proposals scored twice
    board = client.get(reverse("screening:dashboard"), {"round": s.round.fiscal_year})
    assert board.context["agreement"].double_scored == 0
    assert board.context["agreement"].calibration == []


def test_after_both_submitted_everyone_sees_both(client, s):
    _blind_case(s)
    client.force_login(s.second)
    response = client.post(
        reverse("screening:submit_scores", args=[s.proposal.pk]), score_payload(s.scored, [3, 8])
    )
    assert response.status_code == 302
    detail = client.get(reverse("screening:detail", args=[s.proposal.pk])).content.decode()
    assert "SECRET-REASON-OF-FIRST" in detail
    # second: (1.5 + 0.8) / 3 = 76.67; mean (100 + 76.67) / 2 = 88.335 → 88.34
    assert "88.34" in detail
    inbox = client.get(reverse("screening:inbox"), {"round": s.round.fiscal_year})
    assert [p.score for p in inbox.context["proposals"]] == [D("88.34")]
    rows = list(
        csv.reader(
            io.StringIO(client.get(reverse("screening:export_csv")).content.decode("utf-8-sig"))
        )
    )
    assert rows[1][13:15] == ["88.34", "2"]


def test_the_first_screener_is_blind_to_an_early_second(client, s):
    give_second(s.proposal, s.second)
    services.submit_scores(
        proposal_id=s.proposal.pk, actor=s.second,
        scores=scores_of(s.scored, [0, 1], reason="SECOND-SAYS-SO"),
    )  # fmt: skip
    client.force_login(s.first)
    detail = client.get(reverse("screening:detail", args=[s.proposal.pk])).content.decode()
    assert "SECOND-SAYS-SO" not in detail
    assert "ซ่อนไว้จนกว่าคุณจะส่งคะแนนของคุณ" in detail  # "… hidden until you submit yours"


def test_attacker_posts_scores_without_being_the_second(client, s):
    give_second(s.proposal, s.second)
    url = reverse("screening:submit_scores", args=[s.proposal.pk])
    client.force_login(s.other)
    response = client.post(url, score_payload(s.scored, [4, 10]))
    assert response.status_code == 302
    assert not ScoreSheet.objects.exists()
    client.force_login(make_user(Role.SUBMITTER, agency=s.proposal.agency))
    assert client.post(url, score_payload(s.scored, [4, 10])).status_code == 403
    client.force_login(s.second)
    bad = score_payload(s.scored, [4, 10])
    bad[f"s{s.scored[0].pk}_value"] = "99"  # tampered beyond the scale
    response = client.post(url, bad)
    assert response.status_code == 400
    assert not ScoreSheet.objects.exists()
    assert client.post(url, score_payload(s.scored, [4, 10])).status_code == 302
    replay = client.post(url, score_payload(s.scored, [0, 0]), follow=True)
    assert [m.level_tag for m in replay.context["messages"]] == ["success", "error"]
    assert ScoreSheet.objects.get().score == D("100.00")


def test_reconcile_through_the_page(client, s):
    give_second(s.proposal, s.second)
    forward(s, s.proposal, s.first, [4, 10])
    services.submit_scores(
        proposal_id=s.proposal.pk, actor=s.second, scores=scores_of(s.scored, [0, 0])
    )
    client.force_login(s.other)
    detail = client.get(reverse("screening:detail", args=[s.proposal.pk])).content.decode()
    assert 'data-testid="score-flagged"' in detail
    assert reverse("screening:reconcile", args=[s.proposal.pk]) in detail
    flagged = client.get(reverse("screening:inbox"), {"scoring": "flagged"})
    assert [p.code for p in flagged.context["proposals"]] == ["S-1"]
    data = {
        f"s{s.scored[0].pk}_value": "2", f"s{s.scored[1].pk}_value": "5", "reason": "ประชุมร่วม",
    }  # fmt: skip
    response = client.post(reverse("screening:reconcile", args=[s.proposal.pk]), data)
    assert response.status_code == 302
    # (2 × 2/4 + 5/10) / 3 = 50.00
    assert ScoreSummary.objects.get(proposal=s.proposal).mean == D("50.00")


def test_inbox_sorts_by_score_with_the_unscored_last(client, s):
    others = [make_proposal(plan_round=s.round, code=f"S-{i}") for i in (2, 3)]
    forward(s, s.proposal, s.first, [1, 1])  # 20.00
    services.assign_screener(proposal_ids=[others[0].pk], screener_id=s.first.pk, actor=s.first)
    forward(s, others[0], s.first, [4, 4])  # (2 + 0.4) / 3 = 80.00
    client.force_login(s.first)
    for sort, expected in (("score", ["S-1", "S-2", "S-3"]), ("-score", ["S-2", "S-1", "S-3"])):
        page = client.get(reverse("screening:inbox"), {"sort": sort})
        assert [p.code for p in page.context["proposals"]] == expected
    page = client.get(reverse("screening:inbox"), {"min_score": "50"})
    assert [p.code for p in page.context["proposals"]] == ["S-2"]
    page = client.get(reverse("screening:inbox"), {"scoring": "unscored"})
    assert [p.code for p in page.context["proposals"]] == ["S-3"]


def test_my_second_screenings_filter(client, s):
    give_second(s.proposal, s.second)
    client.force_login(s.second)
    page = client.get(reverse("screening:inbox"), {"scoring": "second"})
    assert [p.code for p in page.context["proposals"]] == ["S-1"]
    client.force_login(s.other)
    page = client.get(reverse("screening:inbox"), {"scoring": "second"})
    assert list(page.context["proposals"]) == []


def test_dashboard_shows_overdue_and_gives_second_screeners(client, s):
    ScreeningAssignment.objects.filter(proposal=s.proposal).update(
        due_date=timezone.localdate() - datetime.timedelta(days=3)
    )
    client.force_login(s.first)
    board = client.get(reverse("screening:dashboard"), {"round": s.round.fiscal_year})
    assert [t.proposal.code for t in board.context["overdue"]] == ["S-1"]
    assert 'data-testid="overdue-table"' in board.content.decode()
    ScreeningPolicy.objects.create(round=s.round, second_share=D(100))
    response = client.post(reverse("screening:second_screening"), {"round": s.round.fiscal_year})
    assert response.status_code == 302
    task = ScreeningAssignment.objects.get(kind=AssignmentKind.SECOND)
    assert task.screener in (s.second, s.other)


# --- agreement: Krippendorff's alpha against the package's own published example -------------

# Krippendorff (2011), "Computing Krippendorff's alpha-reliability", the reliability data of
# three observers A, B, C over 15 units (the example of the krippendorff package's README and
# docstring): interval alpha 0.810845, nominal 0.691358.
NAN = None
KRIPPENDORFF_2011 = [
    [NAN, NAN, NAN, NAN, NAN, 3, 4, 1, 2, 1, 1, 3, 3, NAN, 3],
    [1, NAN, 2, 1, 3, 3, 4, 3, NAN, NAN, NAN, NAN, NAN, NAN, NAN],
    [NAN, NAN, 2, 1, 3, 4, 4, NAN, 2, 1, 1, 3, 3, NAN, 4],
]


def test_dashboard_alpha_equals_the_published_example(client):
    make_reference_data()
    plan_round = make_round(2594)
    [criterion] = make_scored_criteria(plan_round, specs=((1, 4),))
    observers = [make_user(Role.SCREENER, username=name) for name in ("obs_a", "obs_b", "obs_c")]
    agency = make_agency()
    for unit in range(15):
        proposal = make_proposal(plan_round=plan_round, agency=agency, code=f"K{unit:02d}")
        for observer, row in zip(observers, KRIPPENDORFF_2011, strict=True):
            if row[unit] is not None:
                sheet = ScoreSheet.objects.create(
                    proposal=proposal, screener=observer, score=D(row[unit] * 25)
                )
                CriterionScore.objects.create(
                    sheet=sheet, criterion=criterion, value=row[unit], reason="r"
                )
    client.force_login(observers[0])
    response = client.get(reverse("screening:dashboard"), {"round": plan_round.fiscal_year})
    agreement = response.context["agreement"]
    [by_criterion] = agreement.by_criterion
    assert round(by_criterion.alpha, 6) == 0.810845
    assert by_criterion.reading == "reliable"
    # the score of 100 is the criterion's score × 25 here: the same interval alpha
    assert round(agreement.overall.alpha, 6) == 0.810845
    # units with two values or more: 1 unit with one value and 2 with none are left out
    assert agreement.double_scored == 12 == by_criterion.units
    assert {row.label for row in agreement.by_screener} == {"obs_a", "obs_b", "obs_c"}
    html = response.content.decode()
    assert "0.811" in html and 'data-testid="alpha-table"' in html
    # calibration of A against the others on the same proposals, by hand: A scored units 6–13
    # and 15, each with another's score too
    calibration = {row.label: row for row in agreement.calibration}
    a = calibration["obs_a"]
    # units 6,7,8,9,10,11,12,13,15 → A: 3,4,1,2,1,1,3,3,3 = 21 × 25 / 9 = 58.333… → 58.33
    # others: (3+4)/2, (4+4)/2, 3, 2, 1, 1, 3, 3, 4 = 24.5 × 25 / 9 = 68.055… → 68.06
    assert (a.proposals, a.own_mean, a.others_mean) == (9, D("58.33"), D("68.06"))
    assert a.difference == D("-9.73")


# --- query counts of the pages that show scores --------------------------------------------


def _count(client, url, params=None):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert client.get(url, params or {}).status_code == 200
    return len(queries)


def _score_many(s, n, offset=0):
    agency = make_agency()
    for i in range(n):
        proposal = make_proposal(plan_round=s.round, agency=agency, code=f"Q{offset + i:03d}")
        services.assign_screener(proposal_ids=[proposal.pk], screener_id=s.first.pk, actor=s.first)
        give_second(proposal, s.second)
        forward(s, proposal, s.first, [i % 5, i % 11])
        services.submit_scores(
            proposal_id=proposal.pk, actor=s.second, scores=scores_of(s.scored, [4 - i % 5, 3])
        )


def test_the_dashboard_reads_a_fixed_number_of_queries(client, s, django_assert_num_queries):
    _score_many(s, 2)
    client.force_login(s.first)
    url, params = reverse("screening:dashboard"), {"round": s.round.fiscal_year}
    small = _count(client, url, params)
    _score_many(s, 6, offset=10)
    with django_assert_num_queries(small):
        client.get(url, params)


def test_the_proposal_page_reads_a_fixed_number_of_queries(client, s, django_assert_num_queries):
    give_second(s.proposal, s.second)
    forward(s, s.proposal, s.first, [1, 2])
    client.force_login(s.other)
    url = reverse("screening:detail", args=[s.proposal.pk])
    small = _count(client, url)
    services.submit_scores(
        proposal_id=s.proposal.pk, actor=s.second, scores=scores_of(s.scored, [4, 9])
    )
    # a second sheet, flagged: the reconciliation form too, in the same number of queries
    with django_assert_num_queries(small):
        response = client.get(url)
    assert response.context["reconcile_form"] is not None


def test_admin_pages_of_the_rubric_open(client, s):
    client.force_login(make_user(Role.ADMIN, is_staff=True, is_superuser=True))
    criterion = s.scored[0]
    for url in (
        reverse("admin:screening_screeningcriterion_change", args=[criterion.pk]),
        reverse("admin:screening_screeningpolicy_add"),
        reverse("admin:screening_scoresheet_changelist"),
        reverse("admin:screening_screeningassignment_changelist"),
        reverse("admin:screening_reconciliation_changelist"),
    ):
        assert client.get(url).status_code == 200, url
    response = client.post(
        reverse("admin:screening_screeningpolicy_add"),
        {"round": s.round.pk, "second_share": "150", "criterion_gap": "2", "total_gap": "20",
         "days_to_screen": "14"},
    )  # fmt: skip
    assert response.status_code == 200 and not ScreeningPolicy.objects.exists()


def test_the_workload_table_counts_second_screenings(client, s):
    give_second(s.proposal, s.second)
    client.force_login(s.first)
    board = client.get(reverse("screening:dashboard"), {"round": s.round.fiscal_year})
    rows = {row["label"]: row for row in board.context["board"].by_screener}
    assert (rows["first"]["n"], rows["first"]["second"]) == (1, 0)
    assert (rows["second"]["n"], rows["second"]["second"], rows["second"]["second_pending"]) == (
        0,
        1,
        1,
    )
