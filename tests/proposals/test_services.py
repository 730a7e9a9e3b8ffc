import datetime
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone, translation

from core.formatting import format_datetime
from core.models import AuditEvent, Notification
from proposals.models import Proposal, ProposalVersion
from proposals.selectors import diff_snapshots, proposal_snapshot
from proposals.services import (
    IncompleteProposalError,
    ProposalError,
    StaleProposalError,
    add_attachment,
    create_proposal,
    remove_attachment,
    save_proposal,
    send_draft_reminders,
    submit_proposal,
    transition_proposal,
    withdraw_proposal,
)
from proposals.workflow import Action, Status
from tests.factories import make_proposal, make_reference_data, make_round

from .factories import content_for, make_complete_draft, pdf_upload, xlsx_upload

pytestmark = pytest.mark.usefixtures("media_root")


@pytest.fixture(autouse=True)
def english():
    # Messages are asserted in English here; the Thai catalogue is checked in test_views.
    with translation.override("en"):
        yield


def events(code, proposal):
    return AuditEvent.objects.filter(code=code, target_id=str(proposal.pk))


def test_create_proposal_writes_draft_lines_timeline_and_audit(submitter):
    plan_round = make_round()
    proposal = create_proposal(
        actor=submitter, plan_round=plan_round, content=content_for(plan_round)
    )
    assert proposal.status == Status.DRAFT
    assert proposal.agency_id == submitter.agency_id
    assert proposal.code == f"{plan_round.fiscal_year}-0001"
    # Only the round's own fiscal year counts as the request.
    assert proposal.requested_amount == Decimal("3000.50")
    assert proposal.budget_lines.count() == 3
    assert [k.indicator for k in proposal.kpis.all()] == ["ผู้ใช้"]
    assert proposal.status_changes.get().to_status == Status.DRAFT
    event = events("proposal.created", proposal).get()
    assert event.actor == submitter
    assert event.extra["code"] == proposal.code


def test_create_numbers_follow_each_other(submitter):
    plan_round = make_round()
    first = create_proposal(actor=submitter, plan_round=plan_round, content=content_for(plan_round))
    second = create_proposal(
        actor=submitter, plan_round=plan_round, content=content_for(plan_round)
    )
    assert second.code == f"{plan_round.fiscal_year}-0002" != first.code


def test_create_refused_to_non_submitters(screener):
    plan_round = make_round()
    with pytest.raises(ProposalError):
        create_proposal(actor=screener, plan_round=plan_round, content=content_for(plan_round))
    assert not Proposal.objects.exists()


def test_create_refuses_years_outside_duration(submitter):
    plan_round = make_round()
    content = content_for(plan_round, duration_years=1)
    with pytest.raises(ProposalError, match="FY"):
        create_proposal(actor=submitter, plan_round=plan_round, content=content)
    assert not Proposal.objects.exists()


def test_save_updates_content_bumps_lock_and_audits(submitter):
    proposal = make_complete_draft(agency=submitter.agency)
    content = content_for(proposal.round, title_th="ชื่อใหม่")
    saved = save_proposal(
        proposal_id=proposal.pk,
        actor=submitter,
        content=content,
        lock_version=proposal.lock_version,
    )
    assert saved.title_th == "ชื่อใหม่"
    assert saved.lock_version == proposal.lock_version + 1
    assert saved.requested_amount == Decimal("3000.50")
    event = events("proposal.saved", proposal).get()
    assert event.actor == submitter
    assert "title (Thai)" in event.extra["changed"] or any(
        "ชื่อ" in c for c in event.extra["changed"]
    )


def test_second_concurrent_save_is_refused_with_the_others_changes(submitter):
    colleague = submitter.__class__.objects.create_user(
        username="colleague", password="x", agency=submitter.agency
    )
    colleague.groups.set(submitter.groups.all())
    proposal = make_complete_draft(agency=submitter.agency)
    opened_with = proposal.lock_version
    base = proposal_snapshot(proposal)
    save_proposal(
        proposal_id=proposal.pk,
        actor=colleague,
        content=content_for(proposal.round, title_th="ของเพื่อนร่วมงาน"),
        lock_version=opened_with,
        base_snapshot=base,
    )
    with pytest.raises(StaleProposalError) as caught:
        save_proposal(
            proposal_id=proposal.pk,
            actor=submitter,
            content=content_for(proposal.round, title_th="ของฉัน"),
            lock_version=opened_with,
            base_snapshot=base,
        )
    error = caught.value
    assert error.changed_by == colleague
    assert any(c["after"] == "ของเพื่อนร่วมงาน" for c in error.changes)
    proposal.refresh_from_db()
    assert proposal.title_th == "ของเพื่อนร่วมงาน"
    assert events("proposal.saved", proposal).count() == 1


def test_save_refused_once_submitted_and_for_other_agency(submitter, other_submitter):
    proposal = make_complete_draft(agency=submitter.agency, status=Status.SUBMITTED)
    with pytest.raises(ProposalError):
        save_proposal(
            proposal_id=proposal.pk,
            actor=submitter,
            content=content_for(proposal.round),
            lock_version=0,
        )
    draft = make_complete_draft(agency=submitter.agency)
    with pytest.raises(ProposalError):
        save_proposal(
            proposal_id=draft.pk,
            actor=other_submitter,
            content=content_for(draft.round),
            lock_version=0,
        )


def test_save_clears_a_recommendation_above_the_new_request(submitter):
    proposal = make_complete_draft(agency=submitter.agency, status=Status.RETURNED)
    Proposal.objects.filter(pk=proposal.pk).update(recommended_amount=Decimal("2000000.00"))
    saved = save_proposal(
        proposal_id=proposal.pk,
        actor=submitter,
        content=content_for(proposal.round),
        lock_version=0,
    )
    assert saved.recommended_amount is None


def test_submit_freezes_a_version_audits_and_notifies(
    submitter, django_capture_on_commit_callbacks
):
    submitter.email = "s@example.go.th"
    submitter.save(update_fields=["email"])
    proposal = make_complete_draft(agency=submitter.agency, actor=submitter)
    with django_capture_on_commit_callbacks(execute=True):
        submitted = submit_proposal(proposal_id=proposal.pk, actor=submitter)
    assert submitted.status == Status.SUBMITTED
    assert submitted.submitted_at is not None
    version = ProposalVersion.objects.get(proposal=proposal)
    assert version.number == 1
    assert version.snapshot["requested_amount"] == "2500000.00"
    event = events("proposal.submitted", proposal).get()
    assert event.extra["version"] == 1
    assert Notification.objects.filter(
        recipient=submitter, link=proposal.get_absolute_url()
    ).exists()
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["s@example.go.th"]


def test_submit_twice_submits_once(submitter):
    proposal = make_complete_draft(agency=submitter.agency, actor=submitter)
    submit_proposal(proposal_id=proposal.pk, actor=submitter)
    with pytest.raises(ProposalError, match="already"):
        submit_proposal(proposal_id=proposal.pk, actor=submitter)
    assert ProposalVersion.objects.filter(proposal=proposal).count() == 1
    assert events("proposal.submitted", proposal).count() == 1


def test_submit_lists_every_missing_field(submitter):
    proposal = make_proposal(agency=submitter.agency, status=Status.DRAFT)
    with pytest.raises(IncompleteProposalError) as caught:
        submit_proposal(proposal_id=proposal.pk, actor=submitter)
    problems = " ".join(caught.value.problems)
    for word in ("official", "KPI", "Attachments", "rationale"):
        assert word.lower() in problems.lower()
    proposal.refresh_from_db()
    assert proposal.status == Status.DRAFT


def test_submit_after_the_deadline_is_refused_with_the_deadline(submitter):
    closed = make_round(open_now=False)
    proposal = make_complete_draft(agency=submitter.agency, plan_round=closed, actor=submitter)
    with pytest.raises(ProposalError) as caught:
        submit_proposal(proposal_id=proposal.pk, actor=submitter)
    assert format_datetime(closed.submission_closes_at) in str(caught.value)
    # Saving the draft still works after the deadline.
    save_proposal(
        proposal_id=proposal.pk, actor=submitter, content=content_for(closed), lock_version=0
    )


def test_submit_refused_to_other_roles(submitter, other_submitter, screener):
    proposal = make_complete_draft(agency=submitter.agency, actor=submitter)
    for actor in (other_submitter, screener):
        with pytest.raises(ProposalError):
            submit_proposal(proposal_id=proposal.pk, actor=actor)


def test_return_and_resubmit_keeps_every_version(submitter, screener):
    proposal = make_complete_draft(agency=submitter.agency, actor=submitter)
    submit_proposal(proposal_id=proposal.pk, actor=submitter)
    transition_proposal(
        proposal_id=proposal.pk, action=Action.RETURN, actor=screener, reason="ขอรายละเอียดงบลงทุน"
    )
    proposal.refresh_from_db()
    assert proposal.status == Status.RETURNED and proposal.is_editable
    save_proposal(
        proposal_id=proposal.pk,
        actor=submitter,
        content=content_for(proposal.round, title_th="ฉบับแก้ไข", **_complete_fields()),
        lock_version=proposal.lock_version,
    )
    resubmitted = submit_proposal(proposal_id=proposal.pk, actor=submitter)
    assert resubmitted.status == Status.SUBMITTED
    first, second = ProposalVersion.objects.filter(proposal=proposal).order_by("number")
    assert (first.number, second.number) == (1, 2)
    labels = {str(c["label"]) for c in diff_snapshots(first.snapshot, second.snapshot)}
    assert any("title" in label.lower() or "ชื่อ" in label for label in labels)
    assert events("proposal.submitted", proposal).count() == 2
    assert events("proposal.returned", proposal).count() == 1


def _complete_fields():
    from proposals.models import DGStrategy, NationalStrategy

    from .factories import COMPLETE_FIELDS

    _stages, benefits = make_reference_data()
    return {
        **COMPLETE_FIELDS,
        "benefit": benefits[0],
        "dg_strategy": DGStrategy.objects.first(),
        "national_strategy": NationalStrategy.objects.first(),
        "project_type": "new",
    }


@pytest.mark.parametrize("status", [Status.DRAFT, Status.SUBMITTED, Status.RETURNED])
def test_withdraw_with_reason(submitter, status):
    proposal = make_complete_draft(agency=submitter.agency, status=status)
    withdrawn = withdraw_proposal(proposal_id=proposal.pk, actor=submitter, reason="ไม่ได้รับจัดสรร")
    assert withdrawn.status == Status.WITHDRAWN
    event = events("proposal.withdrawn", proposal).get()
    assert event.extra["reason"] == "ไม่ได้รับจัดสรร"
    assert proposal.status_changes.get(to_status=Status.WITHDRAWN).reason == "ไม่ได้รับจัดสรร"


def test_withdraw_needs_a_reason_and_an_open_state(submitter, other_submitter):
    proposal = make_complete_draft(agency=submitter.agency, status=Status.SUBMITTED)
    with pytest.raises(ProposalError):
        withdraw_proposal(proposal_id=proposal.pk, actor=submitter, reason="  ")
    with pytest.raises(ProposalError):
        withdraw_proposal(proposal_id=proposal.pk, actor=other_submitter, reason="x")
    forwarded = make_complete_draft(agency=submitter.agency, status=Status.FORWARDED)
    with pytest.raises(ProposalError):
        withdraw_proposal(proposal_id=forwarded.pk, actor=submitter, reason="x")
    assert not AuditEvent.objects.filter(code="proposal.withdrawn").exists()


def test_attachment_stored_under_generated_name(submitter, media_root):
    proposal = make_complete_draft(agency=submitter.agency)
    attachment = add_attachment(
        proposal_id=proposal.pk,
        actor=submitter,
        upload=xlsx_upload("../../etc/งบประมาณ<1>.pdf"),
        description="ประมาณการ",
    )
    assert attachment.kind == "xlsx"
    assert attachment.original_name == "งบประมาณ_1_.xlsx"
    assert attachment.file.name.startswith(f"attachments/{proposal.pk}/")
    assert "งบ" not in attachment.file.name
    assert (media_root / attachment.file.name).exists()
    assert events("proposal.attachment_added", proposal).count() == 1
    remove_attachment(proposal_id=proposal.pk, attachment_id=attachment.pk, actor=submitter)
    assert not proposal.attachments.exists()
    assert events("proposal.attachment_removed", proposal).count() == 1


def test_attachment_refused_by_content_size_and_state(submitter, settings):
    proposal = make_complete_draft(agency=submitter.agency)
    with pytest.raises(ProposalError, match="PDF"):
        add_attachment(
            proposal_id=proposal.pk,
            actor=submitter,
            upload=pdf_upload("fake.pdf", b"MZ\x90\x00 not a pdf"),
            description="x",
        )
    settings.ATTACHMENT_MAX_BYTES = 10
    with pytest.raises(ProposalError, match="large"):
        add_attachment(
            proposal_id=proposal.pk, actor=submitter, upload=pdf_upload(), description="x"
        )
    settings.ATTACHMENT_MAX_BYTES = 1024
    submitted = make_complete_draft(agency=submitter.agency, status=Status.SUBMITTED)
    with pytest.raises(ProposalError):
        add_attachment(
            proposal_id=submitted.pk, actor=submitter, upload=pdf_upload(), description="x"
        )
    assert not proposal.attachments.exists()


def test_draft_reminders_once_per_agency_and_round(submitter, other_submitter):
    plan_round = make_round()
    plan_round.submission_closes_at = timezone.now() + datetime.timedelta(days=2)
    plan_round.save(update_fields=["submission_closes_at"])
    make_complete_draft(agency=submitter.agency, plan_round=plan_round)
    make_complete_draft(agency=submitter.agency, plan_round=plan_round)
    make_complete_draft(
        agency=other_submitter.agency, plan_round=plan_round, status=Status.SUBMITTED
    )
    assert send_draft_reminders() == 1
    assert Notification.objects.filter(recipient=submitter).count() == 1
    assert not Notification.objects.filter(recipient=other_submitter).exists()
    assert send_draft_reminders() == 0


def test_no_reminder_long_before_the_deadline(submitter):
    plan_round = make_round()  # closes in 14 days
    make_complete_draft(agency=submitter.agency, plan_round=plan_round)
    assert send_draft_reminders() == 0


def test_returned_proposal_may_be_resubmitted_after_the_deadline(submitter, screener):
    closed = make_round(open_now=False)
    proposal = make_complete_draft(agency=submitter.agency, plan_round=closed, actor=submitter)
    Proposal.objects.filter(pk=proposal.pk).update(status=Status.SUBMITTED)
    transition_proposal(
        proposal_id=proposal.pk, action=Action.RETURN, actor=screener, reason="แก้ไข"
    )
    assert submit_proposal(proposal_id=proposal.pk, actor=submitter).status == Status.SUBMITTED
