"""Stored fingerprints (issue 20): kept current by the services that save a proposal, the
round's version bumped exactly when a score of the round can change, and the meeting's stored
hints equal to a fresh search of the round."""

import importlib

import pytest
from django.apps import apps

from directory.roles import Role
from proposals import fingerprints
from proposals.duplicates import find_similar_in_round
from proposals.models import Fingerprint
from proposals.services import save_proposal, submit_proposal, withdraw_proposal
from proposals.workflow import Status
from tests.factories import make_agency, make_proposal, make_round, make_user

from .factories import content_for, make_complete_draft

pytestmark = pytest.mark.django_db

TITLE = "โครงการพัฒนาระบบบริหารจัดการข้อมูลสุขภาพแห่งชาติแบบบูรณาการ"
SUMMARY = "พัฒนาแพลตฟอร์มกลางเชื่อมโยงข้อมูลสุขภาพของประชาชนระหว่างโรงพยาบาลทั่วประเทศ"


def _version(plan_round):
    return fingerprints.round_version(plan_round.pk)


def _submitter(agency):
    return make_user(Role.SUBMITTER, agency=agency)


def test_saving_a_draft_stores_its_fingerprint_without_touching_the_round():
    agency = make_agency()
    user = _submitter(agency)
    draft = make_complete_draft(agency=agency)
    before = _version(draft.round)
    saved = save_proposal(
        proposal_id=draft.pk, actor=user, content=content_for(draft.round, title_th=TITLE),
        lock_version=draft.lock_version,
    )  # fmt: skip
    stored = Fingerprint.objects.get(proposal=saved)
    assert stored.digest == fingerprints.digest_of(saved) and not stored.counted
    assert _version(draft.round) == before  # a draft is not compared with anything


def test_submit_edit_and_withdraw_keep_the_fingerprint_current_and_bump_the_round(media_root):
    agency = make_agency()
    user = _submitter(agency)
    draft = make_complete_draft(agency=agency, title_th=TITLE, summary=SUMMARY, actor=user)
    round_ = draft.round
    v0 = _version(round_)
    submit_proposal(proposal_id=draft.pk, actor=user)
    assert Fingerprint.objects.get(proposal=draft).counted
    v1 = _version(round_)
    assert v1 > v0  # the round's set of compared proposals changed
    # DGA returns it; the agency edits it: a counted proposal's text changed.
    returned = make_complete_draft(agency=agency, plan_round=round_, status=Status.RETURNED)
    fingerprints.store_fingerprint(returned)
    v2 = _version(round_)
    saved = save_proposal(
        proposal_id=returned.pk, actor=user,
        content=content_for(round_, title_th="โครงการใหม่ทั้งหมด"), lock_version=0,
    )  # fmt: skip
    assert Fingerprint.objects.get(proposal=saved).digest == fingerprints.digest_of(saved)
    v3 = _version(round_)
    assert v3 > v2
    # Saving the same text again compares the same: nothing is bumped.
    saved.refresh_from_db()
    save_proposal(
        proposal_id=saved.pk, actor=user,
        content=content_for(round_, title_th="โครงการใหม่ทั้งหมด"), lock_version=saved.lock_version,
    )  # fmt: skip
    assert _version(round_) == v3
    withdraw_proposal(proposal_id=draft.pk, actor=user, reason="ซ้ำกับโครงการอื่น")
    assert not Fingerprint.objects.get(proposal=draft).counted
    assert _version(round_) > v3


def test_the_migration_fills_every_existing_proposal():
    fill = importlib.import_module("proposals.migrations.0006_fingerprints").fill_fingerprints
    sent = make_proposal(title_th=TITLE, summary=SUMMARY)
    draft = make_proposal(plan_round=sent.round, status=Status.DRAFT)
    Fingerprint.objects.all().delete()
    fill(apps, None)
    rows = {f.proposal_id: f for f in Fingerprint.objects.all()}
    assert rows[sent.pk].digest == fingerprints.digest_of(sent) and rows[sent.pk].counted
    assert rows[draft.pk].digest == fingerprints.digest_of(draft) and not rows[draft.pk].counted


WORDS = ["ถนน", "ประปา", "โรงเรียน", "ป่าไม้", "ประมง", "ท่าเรือ", "สนามบิน", "เกษตร", "ชลประทาน",
         "พลังงาน", "ขยะ", "ท่องเที่ยว", "แรงงาน", "ภาษี", "ศุลกากร", "ไปรษณีย์"]  # fmt: skip


def _round_of_look_alikes(n, *, others=0):
    """``n`` look-alike proposals (of different agencies) and ``others`` unrelated ones."""
    plan_round = make_round()
    proposals = [
        make_proposal(plan_round=plan_round, title_th=f"{TITLE}{'ระยะ' * (k % 4)}",
                      summary=SUMMARY if k % 2 else f"{SUMMARY} {k}")
        for k in range(n)
    ]  # fmt: skip
    for k in range(others):
        a, b = WORDS[k % len(WORDS)], WORDS[(k * 7 + 3) % len(WORDS)]
        make_proposal(plan_round=plan_round, title_th=f"งาน{a}{b}{k}", summary=f"{b}{a}")
    return plan_round, proposals


def test_stored_hints_equal_a_fresh_search_and_follow_the_round():
    plan_round, proposals = _round_of_look_alikes(9)
    agenda = proposals[:3]
    hints = fingerprints.meeting_hints(plan_round, agenda, limit=5, budget=200)
    fresh = find_similar_in_round(plan_round, [p.pk for p in agenda], limit=5, budget=200)

    def pairs(found):
        return {pk: ([(o.pk, float(s)) for o, s in f.matches], f.more) for pk, f in found.items()}

    assert pairs(hints) == pairs(fresh) and hints
    # Stored: the second time is three queries, the same answer.
    assert pairs(fingerprints.meeting_hints(plan_round, agenda, limit=5, budget=200)) == pairs(
        fresh
    )
    # A look-alike withdrawn through the service: the round moves on, the hints follow.
    gone = proposals[3]
    user = _submitter(gone.agency)
    withdraw_proposal(proposal_id=gone.pk, actor=user, reason="ซ้ำ")
    after = pairs(fingerprints.meeting_hints(plan_round, agenda, limit=5, budget=200))
    assert after == pairs(
        find_similar_in_round(plan_round, [p.pk for p in agenda], limit=5, budget=200)
    )
    assert all(gone.pk not in [o for o, _s in matches] for matches, _more in after.values())


def test_hints_cost_the_same_queries_in_a_small_and_a_larger_round(django_assert_num_queries):
    counts = []
    for others in (0, 40):
        plan_round, proposals = _round_of_look_alikes(6, others=others)
        agenda = proposals[:3]
        with django_assert_num_queries(5):  # version, hints, the search, the store, names
            fingerprints.meeting_hints(plan_round, agenda, limit=5, budget=200)
        with django_assert_num_queries(3) as warm:  # version, hints, names
            fingerprints.meeting_hints(plan_round, agenda, limit=5, budget=200)
        counts.append(len(warm.captured_queries))
    assert counts[0] == counts[1]


def test_refresh_command_bumps_rounds_written_behind_the_services_back():
    plan_round, proposals = _round_of_look_alikes(4)
    before = _version(plan_round)
    assert fingerprints.refresh_fingerprints([plan_round]) == 4
    assert _version(plan_round) > before
    assert Fingerprint.objects.filter(round=plan_round, counted=True).count() == 4


def test_an_imported_round_is_fingerprinted_and_bumped():
    plan_round = make_round()
    agency = make_agency()
    created = [
        make_proposal(plan_round=plan_round, agency=agency, title_th=f"{TITLE} {k}")
        for k in range(3)
    ]
    Fingerprint.objects.filter(round=plan_round).delete()  # as bulk_create leaves them
    before = _version(plan_round)
    fingerprints.store_new_fingerprints(created)
    assert _version(plan_round) == before + 1
    rows = Fingerprint.objects.filter(round=plan_round)
    assert {r.proposal_id: r.digest for r in rows} == {
        p.pk: fingerprints.digest_of(p) for p in created
    }
