"""The screening pages. Thin: read the input, call a selector or a service, show the result."""

import hashlib
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, QueryDict
from django.shortcuts import redirect, render
from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from core.charts import bar_chart_svg
from core.errors import DomainError
from core.exports import CSV_CONTENT_TYPE, XLSX_CONTENT_TYPE, download_response
from core.formatting import format_baht, format_million_baht
from core.text import notify_stripped
from directory.permissions import role_required
from proposals import duplicates, imports
from proposals.models import STATUS_LABELS, Proposal
from proposals.selectors import get_proposal_display, get_proposal_for
from proposals.services import ProposalError
from proposals.workflow import FINAL, Status

from . import exports, selectors, services
from .filters import ProposalFilter
from .forms import (
    AssignForm,
    BulkAssignForm,
    ReconcileForm,
    ReopenForm,
    RoundImportForm,
    ScoreForm,
    ScreeningForm,
)
from .permissions import (
    READERS,
    ROUND_IMPORTERS,
    WRITERS,
    can_assign_proposals,
    can_reconcile_scores,
    can_reopen_proposal,
    can_score_as_second,
    can_screen_proposal,
)

PAGE_SIZES = (25, 50, 100, 200)
DEFAULT_PAGE_SIZE = 50
FULL_PROPOSAL_TEMPLATE = "proposals/_proposal_full.html"
FALLBACK_PROPOSAL_TEMPLATE = "screening/_proposal_main.html"

readers_only = role_required(*READERS)
writers_only = role_required(*WRITERS)


def _filter_data(params, rounds, notices=None):
    """The query string, with the newest round filled in when none (or an unknown one) is asked for.

    ``round=all`` shows every round.
    """
    data = params.copy()
    known = {str(r.fiscal_year) for r in rounds}
    raw = data.get("round")
    if raw == "all":
        data["round"] = ""
    elif raw not in known:
        if raw and notices is not None:
            notices.append(
                _("The round “%(value)s” is unknown; the newest round is shown.")
                % {"value": raw[:20]}
            )
        default = selectors.get_default_round(rounds)
        data["round"] = str(default.fiscal_year) if default else ""
    return data


def build_filterset(request, params=None, rounds=None, notices=None):
    """The inbox's FilterSet over ``params`` (the request's query string by default)."""
    rounds = selectors.list_rounds() if rounds is None else rounds
    params = request.GET if params is None else params
    return ProposalFilter(
        _filter_data(params, rounds, notices), queryset=selectors.inbox_queryset(), request=request
    )


def _page_size(request, notices):
    raw = request.GET.get("size", "")
    if not raw:
        return DEFAULT_PAGE_SIZE
    if raw.isdigit() and int(raw) in PAGE_SIZES:
        return int(raw)
    notices.append(_("The page size “%(value)s” was not understood; showing %(size)s per page.")
                   % {"value": raw[:20], "size": DEFAULT_PAGE_SIZE})  # fmt: skip
    return DEFAULT_PAGE_SIZE


SORTABLE = [
    ("code", _lazy("Reference")),
    ("agency", _lazy("Agency")),
    ("title", _lazy("Title")),
    ("stage", _lazy("Stage")),
    ("status", _lazy("Status")),
    ("requested", _lazy("Requested (baht)")),
    ("recommended", _lazy("Recommended (baht)")),
    ("score", _lazy("Score")),
]


def _sort_columns(request):
    """Header links: a click sorts by the column, a second click reverses it."""
    current = request.GET.get("sort", "")
    base = _query_without(request, "page", "sort")
    columns = {}
    for key, label in SORTABLE:
        state = "asc" if current == key else "desc" if current == f"-{key}" else ""
        target = f"-{key}" if state == "asc" else key
        query = f"{base}&sort={target}" if base else f"sort={target}"
        columns[key] = {"label": label, "url": f"?{query}", "state": state}
    return columns


def _query_without(request, *names):
    params = request.GET.copy()
    for name in names:
        params.pop(name, None)
    return params.urlencode()


@readers_only
def inbox(request):
    """Every proposal sent to DGA, filtered, sorted, totalled and paged (a fixed query count)."""
    rounds = selectors.list_rounds()
    notices = []
    filterset = build_filterset(request, rounds=rounds, notices=notices)
    queryset = filterset.qs
    notices += [
        _("The filter “%(label)s” was not understood and has been ignored.") % {"label": label}
        for label in filterset.ignored_fields()
    ]
    totals = selectors.get_totals(queryset)
    paginator = Paginator(
        selectors.with_scores(queryset.defer(*Proposal.LONG_TEXTS)), _page_size(request, notices)
    )
    paginator.count = totals.count  # known already: saves the COUNT query
    raw_page = request.GET.get("page", "1")
    if raw_page not in ("", "last") and not raw_page.isdigit():
        notices.append(
            _("The page number “%(value)s” was not understood.") % {"value": raw_page[:20]}
        )
    page = paginator.get_page(raw_page)
    user = request.user
    may_write = can_assign_proposals(user)
    selected_round = filterset.form.cleaned_data.get("round")
    # The "put on the agenda" control is the committee's ({% agenda_placement %} in the
    # template): screening's code does not read meetings.
    screeners = selectors.list_screeners() if may_write else []
    context = {
        "filterset": filterset,
        "form": filterset.form,
        "page": page,
        "proposals": page.object_list,
        "totals": totals,
        "notices": notices,
        "query": _query_without(request, "page"),
        "sort_query": _query_without(request, "page", "sort"),
        "export_query": _query_without(request, "page", "size"),
        "selected_round": selected_round,
        "mine": bool(filterset.form.cleaned_data.get("mine")),
        "may_write": may_write,
        "screeners": screeners,
        "sort": request.GET.get("sort", ""),
        "columns": _sort_columns(request),
        # fmt: skip
        "page_sizes": PAGE_SIZES,
    }
    return render(request, "screening/inbox.html", context)


@readers_only
def my_queue(request):
    """The signed-in screener's own queue: the inbox with ``mine=1``."""
    params = request.GET.copy()
    params["mine"] = "1"
    params.setdefault("status", Status.SUBMITTED)
    return redirect(f"{reverse('screening:inbox')}?{params.urlencode()}")


def _export(request, kind):
    filterset = build_filterset(request)
    queryset = selectors.with_scores(filterset.qs)
    totals = selectors.get_totals(queryset)
    if kind == "csv":
        content = exports.inbox_csv(queryset, totals)
        return download_response(
            content, filename=exports.export_filename("csv"), content_type=CSV_CONTENT_TYPE
        )
    content = exports.inbox_xlsx(queryset, totals, filterset)
    return download_response(
        content, filename=exports.export_filename("xlsx"), content_type=XLSX_CONTENT_TYPE
    )


@readers_only
def export_xlsx(request):
    return _export(request, "xlsx")


@readers_only
def export_csv(request):
    return _export(request, "csv")


def _proposal_template():
    try:
        get_template(FULL_PROPOSAL_TEMPLATE)
    except TemplateDoesNotExist:
        return FALLBACK_PROPOSAL_TEMPLATE
    return FULL_PROPOSAL_TEMPLATE


@readers_only
def detail(request, pk):
    """The whole proposal, its screening history, likely duplicates and the screening form."""
    proposal = get_proposal_for(request.user, pk)
    if proposal.is_unsent:  # even to someone who is also a submitter of its agency
        raise Http404
    criteria = [c for c in selectors.list_active_criteria(proposal.round) if not c.is_scored]
    panel = selectors.get_score_panel(proposal, request.user)
    may_screen = can_screen_proposal(request.user, proposal)
    form = None
    if request.method == "POST":
        form, response = _screen_from_form(request, proposal, criteria, panel.criteria)
        if response is not None:
            return response
        may_screen = True
    elif may_screen:
        form = ScreeningForm(
            initial={"lock_version": proposal.lock_version, "recommended_amount": ""},
            criteria=criteria,
            proposal=proposal,
            scored=panel.criteria,
        )
    threshold = _similarity_threshold(request)
    context = {
        "proposal": proposal,
        "proposal_template": _proposal_template(),
        "form": form,
        "may_screen": may_screen,
        "reviews": selectors.list_reviews(proposal),
        "similar": duplicates.find_similar(proposal, threshold=threshold),
        "threshold": threshold,
        "may_reopen": can_reopen_proposal(request.user, proposal),
        "reopen_form": ReopenForm(),
        "may_assign": can_assign_proposals(request.user),
        "assign_form": AssignForm(
            initial={"screener": proposal.assigned_screener_id},
            screeners=selectors.screener_queryset(),
        ),
        "display": get_proposal_display(proposal),
        **_score_context(request, proposal, panel),
    }
    return render(request, "screening/detail.html", context)


def _score_context(request, proposal, panel, *, score_form=None, reconcile_form=None):
    """The scores part of the page: what the viewer may see and the forms they may use."""
    user = request.user
    second_id = panel.second.screener_id if panel.second else None
    may_score = _may_score(user, proposal, panel)
    may_reconcile = panel.flagged and bool(can_reconcile_scores(user))
    if may_score and score_form is None:
        score_form = ScoreForm(scored=panel.criteria)
    if may_reconcile and reconcile_form is None:
        reconcile_form = ReconcileForm(scored=panel.criteria)
    return {
        "panel": panel,
        "is_second": second_id == user.pk,
        "score_form": score_form if may_score else None,
        "reconcile_form": reconcile_form if may_reconcile else None,
    }


def _may_score(user, proposal, panel) -> bool:
    """The viewer is the proposal's second screener and has not scored it yet."""
    second_id = panel.second.screener_id if panel.second else None
    return (
        bool(panel.criteria)
        and panel.own_sheet is None
        and bool(can_score_as_second(user, proposal, second_id))
    )


def _screen_from_form(request, proposal, criteria, scored):
    """Screen the proposal from the posted form: ``(form, redirect)`` once saved (or stale),
    ``(form, None)`` when the form, or the service's rules, refused the input."""
    if not can_screen_proposal(request.user):
        raise PermissionDenied
    form = ScreeningForm(request.POST, criteria=criteria, proposal=proposal, scored=scored)
    valid = form.is_valid()
    notify_stripped(request, form.stripped_fields)
    if not valid:
        return form, None
    data = form.cleaned_data
    try:
        services.screen_proposal(
            proposal_id=proposal.pk,
            actor=request.user,
            recommendation=data["recommendation"],
            reasons=data["reasons"],
            recommended_amount=data["recommended_amount"],
            amount_reason=data["amount_reason"],
            corrected_stage=data["corrected_stage"],
            assessments=form.assessments(),
            expected_version=data["lock_version"],
            scores=form.scores(),
        )
    except services.StaleProposalError as error:
        messages.error(request, str(error))
    except services.ScreeningError as error:
        form.add_service_error(error)
        return form, None
    except ProposalError as error:
        form.add_error(None, str(error))
        return form, None
    else:
        messages.success(
            request,
            _("Screening of %(code)s saved; the agency has been told.") % {"code": proposal.code},
        )
    return form, redirect("screening:detail", pk=proposal.pk)


def _similarity_threshold(request) -> float:
    """The duplicates' threshold asked for in the query string, within 0.2–1."""
    try:
        threshold = float(request.GET.get("threshold", duplicates.DEFAULT_THRESHOLD))
    except ValueError:
        threshold = duplicates.DEFAULT_THRESHOLD
    return min(max(threshold, 0.2), 1.0)


@writers_only
@require_POST
def reopen(request, pk):
    proposal = get_proposal_for(request.user, pk)
    form = ReopenForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give a reason for reopening the screening."))
        return redirect("screening:detail", pk=proposal.pk)
    notify_stripped(request, form.stripped_fields)
    try:
        services.reopen_proposal(
            proposal_id=proposal.pk, actor=request.user, reason=form.cleaned_data["reason"]
        )
    except ProposalError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request, _("%(code)s is open for screening again.") % {"code": proposal.code}
        )
    return redirect("screening:detail", pk=proposal.pk)


@writers_only
@require_POST
def assign(request, pk):
    proposal = get_proposal_for(request.user, pk)
    form = AssignForm(request.POST, screeners=selectors.screener_queryset())
    if not form.is_valid():
        messages.error(request, _("Choose a screener."))
        return redirect("screening:detail", pk=proposal.pk)
    screener = form.cleaned_data["screener"]
    try:
        result = services.assign_screener(
            proposal_ids=[proposal.pk],
            screener_id=screener.pk if screener else None,
            actor=request.user,
        )
    except ProposalError as error:
        messages.error(request, str(error))
    else:
        if result.skipped_decided:
            messages.error(request, _skipped_message(result.skipped_decided))
        else:
            messages.success(request, _("Assignment saved."))
    return redirect("screening:detail", pk=proposal.pk)


def back_to_inbox(form_or_query):
    query = form_or_query if isinstance(form_or_query, str) else ""
    return redirect(
        f"{reverse('screening:inbox')}?{query}" if query else reverse("screening:inbox")
    )


class BulkRefused(DomainError):
    """A bulk action on "all matching" cannot run as asked; the message says why."""


@dataclass(frozen=True)
class BulkTarget:
    """The proposals a bulk action on "all matching" will touch, and those it leaves alone."""

    ids: list[int]
    skipped: int

    @property
    def digest(self) -> str:
        """Names this exact set of rows: the confirmation echoes it back with the count."""
        return hashlib.sha256(",".join(map(str, self.ids)).encode()).hexdigest()[:16]


def _all_matching(request, query: str, *, eligible: Q) -> BulkTarget:
    """Re-read the inbox filter the form came from; refuse when any value in it is unreadable.

    The inbox page forgives a bad value (it shows a notice and ignores that filter); an action
    must not, or a typo widens it to every round and every status (issue 13, point 5).
    """
    notices: list[str] = []
    filterset = build_filterset(request, QueryDict(query), notices=notices)
    labels = filterset.ignored_fields()
    if notices:  # an unknown round: the page shows the newest instead, an action must not
        labels.insert(0, str(filterset.filters["round"].label))
    problems = [
        _("The filter “%(label)s” could not be read.") % {"label": label} for label in labels
    ]
    if problems:
        raise BulkRefused(
            " ".join([*problems, _("Nothing was changed: correct the filters and try again.")])
        )
    matching = filterset.qs.order_by()
    ids = sorted(matching.filter(eligible).values_list("pk", flat=True))
    return BulkTarget(ids=ids, skipped=matching.count() - len(ids))


def _is_confirmed(request, target: BulkTarget) -> bool:
    return (
        request.POST.get("confirm_count") == str(len(target.ids))
        and request.POST.get("confirm_digest") == target.digest
    )


def confirm_page(request, *, target, query, what, skipped_note, fields):
    """Ask before an action on every matching proposal; a stale confirmation is asked again."""
    stale = "confirm_count" in request.POST
    return render(
        request,
        "screening/bulk_confirm.html",
        {
            "target": target,
            "count": len(target.ids),
            "what": what,
            "skipped_note": skipped_note,
            "stale": stale,
            "confirmed_count": request.POST.get("confirm_count", "")[:12],
            "query": query,
            "fields": fields,
            "action_url": request.path,
        },
    )


def bulk_target(request, form, *, eligible: Q, confirm):
    """The ticked proposals, or every proposal matching the filter once the user has confirmed
    their number; ``confirm(target)`` renders the question.

    Returns ``(ids, skipped, None)`` when the action may run (``skipped``: the matching rows
    it leaves alone), ``(None, 0, response)`` otherwise.
    """
    query = form.cleaned_data.get("query") or ""
    if not form.cleaned_data.get("all_matching"):
        return form.cleaned_data.get("proposal") or [], 0, None
    try:
        target = _all_matching(request, query, eligible=eligible)
    except BulkRefused as error:
        messages.error(request, str(error))
        return None, 0, back_to_inbox(query)
    if not target.ids:
        messages.error(
            request,
            _("None of the proposals matching the filters can be changed this way; "
              "nothing was changed."),
        )  # fmt: skip
        return None, 0, back_to_inbox(query)
    if _is_confirmed(request, target):
        return target.ids, target.skipped, None
    return None, 0, confirm(target)


@writers_only
@require_POST
def bulk_assign(request):
    form = BulkAssignForm(request.POST, screeners=selectors.screener_queryset())
    if not form.is_valid():
        messages.error(request, _("Choose a screener."))
        return back_to_inbox(request.POST.get("query", ""))
    screener = form.cleaned_data["screener"]
    query = form.cleaned_data.get("query") or ""

    def confirm(target):
        count = len(target.ids)
        what = (
            _("Assign %(count)s proposals to %(screener)s.")
            % {"count": count, "screener": screener}
            if screener
            else _("Return %(count)s proposals to the shared pool (no screener).")
            % {"count": count}
        )
        return confirm_page(
            request, target=target, query=query, what=what,
            skipped_note=_("%(count)s decided proposals matching the filters keep their "
                           "screener.") % {"count": target.skipped},
            fields={"screener": screener.pk if screener else ""},
        )  # fmt: skip

    # Decided proposals keep the screener who did their work (the service skips them too).
    ids, skipped, response = bulk_target(
        request, form, eligible=~Q(status__in=FINAL), confirm=confirm
    )
    if response is not None:
        return response
    try:
        result = services.assign_screener(
            proposal_ids=ids,
            screener_id=screener.pk if screener else None,
            actor=request.user,
        )
    except ProposalError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("%(count)s proposals assigned.") % {"count": result.changed})
        if skipped + result.skipped_decided:
            messages.info(request, _skipped_message(skipped + result.skipped_decided))
    return back_to_inbox(query)


def _skipped_message(count):
    return _("%(count)s decided proposals were left with their screener.") % {"count": count}


@writers_only
@require_POST
def distribute(request):
    rounds = selectors.list_rounds()
    fiscal_year = request.POST.get("round", "")
    plan_round = next((r for r in rounds if str(r.fiscal_year) == fiscal_year), None)
    if plan_round is None:
        messages.error(request, _("Choose a round first."))
        return back_to_inbox(request.POST.get("query", ""))
    try:
        given = services.distribute_by_ministry(round_id=plan_round.pk, actor=request.user)
    except ProposalError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("%(count)s unassigned proposals spread over %(screeners)s screeners by ministry.")
            % {"count": sum(given.values()), "screeners": len(given)},
        )
    return back_to_inbox(request.POST.get("query", ""))


@readers_only
def compare(request, pk, other_pk):
    """Two proposals side by side, with their similarity score and what it is made of."""
    proposal = get_proposal_for(request.user, pk)
    other = get_proposal_for(request.user, other_pk)
    score = duplicates.compare(proposal, other)
    rows = [
        (_("Reference"), proposal.code, other.code),
        (_("Round (fiscal year)"), proposal.round.fiscal_year, other.round.fiscal_year),
        (_("Agency"), proposal.agency.name, other.agency.name),
        (_("Title"), proposal.title_th, other.title_th),
        (_("Value-chain stage"), proposal.stage or "—", other.stage or "—"),
        (_("Status"), proposal.get_status_display(), other.get_status_display()),
        (
            _("Requested (baht)"),
            format_baht(proposal.requested_amount),
            format_baht(other.requested_amount),
        ),
        (_("Summary"), proposal.summary, other.summary),
        (_("Objectives"), proposal.objectives, other.objectives),
        (_("Outputs"), proposal.outputs, other.outputs),
        (_("Target group"), proposal.target_group, other.target_group),
    ]
    return render(
        request,
        "screening/compare.html",
        {
            "proposal": proposal,
            "other": other,
            "score": score,
            "percent": round(score * 100),
            "rows": rows,
        },
    )


def _threshold(request, notices):
    raw = request.GET.get("threshold", "")
    if not raw:
        return duplicates.DEFAULT_THRESHOLD
    try:
        value = Decimal(raw)
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite() or not (Decimal("0.2") <= value <= 1):
        notices.append(_("The threshold must be a number between 0.2 and 1; the default is used."))
        return duplicates.DEFAULT_THRESHOLD
    return float(value)


def _chosen_round(request, rounds, notices):
    """The round named by ``?round=`` (a notice when it names none), else the default one."""
    fiscal_year = request.GET.get("round", "")
    plan_round = next((r for r in rounds if str(r.fiscal_year) == fiscal_year), None)
    if fiscal_year and plan_round is None:
        notices.append(
            _("The filter “%(label)s” was not understood and has been ignored.")
            % {"label": _("Round (fiscal year)")}
        )
    return plan_round or selectors.get_default_round(rounds)


@readers_only
def duplicate_clusters(request):
    """Groups of a round's proposals from different agencies that look like the same project."""
    rounds = selectors.list_rounds()
    notices = []
    plan_round = _chosen_round(request, rounds, notices)
    threshold = _threshold(request, notices)
    clusters = duplicates.find_clusters(plan_round, threshold=threshold) if plan_round else []
    return render(
        request,
        "screening/duplicates.html",
        {
            "rounds": rounds,
            "plan_round": plan_round,
            "clusters": clusters,
            "threshold": threshold,
            "threshold_percent": round(threshold * 100),
            "notices": notices,
        },
    )


@readers_only
def dashboard(request):
    """How far screening has come in a round: tables and server-rendered SVG charts."""
    rounds = selectors.list_rounds()
    notices = []
    plan_round = _chosen_round(request, rounds, notices)
    if plan_round is None:
        return render(request, "screening/dashboard.html", {"rounds": rounds, "notices": notices})
    board = selectors.get_dashboard(plan_round)
    charts = {
        "status": bar_chart_svg(
            [(row["label"], row["n"]) for row in board.by_status],
            title=_("Proposals by status"),
            value_label=lambda v: f"{int(v):,}",
        ),
        "stage": bar_chart_svg(
            [(group.label, group.requested) for group in board.by_stage],
            title=_("Requested by value-chain stage (million baht)"),
            value_label=format_million_baht,
        ),
        "ministry": bar_chart_svg(
            [(row["label"], row["requested"]) for row in board.by_ministry[:15]],
            title=_("Requested by ministry (million baht, the 15 largest)"),
            value_label=format_million_baht,
        ),
        "frame": bar_chart_svg(
            [
                (_("Budget frame"), board.budget_frame),
                (_("Requested"), board.requested),
                (_("Recommended"), board.recommended),
            ],
            title=_("Requests against the round's budget frame (million baht)"),
            value_label=format_million_baht,
        ),  # fmt: skip
        "screeners": bar_chart_svg(
            [(row["label"] or _("Not assigned"), row["screened"]) for row in board.by_screener],
            title=_("Proposals screened by each screener"),
            value_label=lambda v: f"{int(v):,}",
        ),
    }
    return render(
        request,
        "screening/dashboard.html",
        {
            "rounds": rounds,
            "plan_round": plan_round,
            "board": board,
            "charts": charts,
            "notices": notices,
            "inbox_round_query": urlencode({"round": plan_round.fiscal_year}),
            "agreement": selectors.get_agreement(plan_round),
            "overdue": selectors.list_overdue_assignments(plan_round, today=timezone.localdate()),
            "policy": services.get_policy(plan_round.pk),
            "may_write": can_assign_proposals(request.user),
        },  # fmt: skip
    )


@role_required(*ROUND_IMPORTERS)
def round_import(request):
    """A past round from its spreadsheets: upload, see what would be created (or every error
    with its sheet, row and column), confirm. The same as ``manage.py import_round``."""
    if request.method == "POST" and "confirm" in request.POST:
        return _confirm_round_import(request)
    if request.method == "POST" and "cancel" in request.POST:
        try:
            imports.discard_round_import(request.POST["cancel"], actor=request.user)
        except imports.RoundImportTokenError as error:
            messages.error(request, str(error))
        else:
            messages.info(request, _("Nothing was imported; the uploaded files were discarded."))
        return redirect("screening:round_import")
    rounds = selectors.list_rounds()
    form = RoundImportForm(request.POST or None, request.FILES or None, rounds=rounds)
    preview = token = None
    if request.method == "POST" and form.is_valid():
        preview, token = imports.preview_round_import(
            form.files_read(), fiscal_year=form.cleaned_data["fiscal_year"], actor=request.user
        )
        if not preview.ok:
            messages.error(request, _("Nothing was imported: correct the cells listed below."))
    context = {"form": form, "preview": preview, "token": token}
    if preview is not None and preview.ok:
        context["figures"] = imports.summary(preview)
        context["created"] = [
            (preview.rows[code], STATUS_LABELS.get(preview.rows[code].values["status"], ""))
            for code in preview.created
        ]
    return render(request, "screening/round_import.html", context)


def _confirm_round_import(request):
    try:
        result = imports.confirm_round_import(request.POST.get("confirm", ""), actor=request.user)
    except imports.RoundImportTokenError as error:
        messages.error(request, str(error))
        return redirect("screening:round_import")
    if not result.ok:
        for error in result.errors[:20]:
            messages.error(request, error)
        return redirect("screening:round_import")
    messages.success(
        request,
        _("%(count)s proposals created, %(existing)s already there.")
        % {"count": len(result.created), "existing": len(result.existing)},
    )
    return redirect(f"{reverse('screening:inbox')}?round={result.fiscal_year}")


def _render_detail_with(request, proposal, **forms):
    """The proposal's page again, with a refused score or reconciliation form and its errors."""
    panel = selectors.get_score_panel(proposal, request.user)
    criteria = [c for c in selectors.list_active_criteria(proposal.round) if not c.is_scored]
    may_screen = can_screen_proposal(request.user, proposal)
    context = {
        "proposal": proposal,
        "proposal_template": _proposal_template(),
        "form": ScreeningForm(
            initial={"lock_version": proposal.lock_version, "recommended_amount": ""},
            criteria=criteria, proposal=proposal, scored=panel.criteria,
        ) if may_screen else None,
        "may_screen": may_screen,
        "reviews": selectors.list_reviews(proposal),
        "similar": [],
        "threshold": duplicates.DEFAULT_THRESHOLD,
        "may_reopen": can_reopen_proposal(request.user, proposal),
        "reopen_form": ReopenForm(),
        "may_assign": False,
        "display": get_proposal_display(proposal),
        **_score_context(request, proposal, panel, **forms),
    }  # fmt: skip
    return render(request, "screening/detail.html", context, status=400)


@writers_only
@require_POST
def submit_scores(request, pk):
    """The second screener's scores of the proposal."""
    proposal = get_proposal_for(request.user, pk)
    if proposal.is_unsent:
        raise Http404
    panel = selectors.get_score_panel(proposal, request.user)
    form = ScoreForm(request.POST, scored=panel.criteria)
    valid = form.is_valid()
    notify_stripped(request, form.stripped_fields)
    if valid:
        try:
            services.submit_scores(
                proposal_id=proposal.pk, actor=request.user, scores=form.scores()
            )
        except ProposalError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request, _("Your scores of %(code)s are saved.") % {"code": proposal.code}
            )
            return redirect("screening:detail", pk=proposal.pk)
    if not _may_score(request.user, proposal, panel):
        # Not (or no longer) the one to score it: say why on the page, keep nothing.
        messages.error(
            request,
            " ".join(form.non_field_errors()) or _("You are not this proposal's second screener."),
        )
        return redirect("screening:detail", pk=proposal.pk)
    return _render_detail_with(request, proposal, score_form=form)


@writers_only
@require_POST
def reconcile(request, pk):
    """The agreed scores of a proposal whose two screeners disagreed."""
    proposal = get_proposal_for(request.user, pk)
    if proposal.is_unsent:
        raise Http404
    panel = selectors.get_score_panel(proposal, request.user)
    form = ReconcileForm(request.POST, scored=panel.criteria)
    valid = form.is_valid()
    notify_stripped(request, form.stripped_fields)
    if valid:
        try:
            services.reconcile_scores(
                proposal_id=proposal.pk,
                actor=request.user,
                scores=form.scores(),
                reason=form.cleaned_data["reason"],
            )
        except ProposalError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request, _("The agreed scores of %(code)s are saved.") % {"code": proposal.code}
            )
            return redirect("screening:detail", pk=proposal.pk)
    if not panel.flagged or not can_reconcile_scores(request.user):
        messages.error(
            request,
            " ".join(form.non_field_errors())
            or _("Only scores flagged as disagreeing are reconciled."),
        )
        return redirect("screening:detail", pk=proposal.pk)
    return _render_detail_with(request, proposal, reconcile_form=form)


@writers_only
@require_POST
def second_screening(request):
    """Give a second screener to the round's sample and its largest requests."""
    rounds = selectors.list_rounds()
    fiscal_year = request.POST.get("round", "")
    plan_round = next((r for r in rounds if str(r.fiscal_year) == fiscal_year), None)
    target = reverse("screening:dashboard")
    if plan_round is None:
        messages.error(request, _("Choose a round first."))
        return redirect(target)
    try:
        given = services.select_second_screening(round_id=plan_round.pk, actor=request.user)
    except ProposalError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("%(count)s proposals given a second screener.") % {"count": sum(given.values())},
        )
    return redirect(f"{target}?{urlencode({'round': plan_round.fiscal_year})}")
