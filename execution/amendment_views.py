"""The amendment pages: the agency's request, DGA's list and decision. Thin, as views.py."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.text import notify_stripped

from .amendment_selectors import amendment_cells, get_amendment_for, list_amendments_to_decide
from .forms import AmendmentDecisionForm, AmendmentForm
from .models import Amendment
from .permissions import can_decide_amendment, can_decide_amendments, can_request_amendment
from .services import ExecutionError, decide_amendment, request_amendment
from .views import PER_PAGE, _project_or_404


def _amendment_or_404(request: HttpRequest, pk: int) -> Amendment:
    amendment = get_amendment_for(request.user, pk)
    if amendment is None:
        raise Http404
    return amendment


def amendment_create(request: HttpRequest, pk: int) -> HttpResponse:
    project = _project_or_404(request, pk)
    if not can_request_amendment(request.user, project):
        raise PermissionDenied
    form = AmendmentForm(
        request.POST or None,
        cells=amendment_cells(project),
        kpis=list(project.proposal.kpis.order_by("order", "id")),
    )
    if request.method == "POST" and form.is_valid():
        notify_stripped(request, form.stripped_fields)
        try:
            amendment = request_amendment(
                project=project, actor=request.user, reason=form.cleaned_data["reason"],
                amounts=form.amounts(), scope_change=form.cleaned_data["scope_change"],
                kpi_change=form.cleaned_data["kpi_change"], kpis=form.kpi_changes(),
            )  # fmt: skip
        except ExecutionError as error:
            form.add_error(error.field if error.field in form.fields else None, str(error))
        else:
            messages.success(request, _("The amendment was sent to DGA."))
            return redirect(amendment)
    return render(request, "execution/amendment_form.html", {"project": project, "form": form})


def amendment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    amendment = _amendment_or_404(request, pk)
    can_decide = bool(can_decide_amendment(request.user, amendment))
    return render(
        request,
        "execution/amendment_detail.html",
        {
            "amendment": amendment,
            "project": amendment.project,
            "lines": amendment.lines.order_by("fiscal_year", "category"),
            "kpi_lines": amendment.kpi_lines.order_by("id"),
            "decision_form": AmendmentDecisionForm() if can_decide else None,
        },
    )


@require_POST
def amendment_decide(request: HttpRequest, pk: int) -> HttpResponse:
    amendment = _amendment_or_404(request, pk)
    if not can_decide_amendments(request.user):
        raise PermissionDenied
    form = AmendmentDecisionForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(amendment)
    notify_stripped(request, form.stripped_fields)
    try:
        decide_amendment(
            amendment=amendment, actor=request.user,
            approve=form.cleaned_data["decision"] == "approve",
            reason=form.cleaned_data["reason"],
        )  # fmt: skip
    except ExecutionError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Your decision was recorded."))
    return redirect(amendment)


def amendment_list(request: HttpRequest) -> HttpResponse:
    if not can_decide_amendments(request.user):
        raise PermissionDenied
    page = Paginator(list_amendments_to_decide(), PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "execution/amendment_list.html", {"page": page})
