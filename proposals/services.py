"""Every write to a proposal goes through a function here (or in a higher app's services)."""

import datetime
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import record_event
from core.errors import DomainError
from core.formatting import format_datetime
from core.models import AuditEvent
from core.money import MAX_DIGITS
from core.notifications import notify_users
from directory.models import Agency, User
from directory.roles import Role

from . import permissions
from .attachments import remove_stored_document, sanitise_filename, validate_upload
from .fingerprints import is_counted, store_fingerprint
from .models import (
    KPI,
    ZERO,
    Attachment,
    BudgetLine,
    ExpenseCategory,
    PlanRound,
    ProjectType,
    Proposal,
    ProposalVersion,
    StatusChange,
    proposal_code,
)
from .selectors import (
    SNAPSHOT_FIELDS,
    diff_snapshots,
    get_content_field,
    list_continuable,
    proposal_snapshot,
)
from .workflow import TRANSITIONS, Action, Status


class ProposalError(DomainError):
    """A domain rule refused the change; the message is meant for the user."""


def notify_agency(proposal: Proposal, *, subject: str, body: str = "") -> None:
    """Tell every active submitter of the proposal's agency (in-app and by e-mail)."""
    recipients = User.objects.filter(
        agency_id=proposal.agency_id, is_active=True, groups__name=Role.SUBMITTER
    ).distinct()
    notify_users(recipients, subject=subject, body=body, link=proposal.get_absolute_url())


def apply_transition(
    *,
    proposal: Proposal,
    action: str,
    actor: User,
    reason: str = "",
    extra: dict[str, Any] | None = None,
) -> Proposal:
    """Move a locked proposal along the workflow table.

    Preconditions: called inside ``transaction.atomic()`` with ``proposal`` fetched through
    ``select_for_update()``. Effects: status, a timeline row, an audit event
    ``proposal.<target status>``, and a notification to the agency after commit.
    Raises ``ProposalError`` when the table does not allow the move, the actor's role may not
    make it (``permissions.can_take``: there is no way around the table), or a required reason
    is missing.
    """
    transition = TRANSITIONS[action]
    decision = permissions.can_take(actor, proposal, action)
    if not decision:
        raise ProposalError(decision.reason)
    if transition.reason_required and not reason.strip():
        raise ProposalError(_("Please give a reason."))
    previous = proposal.status
    now = timezone.now()
    proposal.status = transition.target
    proposal.updated_at = now
    fields = ["status", "updated_at"]
    if transition.target == "submitted" and action == "submit":
        proposal.submitted_at = now
        fields.append("submitted_at")
    proposal.save(update_fields=fields)
    if is_counted(previous) != is_counted(proposal.status):
        store_fingerprint(proposal, was_counted=is_counted(previous))  # the round's set changed
    StatusChange.objects.create(
        proposal=proposal,
        from_status=previous,
        to_status=proposal.status,
        actor=actor,
        reason=reason,
        created_at=now,
    )
    record_event(
        f"proposal.{proposal.status}",
        actor=actor,
        target=proposal,
        extra={"from": previous, "action": action, "reason": reason, **(extra or {})},
    )
    notify_agency(
        proposal,
        subject=_("%(code)s: %(status)s")
        % {"code": proposal.code, "status": proposal.get_status_display()},
        body=reason,
    )
    return proposal


def lock_proposal(pk: int) -> Proposal:
    """Fetch a proposal for update (use inside transaction.atomic())."""
    return Proposal.objects.select_for_update().get(pk=pk)


def transition_proposal(
    *,
    proposal_id: int,
    action: str,
    actor: User,
    reason: str = "",
    extra: dict[str, Any] | None = None,
) -> Proposal:
    """Lock, move and save in one transaction: the convenience most callers want."""
    with transaction.atomic():
        proposal = lock_proposal(proposal_id)
        return apply_transition(
            proposal=proposal, action=action, actor=actor, reason=reason, extra=extra
        )


# --- the agency's side: create, save, submit, withdraw, attachments, reminders --------------

_LARGEST_AMOUNT = Decimal(10) ** (MAX_DIGITS - 2) - Decimal("0.01")


class StaleProposalError(ProposalError):
    """Somebody else saved the proposal after the form was opened: nothing was written.

    The editor's conflict page shows what changed (``changes``, by whom and when); other
    callers (the screening form) raise it with the message alone.
    """

    def __init__(
        self,
        message: str,
        *,
        current: Proposal | None = None,
        changes: Iterable[dict[str, Any]] = (),
        changed_by: User | None = None,
        changed_at: datetime.datetime | None = None,
    ) -> None:
        super().__init__(message)
        self.current = current
        self.changes = list(changes)
        self.changed_by = changed_by
        self.changed_at = changed_at


class IncompleteProposalError(ProposalError):
    """Submit refused: ``problems`` lists, in the user's language, every field that stops it."""

    def __init__(self, message: str, *, problems: list[str]) -> None:
        super().__init__(message)
        self.problems = problems


@dataclass
class ProposalContent:
    """What the agency types in sections 1–5 of the form, already parsed.

    ``fields`` maps model field names (of ``selectors.SNAPSHOT_FIELDS``) to values, reference
    data as instances; ``kpis`` is a list of (indicator, unit, target); ``budget`` maps
    (fiscal year, expense category) to a Decimal in baht (blank cells are simply absent).
    """

    fields: dict
    kpis: list = field(default_factory=list)
    budget: dict = field(default_factory=dict)


def _check_content(*, content: ProposalContent, plan_round: PlanRound) -> None:
    title = (content.fields.get("title_th") or "").strip()
    if not title:
        raise ProposalError(_("Please give the project's Thai title."))
    duration = content.fields.get("duration_years") or 1
    if not 1 <= duration <= 5:
        raise ProposalError(_("The duration must be between 1 and 5 fiscal years."))
    years = range(plan_round.fiscal_year, plan_round.fiscal_year + duration)
    for (year, category), amount in content.budget.items():
        if year not in years:
            raise ProposalError(_("FY%(year)s is outside the project's duration.") % {"year": year})
        if category not in ExpenseCategory.values:
            raise ProposalError(_("Unknown expense category."))
        if amount is None or amount < 0 or amount > _LARGEST_AMOUNT:
            raise ProposalError(
                _("Budget amounts must be between 0 and the largest amount allowed.")
            )
    if sum(content.budget.values(), ZERO) > _LARGEST_AMOUNT:
        raise ProposalError(_("The total budget is too large."))


def _check_continues(
    *, content: ProposalContent, agency_id: int | None, plan_round: PlanRound
) -> None:
    """A continuing project may name only its own agency's approved proposal of an earlier round."""
    continued = content.fields.get("continues")
    if continued is None or content.fields.get("project_type") != ProjectType.CONTINUING:
        return
    if not list_continuable(agency_id, plan_round).filter(pk=continued.pk).exists():
        raise ProposalError(
            _("A continuing project may continue only an approved proposal of your agency "
              "from an earlier round.")
        )  # fmt: skip


def _write_content(*, proposal: Proposal, content: ProposalContent) -> bool:
    """Copy the content onto the (locked or new) proposal and replace its KPIs and budget."""
    for name in SNAPSHOT_FIELDS:
        if name in content.fields:
            value = content.fields[name]
            setattr(proposal, name, value.strip() if isinstance(value, str) else value)
    if "continues" in content.fields:
        proposal.continues = content.fields["continues"]
    if proposal.project_type != ProjectType.CONTINUING:
        proposal.continues = None
    proposal.requested_amount = sum(
        (
            amount
            for (year, _c), amount in content.budget.items()
            if year == proposal.round.fiscal_year
        ),
        ZERO,
    )
    cleared_recommendation = False
    if (
        proposal.recommended_amount is not None
        and proposal.recommended_amount > proposal.requested_amount
    ):
        # The screener's figure may not exceed the request; it will be screened again anyway.
        proposal.recommended_amount = None
        cleared_recommendation = True
    proposal.updated_at = timezone.now()
    proposal.save(
        update_fields=[
            *SNAPSHOT_FIELDS,
            "continues",
            "requested_amount",
            "recommended_amount",
            "updated_at",
            "lock_version",
        ]
    )
    store_fingerprint(proposal)  # the duplicate search's view of it (proposals.fingerprints)
    proposal.kpis.all().delete()
    KPI.objects.bulk_create(
        KPI(
            proposal=proposal,
            order=i,
            indicator=ind.strip(),
            unit=unit.strip(),
            target=target.strip(),
        )
        for i, (ind, unit, target) in enumerate(content.kpis)
    )
    proposal.budget_lines.all().delete()
    BudgetLine.objects.bulk_create(
        BudgetLine(proposal=proposal, fiscal_year=year, category=category, amount=amount)
        for (year, category), amount in sorted(content.budget.items())
    )
    return cleared_recommendation


def _next_code(plan_round: PlanRound) -> str:
    prefix = f"{plan_round.fiscal_year}-"
    number = Proposal.objects.filter(code__startswith=prefix).count() + 1
    while Proposal.objects.filter(code=proposal_code(plan_round.fiscal_year, number)).exists():
        number += 1
    return proposal_code(plan_round.fiscal_year, number)


def create_proposal(*, actor: User, plan_round: PlanRound, content: ProposalContent) -> Proposal:
    """Start a draft for the actor's agency in ``plan_round``.

    Preconditions: the actor is a submitter with an agency. Drafts may be started whenever the
    round exists (only submitting is bound to its window). Effects: a draft with a reference
    ``<fiscal year>-NNNN``, its KPIs and budget lines, the timeline's first row, and the audit
    event ``proposal.created``. Raises ``ProposalError`` for a missing right or bad content.
    """
    agency_id = actor.agency_id
    if agency_id is None or not permissions.can_create_proposal(actor):
        raise ProposalError(_("Only an agency's submitter may start a proposal."))
    _check_content(content=content, plan_round=plan_round)
    _check_continues(content=content, agency_id=agency_id, plan_round=plan_round)
    with transaction.atomic():
        # Locking the round serialises reference numbers within it.
        plan_round = PlanRound.objects.select_for_update().get(pk=plan_round.pk)
        now = timezone.now()
        proposal = Proposal(
            round=plan_round,
            agency_id=agency_id,
            code=_next_code(plan_round),
            status=Status.DRAFT,
            created_by=actor,
            created_at=now,
            updated_at=now,
            title_th=content.fields.get("title_th", ""),
        )
        proposal.save()
        _write_content(proposal=proposal, content=content)
        StatusChange.objects.create(
            proposal=proposal, from_status="", to_status=Status.DRAFT, actor=actor, created_at=now
        )
        record_event(
            "proposal.created",
            actor=actor,
            target=proposal,
            extra={
                "code": proposal.code,
                "round": plan_round.fiscal_year,
                "requested": proposal.requested_amount,
            },
        )
    return proposal


def save_proposal(
    *,
    proposal_id: int,
    actor: User,
    content: ProposalContent,
    lock_version: int,
    base_snapshot: dict[str, Any] | None = None,
) -> Proposal:
    """Save the draft's sections 1–5 (any of them may still be incomplete).

    Preconditions: the actor may edit the proposal (own agency; draft or returned).
    ``lock_version`` is the value the form was opened with; ``base_snapshot`` the proposal's
    ``proposal_snapshot`` at that moment. Effects: the content, ``lock_version`` + 1,
    ``requested_amount`` recomputed from the round year's lines, the audit event
    ``proposal.saved`` listing the changed fields. Raises ``StaleProposalError`` (carrying what
    the other person changed) when somebody saved in between, ``ProposalError`` otherwise.
    """
    with transaction.atomic():
        proposal = Proposal.objects.select_for_update().select_related("round").get(pk=proposal_id)
        if not permissions.can_edit_proposal(actor, proposal):
            raise ProposalError(
                _("This proposal is “%(status)s”; it cannot be changed now.")
                % {"status": proposal.get_status_display()}
            )
        before = proposal_snapshot(proposal)
        if proposal.lock_version != lock_version:
            raise _stale_error(proposal=proposal, current=before, base=base_snapshot)
        _check_content(content=content, plan_round=proposal.round)
        _check_continues(content=content, agency_id=proposal.agency_id, plan_round=proposal.round)
        proposal.lock_version += 1
        cleared = _write_content(proposal=proposal, content=content)
        changes = diff_snapshots(before, proposal_snapshot(proposal))
        record_event(
            "proposal.saved",
            actor=actor,
            target=proposal,
            extra={
                "lock_version": proposal.lock_version,
                "changed": [str(c["label"]) for c in changes],
                "requested": proposal.requested_amount,
                **({"recommendation_cleared": True} if cleared else {}),
            },
        )
    return proposal


def _stale_error(
    *, proposal: Proposal, current: dict[str, Any], base: dict[str, Any] | None
) -> StaleProposalError:
    # The proposal's last audit event tells who changed it.
    last = (
        AuditEvent.objects.filter(
            target_type=proposal._meta.label_lower, target_id=str(proposal.pk)
        )
        .select_related("actor")
        .order_by("-id")
        .first()
    )
    changed_by = last.actor if last else None
    changed_at = last.created_at if last else proposal.updated_at
    changes = diff_snapshots(base, current) if base else []
    message = _(
        "%(who)s saved this proposal at %(when)s while you were editing it. "
        "Your changes have not been saved yet."
    ) % {
        "who": (changed_by.get_full_name() or changed_by.username) if changed_by else _("Someone"),
        "when": format_datetime(changed_at),
    }
    return StaleProposalError(
        message, current=proposal, changes=changes, changed_by=changed_by, changed_at=changed_at
    )


# The fields that must be filled before submitting, with the number of their form section.
SUBMIT_REQUIRED_FIELDS = {
    "title_th": 1, "project_type": 1, "duration_years": 1, "official_name": 1,
    "official_position": 1, "official_phone": 1, "official_email": 1,
    "stage": 2, "benefit": 2, "dg_strategy": 2, "national_strategy": 2,
    "alignment_justification": 2,
    "rationale": 3, "objectives": 3, "target_group": 3, "outputs": 3, "outcomes": 3,
}  # fmt: skip


def list_missing_for_submit(proposal: Proposal) -> list[str]:
    """Every reason the proposal cannot be submitted yet, as sentences in the user's language."""
    problems = []
    sections = {1: _("1. General"), 2: _("2. Alignment"), 3: _("3. Content")}
    for name, number in SUBMIT_REQUIRED_FIELDS.items():
        section = sections[number]
        value = getattr(proposal, get_content_field(name).attname)
        if value in (None, "") or (isinstance(value, str) and not value.strip()):
            label = get_content_field(name).verbose_name
            problems.append(
                _("%(section)s: “%(field)s” is required.") % {"section": section, "field": label}
            )
    if not proposal.kpis.exists():
        problems.append(_("4. KPIs: give at least one indicator with its unit and target."))
    lines = list(proposal.budget_lines.all())
    if any(line.fiscal_year not in proposal.fiscal_years for line in lines):
        problems.append(_("5. Budget: some amounts lie in years outside the project's duration."))
    if proposal.requested_amount <= 0:
        problems.append(
            _("5. Budget: the request for FY%(year)s must be more than zero.")
            % {"year": proposal.round.fiscal_year}
        )
    if not proposal.attachments.exists():
        problems.append(
            _("6. Attachments: attach at least one document (for example the terms of reference).")
        )
    return problems


def submit_proposal(
    *, proposal_id: int, actor: User, now: datetime.datetime | None = None
) -> Proposal:
    """Send the proposal (first time or after a return for revision) to DGA.

    Preconditions: the actor is a submitter of the proposal's agency; for a first submission
    the round's window is open (a proposal returned for revision may be resubmitted after the
    deadline, since DGA asked for it); every section is complete. Effects: status
    ``submitted``, a timeline row, a frozen ``ProposalVersion`` (numbered 1, 2, …), the audit
    event ``proposal.submitted``
    and, after commit, the agency's notification. The row is locked and its status checked, so a
    double click submits once. Raises ``IncompleteProposalError`` listing what is missing,
    ``ProposalError`` for the window, the status or the right.
    """
    now = now or timezone.now()
    with transaction.atomic():
        proposal = Proposal.objects.select_for_update().select_related("round").get(pk=proposal_id)
        if proposal.status == Status.SUBMITTED:
            raise ProposalError(_("This proposal has already been submitted."))
        decision = permissions.can_submit_proposal(actor, proposal)
        if not decision:
            raise ProposalError(decision.reason)
        # A proposal DGA returned for revision may come back after the deadline: DGA asked for it.
        if proposal.status == Status.DRAFT and not proposal.round.is_open(now):
            raise ProposalError(
                _(
                    "Submissions for %(round)s are accepted from %(opens)s until %(closes)s; it "
                    "cannot be submitted now."
                )
                % {
                    "round": proposal.round.name,
                    "opens": format_datetime(proposal.round.submission_opens_at),
                    "closes": format_datetime(proposal.round.submission_closes_at),
                }
            )
        problems = list_missing_for_submit(proposal)
        if problems:
            raise IncompleteProposalError(
                _("The proposal cannot be submitted yet: please complete the following."),
                problems=problems,
            )
        number = proposal.versions.count() + 1
        version = ProposalVersion.objects.create(
            proposal=proposal,
            number=number,
            snapshot=proposal_snapshot(proposal),
            created_by=actor,
            created_at=now,
        )
        apply_transition(
            proposal=proposal,
            action=Action.SUBMIT,
            actor=actor,
            extra={"version": version.number, "requested": proposal.requested_amount},
        )
    return proposal


def withdraw_proposal(*, proposal_id: int, actor: User, reason: str) -> Proposal:
    """The agency takes its proposal back before screening ends.

    Preconditions: the actor is a submitter of the proposal's agency; the proposal is a draft,
    submitted (not yet screened) or returned; a reason is given. Effects: status ``withdrawn``,
    a timeline row with the reason, the audit event ``proposal.withdrawn``, the agency's
    notification. Raises ``ProposalError`` otherwise.
    """
    with transaction.atomic():
        proposal = lock_proposal(proposal_id)
        decision = permissions.can_withdraw_proposal(actor, proposal)
        if not decision:
            raise ProposalError(decision.reason)
        return apply_transition(
            proposal=proposal, action=Action.WITHDRAW, actor=actor, reason=reason.strip()
        )


def add_attachment(
    *, proposal_id: int, actor: User, upload: UploadedFile, description: str
) -> Attachment:
    """Store an uploaded document under a generated name, outside the static tree.

    Preconditions: the actor may edit the proposal. The type is decided by the content (PDF,
    XLSX or DOCX), the size by ``settings.ATTACHMENT_MAX_BYTES``. Effects: the Attachment row
    and file, the audit event ``proposal.attachment_added``. Raises ``ProposalError`` (with the
    reason in the user's language) for a bad file, a missing description or a missing right.
    """
    description = (description or "").strip()
    if not description:
        raise ProposalError(_("Please describe the document (for example “Terms of reference”)."))
    try:
        kind = validate_upload(upload)
    except ValidationError as error:
        raise ProposalError(error.messages[0]) from None
    with transaction.atomic():
        proposal = lock_proposal(proposal_id)
        if not permissions.can_edit_proposal(actor, proposal):
            raise ProposalError(
                _("Documents can only be attached while the proposal is being edited.")
            )
        attachment = Attachment(
            proposal=proposal,
            storage_key=f"{uuid.uuid4().hex}.{kind}",
            original_name=sanitise_filename(upload.name or "", kind),
            kind=kind,
            size=upload.size or 0,  # validate_upload has read it
            description=description[:500],
            uploaded_by=actor,
        )
        attachment.file.save(attachment.storage_key, upload, save=False)
        try:
            attachment.save()
            proposal.updated_at = timezone.now()
            proposal.save(update_fields=["updated_at"])
            record_event(
                "proposal.attachment_added",
                actor=actor,
                target=proposal,
                extra={
                    "attachment": attachment.pk,
                    "name": attachment.original_name,
                    "kind": kind,
                    "size": attachment.size,
                },
            )
        except Exception:
            # A rolled-back upload must not leave its file behind.
            if attachment.file.name:
                attachment.file.storage.delete(attachment.file.name)
            raise
    return attachment


def remove_attachment(*, proposal_id: int, attachment_id: int, actor: User) -> None:
    """Remove a document while the proposal is editable (its file goes after commit).

    Effects: the row, the file, the audit event ``proposal.attachment_removed``.
    Raises ``ProposalError`` when the proposal is not editable by the actor.
    """
    with transaction.atomic():
        proposal = lock_proposal(proposal_id)
        if not permissions.can_edit_proposal(actor, proposal):
            raise ProposalError(
                _("Documents can only be removed while the proposal is being edited.")
            )
        attachment = proposal.attachments.filter(pk=attachment_id).first()
        if attachment is None:
            raise ProposalError(_("That document is no longer attached."))
        remove_stored_document(
            attachment, code="proposal.attachment_removed", actor=actor, owner=proposal,
            key="attachment",
        )  # fmt: skip


def send_draft_reminders(*, now: datetime.datetime | None = None) -> int:
    """Remind agencies with unsubmitted proposals that the open round closes soon.

    Meant to run daily: within ``settings.REMINDER_DAYS_BEFORE_CLOSE`` days of a round's close,
    each agency with drafts (or proposals returned for revision) is reminded once per round.
    Effects: in-app notifications and e-mails, the audit event ``proposal.draft_reminder`` per
    agency. Returns the number of agencies reminded.
    """
    now = now or timezone.now()
    horizon = now + datetime.timedelta(days=settings.REMINDER_DAYS_BEFORE_CLOSE)
    rounds = PlanRound.objects.filter(
        submission_opens_at__lte=now,
        submission_closes_at__gt=now,
        submission_closes_at__lte=horizon,
    )
    reminded = 0
    for plan_round in rounds:
        drafts = Proposal.objects.filter(
            round=plan_round, status__in=[Status.DRAFT, Status.RETURNED]
        ).select_related("agency")
        by_agency: dict[Agency, list[Proposal]] = {}
        for proposal in drafts:
            by_agency.setdefault(proposal.agency, []).append(proposal)
        for agency, proposals in by_agency.items():
            with transaction.atomic():
                already = AuditEvent.objects.filter(
                    code="proposal.draft_reminder",
                    target_type=agency._meta.label_lower,
                    target_id=str(agency.pk),
                    extra__round=plan_round.fiscal_year,
                ).exists()
                if already:
                    continue
                recipients = User.objects.filter(
                    agency=agency, is_active=True, groups__name=Role.SUBMITTER
                ).distinct()
                codes = ", ".join(p.code for p in proposals)
                notify_users(
                    recipients,
                    subject=_("Reminder: %(round)s closes on %(closes)s")
                    % {
                        "round": plan_round.name,
                        "closes": format_datetime(plan_round.submission_closes_at),
                    },
                    body=_("These proposals of your agency have not been submitted yet: %(codes)s.")
                    % {"codes": codes},
                    link=reverse("proposals:list"),
                )
                record_event(
                    "proposal.draft_reminder",
                    target=agency,
                    extra={
                        "round": plan_round.fiscal_year,
                        "proposals": [p.code for p in proposals],
                    },
                )
                reminded += 1
    return reminded


def record_attachment_download(*, attachment: Attachment, actor: User) -> None:
    """Note who downloaded a document (attachments may carry personal data under the PDPA).

    Effects: the audit event ``proposal.attachment_downloaded``. Raises nothing.
    """
    with transaction.atomic():
        record_event(
            "proposal.attachment_downloaded",
            actor=actor,
            target=attachment.proposal,
            extra={"attachment": attachment.pk, "name": attachment.original_name},
        )
