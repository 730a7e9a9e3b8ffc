"""The plan pages and downloads. Thin: selectors read, services write, exports render."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Sum
from django.http import FileResponse, Http404, HttpResponse, HttpResponseNotModified, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.exports import CSV_CONTENT_TYPE, XLSX_CONTENT_TYPE, download_response
from core.pdf import PDFUnavailable
from core.text import notify_stripped
from directory.permissions import role_required
from proposals.models import PlanRound, Proposal
from proposals.selectors import get_budget_grid

from .charts import plan_charts
from .datapackage import build_datapackage_zip, datapackage_etag
from .exports.csv import build_plan_csv
from .exports.document import plan_document
from .exports.json import build_plan_json
from .exports.pdf import build_plan_pdf
from .exports.xlsx import build_plan_xlsx
from .filters import PlanProjectFilter
from .forms import CompareForm, PublishForm
from .models import PlanExport, PlanVersion
from .permissions import PLAN_PUBLISHERS, PLAN_READERS, can_publish_plan
from .selectors import (
    ZERO,
    compare_plan_versions,
    exports_in_background,
    get_agency_breakdown,
    get_plan_project,
    list_plan_projects,
    list_plan_versions,
)
from .services import (
    PlanError,
    file_checksum,
    kept_plan_export,
    plan_file_made_once,
    plan_summary_for_page,
    publish_plan,
    record_plan_download,
    request_plan_export,
)

PLAN_ROLES = PLAN_READERS  # kept for code that imported the old name
PROJECTS_PER_PAGE = 100
# A real round has about a hundred agencies: their table is on the plan page. Beyond this many
# it has a page of its own, so that the plan page does not grow with the directory.
AGENCY_ROWS_ON_PLAN_PAGE = 150

DOWNLOADS = {
    "xlsx": (build_plan_xlsx, XLSX_CONTENT_TYPE),
    "pdf": (build_plan_pdf, "application/pdf"),
    "csv": (build_plan_csv, CSV_CONTENT_TYPE),
    "json": (build_plan_json, "application/json; charset=utf-8"),
}


@role_required(*PLAN_READERS)
def plan_index(request):
    rounds = list(PlanRound.objects.order_by("-fiscal_year"))
    latest = {}
    for version in PlanVersion.objects.defer("snapshot").order_by("round_id", "number"):
        latest[version.round_id] = version
    for plan_round in rounds:
        plan_round.latest_version = latest.get(plan_round.pk)
    return render(request, "plans/plan_index.html", {"rounds": rounds})


@role_required(*PLAN_READERS)
def plan_detail(request, year):
    plan_round = get_object_or_404(PlanRound, fiscal_year=year)
    kept = plan_summary_for_page(plan_round, agency_rows_up_to=AGENCY_ROWS_ON_PLAN_PAGE)
    summary = kept.summary
    projects = PlanProjectFilter(request.GET or None, queryset=list_plan_projects(plan_round))
    page, subtotal = _page_of_projects(request, projects, kept)
    for project in page.object_list:
        last_year = plan_round.fiscal_year + project.duration_years - 1
        project.years_label = (
            str(plan_round.fiscal_year)
            if last_year == plan_round.fiscal_year
            else f"{plan_round.fiscal_year}–{last_year}"
        )
    query = request.GET.copy()
    query.pop("page", None)
    versions = list(list_plan_versions(plan_round))
    return render(
        request,
        "plans/plan_detail.html",
        {
            "summary": summary,
            "charts": plan_charts(summary),
            "filter": projects,
            "page": page,
            "subtotal": subtotal,
            "filtered": projects.is_bound,
            "query": query.urlencode(),
            "versions": versions,
            "latest_version": versions[0] if versions else None,
            "background_exports": bool(versions) and exports_in_background(versions[0]),
            "can_publish": can_publish_plan(request.user),
            "publish_form": PublishForm(),
        },
    )


def _page_of_projects(request, projects, kept):
    """The page of projects to show and the subtotal of all the projects the filter keeps.

    Unfiltered (every approved project), both come from the kept summary: its figures, and the
    projects' ids in plan order, so that a page reads its hundred rows by id instead of sorting
    the round; filtered, from the database.
    """
    values = (
        projects.form.cleaned_data.values() if projects.is_bound and projects.is_valid() else []
    )
    if any(value not in (None, "", [], ()) for value in values):
        filtered = projects.qs
        subtotal = filtered.order_by().aggregate(
            count=Count("id"),
            requested=Sum("requested_amount", default=ZERO),
            approved=Sum("approved_amount", default=ZERO),
        )
        paginator = Paginator(filtered.defer(*Proposal.LONG_TEXTS), PROJECTS_PER_PAGE)
        paginator.count = subtotal["count"]  # type: ignore[misc]  # known: no COUNT query
        return paginator.get_page(request.GET.get("page")), subtotal
    totals = kept.summary.totals
    subtotal = {"count": totals.approved_projects, "requested": kept.approved_requested,
                "approved": totals.approved}  # fmt: skip
    page = Paginator(kept.plan_order, PROJECTS_PER_PAGE).get_page(request.GET.get("page"))
    rows = projects.queryset.defer(*Proposal.LONG_TEXTS).filter(pk__in=page.object_list)
    by_id = {project.pk: project for project in rows}
    page.object_list = [by_id[pk] for pk in page.object_list if pk in by_id]
    return page, subtotal


@role_required(*PLAN_READERS)
def plan_project(request, year, code):
    """An approved project as the plan's readers see it: what was asked, recommended and
    approved, and the project's content; not the agency's files or drafts."""
    plan_round = get_object_or_404(PlanRound, fiscal_year=year)
    project = get_plan_project(plan_round, code)
    display = {"kpis": list(project.kpis.all()), "grid": get_budget_grid(project)}
    return render(
        request,
        "plans/plan_project.html",
        {"plan_round": plan_round, "proposal": project, "display": display},
    )


@role_required(*PLAN_READERS)
def plan_agencies(request, year):
    """Every agency's figures in the round (linked from the plan page when they are many)."""
    plan_round = get_object_or_404(PlanRound, fiscal_year=year)
    rows, totals = get_agency_breakdown(plan_round)
    return render(
        request,
        "plans/plan_agencies.html",
        {"plan_round": plan_round, "rows": rows, "totals": totals},
    )


@require_POST
@role_required(*PLAN_PUBLISHERS)
def plan_publish(request, year):
    plan_round = get_object_or_404(PlanRound, fiscal_year=year)
    form = PublishForm(request.POST)
    if not form.is_valid():
        # The form's own message: too long, or a character that cannot be stored (NUL).
        messages.error(request, " ".join(form.errors["note"]))
        return redirect(plan_round.get_absolute_url())
    notify_stripped(request, form.stripped_fields)
    try:
        version = publish_plan(
            plan_round=plan_round, actor=request.user, note=form.cleaned_data["note"]
        )
    except PlanError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("Version %(number)s of the plan is published.") % {"number": version.number},
        )
    return redirect(f"{plan_round.get_absolute_url()}#versions")


def _requested_version(request, plan_round):
    """The version named by ``?version=N``, or the latest; None when nothing is published.

    Its snapshot (megabytes for a large plan) is read only when a file is written here.
    """
    versions = PlanVersion.objects.filter(round=plan_round).defer("snapshot")
    raw = request.GET.get("version")
    if raw is None:
        return versions.order_by("-number").first()
    try:
        number = int(raw)
    except ValueError:
        raise Http404("bad version number") from None
    version = versions.filter(number=number).first()
    if version is None:
        raise Http404("no such version")
    return version


@role_required(*PLAN_READERS)
def plan_download(request, year, file_format):
    if file_format not in DOWNLOADS:
        raise Http404("unknown format")
    plan_round = get_object_or_404(PlanRound, fiscal_year=year)
    version = _requested_version(request, plan_round)
    if version is None:
        return render(request, "plans/not_published.html", {"round": plan_round}, status=404)
    in_files = file_format in PlanExport.Format.values  # XLSX and PDF: made once, then kept
    if in_files and exports_in_background(version):
        return _background_download(request, version, file_format)
    build, content_type = DOWNLOADS[file_format]
    if in_files and (kept := _kept(version, file_format)) is not None:
        return _export_file_response(request, kept, stream=False)  # made at publication
    try:
        if in_files:
            content = plan_file_made_once(
                version=version, file_format=file_format, language=get_language(),
                actor=request.user,
            )  # fmt: skip
        else:
            content = build(plan_document(version))
    except PDFUnavailable:
        return render(request, "plans/pdf_unavailable.html", {"round": plan_round}, status=503)
    record_plan_download(version=version, actor=request.user, file_format=file_format)
    response = download_response(
        content,
        filename=f"plan-{plan_round.fiscal_year}-v{version.number}.{file_format}",
        content_type=content_type,
    )
    if in_files:
        response["ETag"] = f'"{file_checksum(content)}"'
    return response


def _kept(version, file_format):
    return kept_plan_export(version=version, file_format=file_format, language=get_language())


@role_required(*PLAN_READERS)
def plan_datapackage(request, year):
    """The version as a Fiscal Data Package (plans/OPEN_DATA.md): the same bytes for ever, so
    that a matching ``If-None-Match`` is answered 304 without building it again."""
    plan_round = get_object_or_404(PlanRound, fiscal_year=year)
    version = _requested_version(request, plan_round)
    if version is None:
        return render(request, "plans/not_published.html", {"round": plan_round}, status=404)
    etag = datapackage_etag(version)
    if etag in request.headers.get("If-None-Match", ""):
        response = HttpResponse(status=304)
    else:
        content = build_datapackage_zip(version)
        record_plan_download(version=version, actor=request.user, file_format="datapackage")
        response = download_response(
            content,
            filename=f"plan-{plan_round.fiscal_year}-v{version.number}-datapackage.zip",
            content_type="application/zip",
        )
    response["ETag"] = etag
    response["Cache-Control"] = "private"
    return response


def _background_download(request, version, file_format):
    """A large plan's XLSX or PDF: the kept file when it is ready, else its status page."""
    try:
        export = request_plan_export(
            version=version, file_format=file_format, actor=request.user, language=get_language()
        )
    except PlanError as error:
        messages.error(request, str(error))
        return redirect(version.round.get_absolute_url())
    if export.status == PlanExport.State.DONE:
        return _export_file_response(request, export)
    return redirect(export)


def _export_file_response(request, export, *, stream=True):
    """A kept file, with its checksum as ETag: a reader who has it gets 304 (not audited).

    A small plan's file is sent from memory; a large one is streamed from the storage.
    """
    etag = f'"{export.sha256}"' if export.sha256 else None
    if etag and etag in request.headers.get("If-None-Match", ""):
        not_modified = HttpResponseNotModified()
        not_modified["ETag"] = etag
        return not_modified
    record_plan_download(version=export.version, actor=request.user, file_format=export.file_format)
    if not stream:
        with export.file.open("rb") as stored:
            response = download_response(
                stored.read(), filename=export.filename,
                content_type=DOWNLOADS[export.file_format][1],
            )  # fmt: skip
        if etag:
            response["ETag"] = etag
        return response
    response = FileResponse(
        export.file.open("rb"),
        as_attachment=True,
        filename=export.filename,
        content_type=DOWNLOADS[export.file_format][1],
    )
    response["X-Content-Type-Options"] = "nosniff"
    if etag:
        response["ETag"] = etag
    return response


def _get_export(year, pk):
    return get_object_or_404(
        PlanExport.objects.select_related("version__round", "requested_by").defer(
            "version__snapshot"
        ),
        pk=pk,
        version__round__fiscal_year=year,
    )


def _export_state(export):
    return {
        "status": export.status,
        "status_label": export.get_status_display(),
        "progress": export.progress,
        "finished": export.is_finished,
        "download_url": (
            reverse("plans:export_download", args=[export.version.round.fiscal_year, export.pk])
            if export.status == PlanExport.State.DONE
            else None
        ),
    }


@role_required(*PLAN_READERS)
def export_status(request, year, pk):
    export = _get_export(year, pk)
    return render(
        request,
        "plans/export_status.html",
        {
            "export": export,
            "round": export.version.round,
            "state": _export_state(export),
            "retry_url": _retry_url(export),
        },
    )


@role_required(*PLAN_READERS)
def export_progress(request, year, pk):
    response = JsonResponse(_export_state(_get_export(year, pk)))
    response["Cache-Control"] = "no-store"
    return response


@role_required(*PLAN_READERS)
def export_download(request, year, pk):
    export = _get_export(year, pk)
    if export.status != PlanExport.State.DONE or not export.file:
        return redirect(export)
    if not export.file_is_stored:
        # Asking for the plan again notices the lost file and makes it anew.
        return redirect(_retry_url(export))
    return _export_file_response(request, export)


def _retry_url(export):
    year = export.version.round.fiscal_year
    return (
        reverse(f"plans:download_{export.file_format}", args=[year])
        + f"?version={export.version.number}"
    )


@role_required(*PLAN_READERS)
def plan_compare(request, year):
    plan_round = get_object_or_404(PlanRound, fiscal_year=year)
    numbers = list(
        PlanVersion.objects.filter(round=plan_round)
        .order_by("-number")
        .values_list("number", flat=True)
    )
    comparison = None
    if len(numbers) >= 2:
        data = request.GET if "a" in request.GET or "b" in request.GET else {
            "a": numbers[1], "b": numbers[0],
        }  # fmt: skip
        form = CompareForm(data, numbers=numbers)
        if form.is_valid():
            first, second = sorted([form.cleaned_data["a"], form.cleaned_data["b"]])
            versions = {
                v.number: v
                for v in PlanVersion.objects.filter(round=plan_round, number__in=[first, second])
            }
            comparison = compare_plan_versions(versions[first], versions[second])
    else:
        form = None
    return render(
        request,
        "plans/plan_compare.html",
        {"round": plan_round, "form": form, "comparison": comparison, "numbers": numbers},
    )
