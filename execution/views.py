"""The pages of projects under way. Thin: selectors read, services write."""

import datetime

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseNotAllowed,
    JsonResponse,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from committee.permissions import may_run_meetings
from committee.selectors import list_open_meetings, open_meetings
from committee.services import CommitteeError, add_information_item
from core.exports import CSV_CONTENT_TYPE, XLSX_CONTENT_TYPE, download_response
from core.pdf import PDFUnavailable
from core.text import notify_stripped
from proposals.attachments import CONTENT_TYPES
from proposals.models import PlanRound

from .agenda import progress_item_text
from .amendment_selectors import baseline_rows, list_project_amendments
from .charts import cumulative_chart_svg
from .exports import build_progress_csv, build_progress_json, build_progress_xlsx
from .forms import NewReportForm, ReportForm, ReviewForm
from .models import KPIEvidence, Project, QuarterlyReport
from .pdf import build_progress_pdf, progress_document
from .permissions import (
    can_create_report,
    can_list_projects,
    can_request_amendment,
    can_review_reports,
    can_take,
    can_view_progress,
)
from .selectors import (
    QUARTERS,
    diff_snapshots,
    get_progress,
    get_project_for,
    get_report_for,
    list_project_reports,
    list_projects_for,
    list_reports_to_review,
    list_unsent_quarters,
    list_years_under_way,
    quarters_to_report,
    report_due_date,
    report_due_days,
)
from .services import (
    ExecutionError,
    add_kpi_evidence,
    create_report,
    record_evidence_download,
    record_progress_download,
    remove_kpi_evidence,
    review_report,
    save_report,
    submit_report,
)
from .workflow import Action

PER_PAGE = 100
OVERDUE_SHOWN = 200  # the oldest first; the count says how many there are in all


def _project_or_404(request: HttpRequest, pk: int) -> Project:
    project = get_project_for(request.user, pk)
    if project is None:
        raise Http404
    return project


def _report_or_404(request: HttpRequest, pk: int) -> QuarterlyReport:
    report = get_report_for(request.user, pk)
    if report is None:
        raise Http404
    return report


def project_list(request: HttpRequest) -> HttpResponse:
    if not can_list_projects(request.user):
        raise PermissionDenied
    projects = list_projects_for(request.user).annotate(report_count=Count("reports"))
    page = Paginator(projects, PER_PAGE).get_page(request.GET.get("page"))
    readers = can_view_progress(request.user)
    return render(
        request,
        "execution/project_list.html",
        {
            "page": page,
            "can_review": can_review_reports(request.user),
            "progress_years": list_years_under_way() if readers else [],
        },
    )


def project_detail(request: HttpRequest, pk: int) -> HttpResponse:
    project = _project_or_404(request, pk)
    due_days = report_due_days(project.round)
    reports = list_project_reports(project, request.user)
    for report in reports:
        report.due = report_due_date(report.fiscal_year, report.quarter, due_days)
    can_report = bool(can_create_report(request.user, project))
    to_report = [
        (year, quarter, report_due_date(year, quarter, due_days))
        for year, quarter in (
            quarters_to_report(project, timezone.localdate()) if can_report else []
        )
    ]
    amendments = list_project_amendments(project)
    return render(
        request,
        "execution/project_detail.html",
        {
            "project": project,
            "baseline": baseline_rows(project, amendments),
            "amendments": amendments,
            "can_amend": can_report and bool(can_request_amendment(request.user, project)),
            "reports": reports,
            "to_report": to_report,
            "kpis": project.proposal.kpis.order_by("order", "id"),
        },
    )


@require_POST
def report_create(request: HttpRequest, pk: int) -> HttpResponse:
    project = _project_or_404(request, pk)
    if not can_create_report(request.user, project):
        raise PermissionDenied
    form = NewReportForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a quarter to report on."))
        return redirect(project)
    try:
        report = create_report(
            project=project, fiscal_year=form.cleaned_data["fiscal_year"],
            quarter=form.cleaned_data["quarter"], actor=request.user,
        )  # fmt: skip
    except ExecutionError as error:
        messages.error(request, str(error))
        return redirect(project)
    return redirect("execution:report_edit", pk=report.pk)


def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    report = _report_or_404(request, pk)
    versions = list(report.versions.select_related("created_by").order_by("number"))
    for before, after in zip(versions, versions[1:], strict=False):
        after.changes = diff_snapshots(before.snapshot, after.snapshot)
    return render(
        request,
        "execution/report_detail.html",
        {
            "report": report,
            "project": report.project,
            "lines": report.lines.order_by("category"),
            "kpis": report.kpi_actuals.select_related("kpi")
            .prefetch_related("evidence")
            .order_by("kpi__order", "kpi_id"),
            "versions": versions,
            "can_edit": bool(can_take(request.user, report, Action.EDIT)),
            "review_form": ReviewForm() if can_take(request.user, report, Action.ACCEPT) else None,
        },
    )


def report_edit(request: HttpRequest, pk: int) -> HttpResponse:
    report = _report_or_404(request, pk)
    decision = can_take(request.user, report, Action.EDIT)
    if not decision:
        if request.method == "POST":
            raise PermissionDenied
        messages.info(request, decision.reason)
        return redirect(report)
    form = ReportForm(request.POST or None, request.FILES or None, report=report)
    if request.method == "POST" and form.is_valid():
        notify_stripped(request, form.stripped_fields)
        try:
            save_report(report=report, actor=request.user, **form.service_arguments())
            _save_evidence(request, report, form)
            if "submit" in request.POST:
                submit_report(report=report, actor=request.user)
                messages.success(request, _("The report was sent to DGA."))
                return redirect(report)
        except ExecutionError as error:
            form.add_error(error.field if error.field in form.fields else None, str(error))
        else:
            messages.success(request, _("The report was saved."))
            return redirect("execution:report_edit", pk=report.pk)
    return render(
        request, "execution/report_form.html", {"report": report, "project": report.project,
                                                "form": form}
    )  # fmt: skip


def _save_evidence(request: HttpRequest, report: QuarterlyReport, form: ReportForm) -> None:
    for evidence_id in form.evidence_to_remove():
        remove_kpi_evidence(report=report, evidence_id=evidence_id, actor=request.user)
    for kpi_id, upload in form.evidence_uploads().items():
        add_kpi_evidence(report=report, kpi_id=kpi_id, actor=request.user, upload=upload)


def evidence_download(request: HttpRequest, pk: int, evidence_pk: int) -> FileResponse:
    """A document of evidence, only to those who may see its report, always as a download."""
    report = _report_or_404(request, pk)
    evidence = (
        KPIEvidence.objects.select_related("actual__report")
        .filter(pk=evidence_pk, actual__report=report)
        .first()
    )
    if evidence is None:
        raise Http404
    try:
        handle = evidence.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    record_evidence_download(evidence=evidence, actor=request.user)
    response = FileResponse(
        handle, as_attachment=True, filename=evidence.original_name,
        content_type=CONTENT_TYPES[evidence.kind],
    )  # fmt: skip
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@require_POST
def report_review(request: HttpRequest, pk: int) -> HttpResponse:
    report = _report_or_404(request, pk)
    if not can_take(request.user, report, Action.ACCEPT):
        raise PermissionDenied
    form = ReviewForm(request.POST)
    if form.is_valid():
        notify_stripped(request, form.stripped_fields)
        try:
            review_report(
                report=report, actor=request.user,
                accept=form.cleaned_data["decision"] == "accept",
                comment=form.cleaned_data["comment"],
            )  # fmt: skip
        except ExecutionError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("Your review was recorded."))
            return redirect(report)
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    return redirect(report)


def review_list(request: HttpRequest) -> HttpResponse:
    if not can_review_reports(request.user):
        raise PermissionDenied
    page = Paginator(list_reports_to_review(), PER_PAGE).get_page(request.GET.get("page"))
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    overdue = list_unsent_quarters(due_by=yesterday)
    return render(
        request,
        "execution/review_list.html",
        {"page": page, "overdue": overdue[:OVERDUE_SHOWN], "overdue_count": len(overdue)},
    )


# --- the progress dashboard and its files ---------------------------------------------------


def _progress_round(request: HttpRequest, year: int) -> PlanRound:
    if not can_view_progress(request.user):
        raise PermissionDenied
    return get_object_or_404(PlanRound, fiscal_year=year)


def progress_dashboard(request: HttpRequest, year: int) -> HttpResponse:
    plan_round = _progress_round(request, year)
    progress = get_progress(plan_round)
    meetings = list_open_meetings() if may_run_meetings(request.user) else []
    return render(
        request,
        "execution/progress.html",
        {
            "plan_round": plan_round, "progress": progress, "quarters": QUARTERS,
            "agenda_meetings": meetings, "chart": cumulative_chart_svg(progress),
        },
    )  # fmt: skip


def progress_to_agenda(request: HttpRequest, year: int) -> HttpResponse:
    """The secretary puts the progress report, figures frozen now, on a meeting's agenda as an
    item for information (the committee's service writes it). POST only, after the role check."""
    plan_round = _progress_round(request, year)
    if not may_run_meetings(request.user):
        raise PermissionDenied
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    meeting_pk = request.POST.get("meeting", "")
    meeting = open_meetings().filter(pk=int(meeting_pk)).first() if meeting_pk.isdigit() else None
    if meeting is None:
        messages.error(request, _("Choose a meeting that is not closed."))
        return redirect("progress:dashboard", year=year)
    title, body = progress_item_text(plan_round, get_progress(plan_round))
    link = reverse("progress:dashboard", args=[year])
    try:
        add_information_item(meeting=meeting, actor=request.user, title=title, body=body, link=link)
    except CommitteeError as error:
        messages.error(request, str(error))
        return redirect("progress:dashboard", year=year)
    messages.success(
        request,
        _("The progress report is on the agenda of meeting %(number)s, for information.")
        % {"number": meeting.number_label},
    )
    return redirect("committee:agenda", pk=meeting.pk)


def progress_csv(request: HttpRequest, year: int) -> HttpResponse:
    plan_round = _progress_round(request, year)
    progress = get_progress(plan_round)
    record_progress_download(plan_round=plan_round, actor=request.user, file_format="csv")
    return download_response(
        build_progress_csv(progress), filename=f"progress-{year}.csv",
        content_type=CSV_CONTENT_TYPE,
    )  # fmt: skip


def progress_xlsx(request: HttpRequest, year: int) -> HttpResponse:
    plan_round = _progress_round(request, year)
    progress = get_progress(plan_round)
    record_progress_download(plan_round=plan_round, actor=request.user, file_format="xlsx")
    return download_response(
        build_progress_xlsx(progress), filename=f"progress-{year}.xlsx",
        content_type=XLSX_CONTENT_TYPE,
    )  # fmt: skip


def progress_json(request: HttpRequest, year: int) -> HttpResponse:
    plan_round = _progress_round(request, year)
    progress = get_progress(plan_round)
    record_progress_download(plan_round=plan_round, actor=request.user, file_format="json")
    return JsonResponse(build_progress_json(progress), json_dumps_params={"ensure_ascii": False})


def progress_pdf(request: HttpRequest, year: int) -> HttpResponse:
    plan_round = _progress_round(request, year)
    progress = get_progress(plan_round)
    try:
        content = build_progress_pdf(progress_document(plan_round, progress))
    except PDFUnavailable:
        return render(request, "plans/pdf_unavailable.html", {"round": plan_round}, status=503)
    record_progress_download(plan_round=plan_round, actor=request.user, file_format="pdf")
    return download_response(
        content, filename=f"progress-{year}.pdf", content_type="application/pdf"
    )
