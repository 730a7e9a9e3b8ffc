"""Every write of the execution app: starting projects, filing quarterly reports, reviewing them.

Each service locks what it changes, checks the permission and the workflow table, saves with
``update_fields`` and writes its audit event in one transaction.
"""

import datetime
import uuid
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import record_event
from core.errors import DomainError
from core.formatting import format_date_long
from core.notifications import notify_users
from directory.models import User
from plans.models import PlanVersion
from proposals.attachments import remove_stored_document, sanitise_filename, validate_upload
from proposals.models import KPI, BudgetLine, ExpenseCategory, PlanRound, Proposal
from proposals.workflow import APPROVED_STATES

from .models import (
    Amendment,
    AmendmentKPI,
    AmendmentLine,
    AmendmentStatus,
    BaselineLine,
    KPIActual,
    KPIEvidence,
    Project,
    QuarterlyReport,
    ReportLine,
    ReportVersion,
)
from .permissions import (
    can_create_report,
    can_decide_amendment,
    can_request_amendment,
    can_start_projects,
    can_take,
    can_view_progress,
)
from .selectors import UnsentQuarter, list_unsent_quarters, report_snapshot
from .workflow import TRANSITIONS, Action, ProgressStatus, ReportStatus

REPORT_TEXTS = ("milestones", "problems", "help_requested")
EDITABLE_REPORTS = (ReportStatus.DRAFT, ReportStatus.RETURNED)
BATCH = 1000
# The audit event names the first projects started; a plan of 10,000 would make it huge.
CODES_IN_EVENT = 500
CATEGORY_LABELS = dict(ExpenseCategory.choices)


class ExecutionError(DomainError):
    """An execution action that the rules do not allow; the message is for the user."""


def start_projects(*, plan_round: PlanRound, actor: User) -> list[Project]:
    """Start a project under way for each approved project of the round's latest published
    version that has none yet.

    Preconditions: ``actor`` may publish the plan; the round has a published version.
    Effects: per new project its ``Project`` (approved amount, responsible officer: the
    proposal's screener) and its baseline (the version's approved budget lines), and one audit
    event ``execution.projects_started`` naming them, in one transaction. Projects already
    under way are left as they are (amendments change a baseline, not a republication).
    Raises ``ExecutionError`` when a precondition does not hold.
    """
    if not can_start_projects(actor):
        raise ExecutionError(_("Only the committee secretary can start the plan's projects."))
    with transaction.atomic():
        plan_round = PlanRound.objects.select_for_update().get(pk=plan_round.pk)
        version = PlanVersion.objects.filter(round=plan_round).order_by("-number").first()
        if version is None:
            raise ExecutionError(_("The plan is not published yet."))
        return _start_from_version(version=version, actor=actor)


def start_projects_on_publish(*, version: PlanVersion, actor: User, **_signal: Any) -> None:
    """The receiver of ``plans.signals.plan_published``: runs in the publishing transaction."""
    _start_from_version(version=version, actor=actor)


def _start_from_version(*, version: PlanVersion, actor: User) -> list[Project]:
    # A few queries whatever the size of the plan (the bench publishes 10,000 projects).
    entries = {p["code"]: p for p in version.snapshot.get("projects", [])}
    started = set(
        Project.objects.filter(round_id=version.round_id).values_list("proposal__code", flat=True)
    )
    proposals = [
        proposal
        for proposal in Proposal.objects.filter(
            round_id=version.round_id, status__in=APPROVED_STATES
        )
        .only("id", "code", "agency_id", "assigned_screener_id")
        .order_by("code")
        if proposal.code in entries and proposal.code not in started
    ]
    projects = Project.objects.bulk_create(
        [
            Project(
                proposal=proposal, round_id=version.round_id, agency_id=proposal.agency_id,
                plan_version=version,
                approved_amount=Decimal(entries[proposal.code]["approved_amount"] or "0"),
                responsible_officer_id=proposal.assigned_screener_id,
            )
            for proposal in proposals
        ],
        batch_size=BATCH,
    )  # fmt: skip
    BaselineLine.objects.bulk_create(
        [
            BaselineLine(
                project=project, fiscal_year=line["fiscal_year"], category=line["category"],
                approved_amount=Decimal(line["approved_amount"]),
            )
            for project in projects
            for line in entries[project.proposal.code].get("budget_lines", [])
            if line.get("approved_amount") is not None
        ],
        batch_size=BATCH,
    )  # fmt: skip
    if projects:
        record_event(
            "execution.projects_started",
            actor=actor,
            target=version,
            extra={
                "fiscal_year": version.round.fiscal_year,
                "version": version.number,
                "projects": len(projects),
                "codes": [p.proposal.code for p in projects[:CODES_IN_EVENT]],
            },
        )
    return projects


def create_report(
    *, project: Project, fiscal_year: int, quarter: int, actor: User
) -> QuarterlyReport:
    """Open the agency's draft report on one quarter of one project.

    Preconditions: ``actor`` is a submitter of the project's agency; ``fiscal_year`` is one of
    the baseline's years; ``quarter`` is 1–4; the quarter has begun and has no report yet.
    Effects: the draft with one line per expense category of that year's baseline (carrying
    the cumulative amounts of the latest earlier report of the year) and one row per KPI of the
    proposal; the audit event ``report.created``; in one transaction.
    Raises ``ExecutionError`` when a precondition does not hold.
    """
    decision = can_create_report(actor, project)
    if not decision:
        raise ExecutionError(decision.reason)
    if quarter not in (1, 2, 3, 4):
        raise ExecutionError(_("A fiscal year has four quarters."))
    from .models import quarter_bounds

    if quarter_bounds(fiscal_year, quarter)[0] > timezone.localdate():
        raise ExecutionError(_("This quarter has not begun yet."))
    with transaction.atomic():
        project = Project.objects.select_for_update().get(pk=project.pk)
        categories = list(
            BaselineLine.objects.filter(project=project, fiscal_year=fiscal_year)
            .order_by("category")
            .values_list("category", flat=True)
        )
        if not categories:
            raise ExecutionError(_("The project has no approved budget for this fiscal year."))
        if QuarterlyReport.objects.filter(
            project=project, fiscal_year=fiscal_year, quarter=quarter
        ).exists():
            raise ExecutionError(_("This quarter already has a report."))
        earlier = (
            QuarterlyReport.objects.filter(
                project=project, fiscal_year=fiscal_year, quarter__lt=quarter
            )
            .order_by("-quarter")
            .first()
        )
        carried = (
            {line.category: line for line in earlier.lines.all()} if earlier is not None else {}
        )
        now = timezone.now()
        report = QuarterlyReport.objects.create(
            project=project, fiscal_year=fiscal_year, quarter=quarter, created_by=actor,
            created_at=now, updated_at=now,
        )  # fmt: skip
        ReportLine.objects.bulk_create(
            ReportLine(
                report=report, category=category,
                disbursed=carried[category].disbursed if category in carried else Decimal("0"),
                committed=carried[category].committed if category in carried else Decimal("0"),
            )
            for category in categories
        )  # fmt: skip
        KPIActual.objects.bulk_create(
            KPIActual(report=report, kpi=kpi)
            for kpi in KPI.objects.filter(proposal_id=project.proposal_id).order_by("order", "id")
        )
        record_event(
            "report.created",
            actor=actor,
            target=report,
            extra={
                "project": project.proposal.code,
                "fiscal_year": fiscal_year,
                "quarter": quarter,
            },
        )
    return report


def save_report(
    *,
    report: QuarterlyReport,
    actor: User,
    texts: Mapping[str, str],
    progress: str,
    amounts: Mapping[str, tuple[Decimal, Decimal]],
    kpi_actuals: Mapping[int, tuple[str, str]],
) -> QuarterlyReport:
    """Save the agency's report: status, texts, cumulative amounts per category, KPI actuals.

    ``amounts`` maps an expense category to (disbursed, committed); ``kpi_actuals`` a KPI's id
    to (actual value, evidence note). Preconditions: the table allows ``edit`` (a draft or a
    returned report of the actor's own agency); every category is one of the report's; per
    category disbursed + committed is at most the approved amount of the year.
    Effects: the changed fields and lines saved, the audit event ``report.saved`` naming them,
    in one transaction. Raises ``ExecutionError`` (with the form field concerned) and saves
    nothing when a precondition does not hold.
    """
    if progress not in ProgressStatus.values:
        raise ExecutionError(_("Choose the project's status."), field="progress")
    with transaction.atomic():
        report = _locked(report)
        _check(actor, report, Action.EDIT)
        limits = dict(
            BaselineLine.objects.filter(
                project_id=report.project_id, fiscal_year=report.fiscal_year
            ).values_list("category", "approved_amount")
        )
        lines = {line.category: line for line in report.lines.select_for_update()}
        changed: list[str] = []
        for category, (disbursed, committed) in amounts.items():
            line = lines.get(category)
            if line is None:
                raise ExecutionError(_("This expense category is not in the project's budget."))
            _check_amounts(category, disbursed, committed, limits.get(category, Decimal("0")))
            if (line.disbursed, line.committed) != (disbursed, committed):
                line.disbursed, line.committed = disbursed, committed
                line.save(update_fields=["disbursed", "committed"])
                changed.append(category)
        actuals = {a.kpi_id: a for a in report.kpi_actuals.select_for_update()}
        for kpi_id, (actual, note) in kpi_actuals.items():
            row = actuals.get(kpi_id)
            if row is None:
                raise ExecutionError(_("This KPI is not one of the project's."))
            if (row.actual, row.note) != (actual.strip(), note.strip()):
                row.actual, row.note = actual.strip(), note.strip()
                row.save(update_fields=["actual", "note"])
                changed.append(f"kpi:{kpi_id}")
        fields = [name for name in REPORT_TEXTS if getattr(report, name) != texts.get(name, "")]
        for name in fields:
            setattr(report, name, texts.get(name, ""))
        if report.progress != progress:
            report.progress = progress
            fields.append("progress")
        if fields or changed:
            report.updated_at = timezone.now()
            report.save(update_fields=[*fields, "updated_at"])
            record_event(
                "report.saved", actor=actor, target=report, extra={"changed": fields + changed}
            )
    return report


EVIDENCE_PER_KPI = 10


def add_kpi_evidence(
    *, report: QuarterlyReport, kpi_id: int, actor: User, upload: UploadedFile
) -> KPIEvidence:
    """Attach a document to one KPI row of the report as the evidence of its actual value.

    Preconditions: the table allows ``edit`` (a draft or a returned report of the actor's own
    agency); the KPI is one of the report's; the row has fewer than ``EVIDENCE_PER_KPI``
    documents; the file passes the proposals' attachment checks (PDF, XLSX or DOCX by its
    content, at most ``ATTACHMENT_MAX_BYTES``). Effects: the file under a generated name, the
    ``KPIEvidence`` row, the audit event ``report.evidence_added``, in one transaction (a
    rolled-back upload leaves no file). Raises ``ExecutionError`` and saves nothing otherwise.
    """
    try:
        kind = validate_upload(upload)
    except ValidationError as error:
        raise ExecutionError(error.messages[0], field=f"evidence_{kpi_id}") from None
    with transaction.atomic():
        report = _locked(report)
        _check(actor, report, Action.EDIT)
        actual = report.kpi_actuals.select_related("kpi").filter(kpi_id=kpi_id).first()
        if actual is None:
            raise ExecutionError(_("This KPI is not one of the project's."))
        if actual.evidence.count() >= EVIDENCE_PER_KPI:
            raise ExecutionError(
                _("A KPI takes at most %(count)s documents of evidence.")
                % {"count": EVIDENCE_PER_KPI},
                field=f"evidence_{kpi_id}",
            )
        evidence = KPIEvidence(
            actual=actual, storage_key=f"{uuid.uuid4().hex}.{kind}",
            original_name=sanitise_filename(upload.name or "", kind), kind=kind,
            size=upload.size or 0, uploaded_by=actor,
        )  # fmt: skip
        evidence.file.save(evidence.storage_key, upload, save=False)
        try:
            evidence.save()
            report.updated_at = timezone.now()
            report.save(update_fields=["updated_at"])
            record_event(
                "report.evidence_added",
                actor=actor,
                target=report,
                extra={"kpi": kpi_id, "evidence": evidence.pk, "name": evidence.original_name,
                       "kind": kind, "size": evidence.size},
            )  # fmt: skip
        except Exception:
            if evidence.file.name:  # a rolled-back upload must not leave its file behind
                evidence.file.storage.delete(evidence.file.name)
            raise
    return evidence


def remove_kpi_evidence(*, report: QuarterlyReport, evidence_id: int, actor: User) -> None:
    """Take a document of evidence off the report while the agency may edit it.

    Effects: the row, the audit event ``report.evidence_removed``, the file after commit.
    Raises ``ExecutionError`` when the report is not editable by ``actor`` or the document is
    not one of its own.
    """
    with transaction.atomic():
        report = _locked(report)
        _check(actor, report, Action.EDIT)
        evidence = KPIEvidence.objects.filter(pk=evidence_id, actual__report=report).first()
        if evidence is None:
            raise ExecutionError(_("That document is no longer attached."))
        remove_stored_document(
            evidence, code="report.evidence_removed", actor=actor, owner=report, key="evidence"
        )


def record_evidence_download(*, evidence: KPIEvidence, actor: User) -> None:
    """Note who downloaded a document of evidence (it may carry personal data, PDPA).
    Effects: the audit event ``report.evidence_downloaded``. Raises nothing."""
    with transaction.atomic():
        record_event(
            "report.evidence_downloaded",
            actor=actor,
            target=evidence.actual.report,
            extra={"evidence": evidence.pk, "name": evidence.original_name},
        )


def _check_amounts(category: str, disbursed: Decimal, committed: Decimal, limit: Decimal) -> None:
    label = CATEGORY_LABELS.get(category, category)
    if disbursed < 0 or committed < 0:
        raise ExecutionError(_("Amounts cannot be negative."), field=f"disbursed_{category}")
    if disbursed + committed > limit:
        raise ExecutionError(
            _(
                "%(category)s: disbursed and committed together (%(total)s baht) exceed the "
                "approved %(limit)s baht."
            )
            % {
                "category": label,
                "total": f"{disbursed + committed:,.2f}",
                "limit": f"{limit:,.2f}",
            },
            field=f"disbursed_{category}",
        )


def submit_report(*, report: QuarterlyReport, actor: User) -> QuarterlyReport:
    """Send the report to DGA (again, after a return).

    Preconditions: the table allows ``submit``. Effects: a new ``ReportVersion`` with the
    report's snapshot, the status submitted with the time, the audit event ``report.submitted``
    (``report.resubmitted`` after a return) and a notification to the responsible DGA officer
    after commit, in one transaction. Raises ``ExecutionError``.
    """
    with transaction.atomic():
        report = _locked(report)
        was = report.status
        _check(actor, report, Action.SUBMIT)
        last = report.versions.order_by("-number").values_list("number", flat=True).first() or 0
        now = timezone.now()
        ReportVersion.objects.create(
            report=report, number=last + 1, snapshot=report_snapshot(report), created_by=actor,
            created_at=now,
        )  # fmt: skip
        report.status = TRANSITIONS[Action.SUBMIT][1] or report.status
        report.submitted_at = report.updated_at = now
        report.save(update_fields=["status", "submitted_at", "updated_at"])
        code = "report.resubmitted" if was == ReportStatus.RETURNED else "report.submitted"
        record_event(code, actor=actor, target=report, extra={"version": last + 1})
        officer = report.project.responsible_officer
        if officer is not None:
            notify_users(
                [officer],
                subject=_("Quarterly report to review: %(report)s") % {"report": report},
                link=report.get_absolute_url(),
            )
    return report


def review_report(
    *, report: QuarterlyReport, actor: User, accept: bool, comment: str = ""
) -> QuarterlyReport:
    """DGA accepts a submitted report, or returns it to the agency with comments.

    Preconditions: the table allows ``accept`` or ``return``; a return says why.
    Effects: the status, the reviewer, the time and the comments; the audit event
    ``report.accepted`` or ``report.returned``; a notification to the agency's submitters;
    in one transaction. Raises ``ExecutionError``.
    """
    comment = comment.strip()
    if not accept and not comment:
        raise ExecutionError(_("Say what the agency must correct."), field="comment")
    action = Action.ACCEPT if accept else Action.RETURN
    with transaction.atomic():
        report = _locked(report)
        _check(actor, report, action)
        report.status = TRANSITIONS[action][1] or report.status
        report.review_comment = comment
        report.reviewed_by = actor
        report.reviewed_at = report.updated_at = timezone.now()
        report.save(
            update_fields=["status", "review_comment", "reviewed_by", "reviewed_at", "updated_at"]
        )
        record_event(
            "report.accepted" if accept else "report.returned",
            actor=actor,
            target=report,
            extra={"comment": comment},
        )
        notify_users(
            User.objects.filter(agency_id=report.project.agency_id, groups__name="submitter"),
            subject=(
                _("Quarterly report accepted: %(report)s")
                if accept
                else _("Quarterly report returned for correction: %(report)s")
            )
            % {"report": report},
            body=comment,
            link=report.get_absolute_url(),
        )
    return report


def send_report_reminders(*, today: datetime.date, remind_days_before: int = 7) -> dict[str, int]:
    """Remind agencies of reports due soon, and escalate overdue ones (the daily command).

    Reads ``selectors.list_unsent_quarters`` (the quarters of each project's round year whose
    report DGA does not have). ``remind_days_before`` days before the due date: a reminder to
    the agency's submitters. The day after the due date and every 7 days after that, so that a
    daily run does not repeat itself every day: an overdue notice to them and to the project's
    responsible DGA officer. Effects: the notifications and one audit event
    ``report.reminders_sent`` with the counts, in one transaction.
    """
    counts = {"reminders": 0, "overdue": 0}
    with transaction.atomic():
        horizon = today + datetime.timedelta(days=remind_days_before)
        for unsent in list_unsent_quarters(due_by=horizon):
            days_left = (unsent.due - today).days
            if days_left == remind_days_before:
                _notify_agency(unsent, overdue=False)
                counts["reminders"] += 1
            elif days_left < 0 and (-days_left) % 7 == 1:
                _notify_agency(unsent, overdue=True)
                counts["overdue"] += 1
        if counts["reminders"] or counts["overdue"]:
            record_event("report.reminders_sent", extra={"date": today.isoformat(), **counts})
    return counts


def _notify_agency(unsent: UnsentQuarter, *, overdue: bool) -> None:
    project = unsent.project
    recipients = list(User.objects.filter(agency_id=project.agency_id, groups__name="submitter"))
    values = {
        "code": project.proposal.code, "year": unsent.fiscal_year, "quarter": unsent.quarter,
        "due": format_date_long(unsent.due),
    }  # fmt: skip
    if overdue:
        subject = _("Overdue: report on Q%(quarter)s %(year)s of %(code)s (due %(due)s)") % values
        if project.responsible_officer is not None:
            recipients.append(project.responsible_officer)
    else:
        subject = _("Report on Q%(quarter)s %(year)s of %(code)s is due on %(due)s") % values
    notify_users(recipients, subject=subject, link=project.get_absolute_url())


def record_progress_download(*, plan_round: PlanRound, actor: User, file_format: str) -> None:
    """Write the audit event ``progress.downloaded`` for one download of a progress file, as
    plans does for its files. Raises ``ExecutionError`` when ``actor`` may not read them."""
    if not can_view_progress(actor):
        raise ExecutionError(_("You may not download this file."))
    with transaction.atomic():
        record_event(
            "progress.downloaded",
            actor=actor,
            target=plan_round,
            extra={"fiscal_year": plan_round.fiscal_year, "format": file_format},
        )


def _locked(report: QuarterlyReport) -> QuarterlyReport:
    return (
        QuarterlyReport.objects.select_for_update(of=("self",))
        .select_related("project__proposal", "project__responsible_officer")
        .get(pk=report.pk)
    )


def _check(actor: User, report: QuarterlyReport, action: str) -> None:
    decision = can_take(actor, report, action)
    if not decision:
        raise ExecutionError(decision.reason)


# --- amendments ---------------------------------------------------------------------------

Cell = tuple[int, str]  # (fiscal year, expense category)
KPIChange = tuple[int | None, str, str, str]  # (KPI id or None for a new one, indicator, unit,
# target)
KPI_LIMITS = {"indicator": 500, "unit": 100, "target": 100}
SATANG = Decimal("0.01")


def request_amendment(
    *,
    project: Project,
    actor: User,
    reason: str,
    amounts: Mapping[Cell, Decimal],
    scope_change: str = "",
    kpi_change: str = "",
    kpis: Sequence[KPIChange] = (),
) -> Amendment:
    """The agency asks to move money between the cells of its project's baseline (or to
    change its scope or KPIs), with its reasons.

    ``amounts`` maps a cell (fiscal year, category) of the proposal's budget lines to the
    approved amount asked for; cells left out keep their amount. Preconditions: ``actor`` is a
    submitter of the project's agency; no other amendment of the project awaits a decision;
    a reason is given; something changes; every amount is exact to the satang, not negative
    and at most what the agency requested for that cell; the new total is at most what the
    committee approved (``Project.approved_amount``). ``kpis`` are KPI rows as they should
    become, (KPI id, indicator, unit, target), the id ``None`` for a new KPI; a row equal to
    the KPI now is left out. Effects: the ``Amendment`` with one line per changed cell (before
    and after) and per changed KPI, the audit event ``amendment.requested`` and, after
    commit, a notification to the responsible DGA officer, in one transaction.
    Raises ``ExecutionError`` (with the form field concerned) and saves nothing otherwise.
    """
    decision = can_request_amendment(actor, project)
    if not decision:
        raise ExecutionError(decision.reason)
    reason, scope_change, kpi_change = reason.strip(), scope_change.strip(), kpi_change.strip()
    if not reason:
        raise ExecutionError(_("Give the reasons for the amendment."), field="reason")
    with transaction.atomic():
        project = (
            Project.objects.select_for_update(of=("self",))
            .select_related("proposal", "responsible_officer")
            .get(pk=project.pk)
        )
        if project.amendments.filter(status=AmendmentStatus.PENDING).exists():
            raise ExecutionError(
                _("An amendment of this project is awaiting DGA's decision already.")
            )
        current = _current_cells(project)
        changes = _changed_cells(project, current, amounts)
        kpi_lines = _kpi_changes(project, kpis)
        if not changes and not kpi_lines and not (scope_change or kpi_change):
            raise ExecutionError(_("The amendment changes nothing."))
        last = project.amendments.order_by("-number").values_list("number", flat=True).first()
        amendment = Amendment.objects.create(
            project=project, number=(last or 0) + 1, reason=reason, scope_change=scope_change,
            kpi_change=kpi_change, requested_by=actor, requested_at=timezone.now(),
        )  # fmt: skip
        AmendmentLine.objects.bulk_create(
            AmendmentLine(
                amendment=amendment, fiscal_year=year, category=category, before=before,
                after=after,
            )
            for (year, category), (before, after) in sorted(changes.items())
        )  # fmt: skip
        for line in kpi_lines:
            line.amendment = amendment
        AmendmentKPI.objects.bulk_create(kpi_lines)
        record_event(
            "amendment.requested",
            actor=actor,
            target=amendment,
            extra={"project": project.proposal.code, "number": amendment.number,
                   "lines": _lines_json(changes), "kpis": _kpis_json(kpi_lines)},
        )  # fmt: skip
        if project.responsible_officer is not None:
            notify_users(
                [project.responsible_officer],
                subject=_("Amendment to decide: %(amendment)s") % {"amendment": amendment},
                link=amendment.get_absolute_url(),
            )
    return amendment


def _current_cells(project: Project) -> dict[Cell, Decimal]:
    return {
        (line.fiscal_year, line.category): line.approved_amount
        for line in BaselineLine.objects.filter(project=project)
    }


def _changed_cells(
    project: Project, current: dict[Cell, Decimal], amounts: Mapping[Cell, Decimal]
) -> dict[Cell, tuple[Decimal, Decimal]]:
    """Check the amounts asked for; return the cells that change as (before, after)."""
    requested = {
        (line.fiscal_year, line.category): line.amount
        for line in BudgetLine.objects.filter(proposal_id=project.proposal_id)
    }
    changes: dict[Cell, tuple[Decimal, Decimal]] = {}
    for cell, after in amounts.items():
        field = f"amount_{cell[0]}_{cell[1]}"
        if cell not in requested:
            raise ExecutionError(_("This cell is not one of the project's budget lines."))
        if after < 0:
            raise ExecutionError(_("Amounts cannot be negative."), field=field)
        if after != after.quantize(SATANG):
            raise ExecutionError(_("Amounts are in baht and satang: two decimals."), field=field)
        if after > requested[cell]:
            raise ExecutionError(
                _("%(cell)s: %(after)s baht is more than the %(requested)s baht requested.")
                % {"cell": _cell_label(cell), "after": f"{after:,.2f}",
                   "requested": f"{requested[cell]:,.2f}"},
                field=field,
            )  # fmt: skip
        before = current.get(cell, Decimal("0.00"))
        if after != before:
            changes[cell] = (before, after)
    total = sum(
        (changes[cell][1] if cell in changes else amount for cell, amount in current.items()),
        Decimal("0.00"),
    ) + sum((after for cell, (_b, after) in changes.items() if cell not in current), Decimal(0))
    if total > project.approved_amount:
        raise ExecutionError(
            _(
                "The new total (%(total)s baht) exceeds the %(approved)s baht the committee "
                "approved for this project."
            )
            % {"total": f"{total:,.2f}", "approved": f"{project.approved_amount:,.2f}"}
        )
    return changes


def _kpi_changes(project: Project, kpis: Sequence[KPIChange]) -> list[AmendmentKPI]:
    """Check the KPI rows asked for; return (unsaved) the rows that change or add a KPI."""
    existing = {kpi.pk: kpi for kpi in KPI.objects.filter(proposal_id=project.proposal_id)}
    rows: list[AmendmentKPI] = []
    for kpi_id, *values in kpis:
        indicator, unit, target = (value.strip() for value in values)
        if kpi_id is None and not (indicator or unit or target):
            continue  # the empty "new KPI" row of the form
        field = f"kpitarget_{kpi_id or 'new'}"
        if kpi_id is not None and kpi_id not in existing:
            raise ExecutionError(_("This KPI is not one of the project's."))
        if not (indicator and unit and target):
            raise ExecutionError(_("A KPI needs its indicator, unit and target."), field=field)
        for name, text in zip(KPI_LIMITS, (indicator, unit, target), strict=True):
            if len(text) > KPI_LIMITS[name]:
                raise ExecutionError(
                    _("At most %(count)s characters.") % {"count": KPI_LIMITS[name]}, field=field
                )
        row = AmendmentKPI(kpi_id=kpi_id, indicator=indicator, unit=unit, target=target)
        if kpi_id is not None:
            kpi = existing[kpi_id]
            if (kpi.indicator, kpi.unit, kpi.target) == (indicator, unit, target):
                continue
            row.indicator_before, row.unit_before, row.target_before = (
                kpi.indicator, kpi.unit, kpi.target,
            )  # fmt: skip
        rows.append(row)
    return rows


def _kpis_json(rows: Sequence[AmendmentKPI]) -> list[dict[str, Any]]:
    return [
        {"kpi": row.kpi_id, "before": [row.indicator_before, row.unit_before, row.target_before],
         "after": [row.indicator, row.unit, row.target]}
        for row in rows
    ]  # fmt: skip


def _cell_label(cell: Cell) -> str:
    return f"{cell[0]} {CATEGORY_LABELS.get(cell[1], cell[1])}"


def _lines_json(changes: Mapping[Cell, tuple[Decimal, Decimal]]) -> list[dict[str, Any]]:
    return [
        {"fiscal_year": year, "category": category, "before": str(before), "after": str(after)}
        for (year, category), (before, after) in sorted(changes.items())
    ]


def decide_amendment(
    *, amendment: Amendment, actor: User, approve: bool, reason: str = ""
) -> Amendment:
    """DGA approves an amendment, or refuses it with its reasons.

    Preconditions: ``actor`` is a DGA screener; the amendment awaits a decision; a refusal
    says why; on approval, each line's ``before`` is still the baseline's amount (no other
    change came between) and the new total is still within the committee's approval.
    Effects on approval: each line's cell of the baseline set to its ``after`` (a new baseline
    line for a cell the baseline lacked) and the proposal's approved budget lines and approved
    amount with them, so that the secretary's next publication makes a new plan version
    showing the change (the published versions and the amendment's lines keep the amounts
    before). Then the status, the decider, the time and the reasons; the audit event
    ``amendment.approved`` or ``amendment.refused``; a notification to the agency's submitters
    after commit; in one transaction. Raises ``ExecutionError`` and changes nothing otherwise.
    """
    reason = reason.strip()
    if not approve and not reason:
        raise ExecutionError(_("Say why the amendment is refused."), field="reason")
    with transaction.atomic():
        amendment = (
            Amendment.objects.select_for_update(of=("self",))
            .select_related("project__proposal")
            .get(pk=amendment.pk)
        )
        decision = can_decide_amendment(actor, amendment)
        if not decision:
            raise ExecutionError(decision.reason)
        if approve:
            _apply_amendment(amendment)
        amendment.status = AmendmentStatus.APPROVED if approve else AmendmentStatus.REFUSED
        amendment.decided_by = actor
        amendment.decided_at = timezone.now()
        amendment.decision_reason = reason
        amendment.save(update_fields=["status", "decided_by", "decided_at", "decision_reason"])
        record_event(
            "amendment.approved" if approve else "amendment.refused",
            actor=actor,
            target=amendment,
            extra={"project": amendment.project.proposal.code, "number": amendment.number,
                   "reason": reason},
        )  # fmt: skip
        notify_users(
            User.objects.filter(agency_id=amendment.project.agency_id, groups__name="submitter"),
            subject=(
                _("Amendment approved: %(amendment)s")
                if approve
                else _("Amendment refused: %(amendment)s")
            )
            % {"amendment": amendment},
            body=reason,
            link=amendment.get_absolute_url(),
        )
    return amendment


def _apply_amendment(amendment: Amendment) -> None:
    project = Project.objects.select_for_update().get(pk=amendment.project_id)
    baseline = {
        (line.fiscal_year, line.category): line
        for line in BaselineLine.objects.select_for_update().filter(project=project)
    }
    budget = {
        (line.fiscal_year, line.category): line
        for line in BudgetLine.objects.select_for_update().filter(proposal_id=project.proposal_id)
    }
    lines = list(amendment.lines.all())
    for line in lines:
        cell = (line.fiscal_year, line.category)
        now = baseline[cell].approved_amount if cell in baseline else Decimal("0.00")
        if now != line.before:
            raise ExecutionError(
                _("The baseline changed since the request (%(cell)s); ask the agency again.")
                % {"cell": _cell_label(cell)}
            )
        if cell not in budget or line.after > budget[cell].amount:
            raise ExecutionError(_("This cell is not one of the project's budget lines."))
    new = {cell: row.approved_amount for cell, row in baseline.items()}
    new.update({(line.fiscal_year, line.category): line.after for line in lines})
    if sum(new.values(), Decimal("0.00")) > project.approved_amount:
        raise ExecutionError(_("The new total exceeds what the committee approved."))
    for line in lines:
        cell = (line.fiscal_year, line.category)
        if cell in baseline:
            baseline[cell].approved_amount = line.after
            baseline[cell].save(update_fields=["approved_amount"])
        else:
            BaselineLine.objects.create(
                project=project, fiscal_year=cell[0], category=cell[1], approved_amount=line.after
            )
        budget[cell].approved_amount = line.after
        budget[cell].save(update_fields=["approved_amount"])
    delta = sum((line.after - line.before for line in lines), Decimal("0.00"))
    proposal = Proposal.objects.select_for_update().get(pk=project.proposal_id)
    if delta and proposal.approved_amount is not None:
        proposal.approved_amount += delta
        proposal.save(update_fields=["approved_amount"])
    _apply_kpi_lines(amendment, project)


def _apply_kpi_lines(amendment: Amendment, project: Project) -> None:
    """Write an approved amendment's KPI rows to the proposal's KPIs: a changed KPI must still
    be as the row found it; a new KPI goes last, with a row in the project's reports that the
    agency is still writing (a draft or a returned one)."""
    kpis = {
        kpi.pk: kpi
        for kpi in KPI.objects.select_for_update().filter(proposal_id=project.proposal_id)
    }
    order = max((kpi.order for kpi in kpis.values()), default=0)
    for line in amendment.kpi_lines.order_by("id"):
        if line.is_new:
            order += 1
            added = KPI.objects.create(
                proposal_id=project.proposal_id, order=order, indicator=line.indicator,
                unit=line.unit, target=line.target,
            )  # fmt: skip
            KPIActual.objects.bulk_create(
                KPIActual(report=report, kpi=added)
                for report in project.reports.filter(status__in=EDITABLE_REPORTS)
            )
            line.kpi = added
            line.save(update_fields=["kpi"])
            continue
        kpi = kpis.get(line.kpi_id or 0)
        if kpi is None or (kpi.indicator, kpi.unit, kpi.target) != (
            line.indicator_before, line.unit_before, line.target_before,
        ):  # fmt: skip
            raise ExecutionError(
                _("The KPI changed since the request (%(kpi)s); ask the agency again.")
                % {"kpi": line.indicator_before}
            )
        kpi.indicator, kpi.unit, kpi.target = line.indicator, line.unit, line.target
        kpi.save(update_fields=["indicator", "unit", "target"])
