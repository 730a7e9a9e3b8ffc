"""Reads of proposals and rounds that more than one view needs."""

import datetime
from decimal import Decimal
from typing import Any

from django.db.models import Exists, Field, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from core.formatting import format_baht
from directory.models import User
from directory.roles import PROPOSAL_READERS, Role

from .models import (
    UNSENT,
    ZERO,
    ExpenseCategory,
    PlanRound,
    Proposal,
    ProposalVersion,
    StatusChange,
)
from .workflow import APPROVED_STATES, SENT_TO_DGA, Status


def get_open_round(now: datetime.datetime | None = None) -> PlanRound | None:
    """The round accepting submissions now, if any."""
    now = now or timezone.now()
    return (
        PlanRound.objects.filter(submission_opens_at__lte=now, submission_closes_at__gt=now)
        .order_by("-fiscal_year")
        .first()
    )


def get_current_round(*, with_plan: bool = False) -> PlanRound | None:
    """The newest round; with ``with_plan``, the newest that has approved projects."""
    rounds = PlanRound.objects.order_by("-fiscal_year")
    if with_plan:
        approved = Proposal.objects.filter(round=OuterRef("pk"), status__in=APPROVED_STATES)
        rounds = rounds.filter(Exists(approved))
    return rounds.first()


def can_see_all_proposals(user: User) -> bool:
    return user.has_role(*PROPOSAL_READERS)


def list_sent_proposals() -> QuerySet[Proposal]:
    """Every proposal its agency has sent to DGA (whatever became of it since): the base of
    every list DGA and the committee see. Unsent drafts are never in it."""
    return Proposal.objects.filter(status__in=SENT_TO_DGA).exclude(UNSENT)


def visible_proposals(user: User) -> QuerySet[Proposal]:
    """Proposals the user may read: their own agency's, and for DGA and the committee every one
    the agency has sent (never another agency's unsent drafts, whatever the role)."""
    proposals = Proposal.objects.all()
    own = Q(agency_id=user.agency_id) if user.has_role(Role.SUBMITTER) and user.agency_id else None
    if can_see_all_proposals(user):
        sent = ~UNSENT
        return proposals.filter(sent | own if own is not None else sent)
    if own is not None:
        return proposals.filter(own)
    return proposals.none()


def get_proposal_for(user: User, pk: int | str) -> Proposal:
    """The proposal if the user may see it; 404 for missing and forbidden alike."""
    try:
        return (
            visible_proposals(user)
            .select_related(
                "round", "agency__ministry", "stage", "benefit", "dg_strategy", "national_strategy"
            )
            .get(pk=pk)
        )
    except (Proposal.DoesNotExist, ValueError):
        raise Http404 from None


# --- the agency's own list, the full read-only display, snapshots and their differences ------


def list_agency_proposals(user: User) -> QuerySet[Proposal]:
    """The user's own agency's proposals in every round, newest round first (list page)."""
    if not user.agency_id:
        return Proposal.objects.none()
    return (
        Proposal.objects.filter(agency_id=user.agency_id)
        .select_related("round", "stage")
        .order_by("-round__fiscal_year", "-updated_at", "-id")
    )


def get_budget_grid(
    proposal: Proposal, lines: dict[tuple[int, str], Decimal | None] | None = None
) -> dict[str, Any]:
    """Fiscal years × the five expense categories with row, column and grand totals.

    ``lines`` may be given as ``{(year, category): Decimal}``; by default the proposal's saved
    budget lines are read. Years of lines outside the duration are shown too (never hidden).
    Every total on every page comes from here.
    """
    if lines is None:
        lines = {(b.fiscal_year, b.category): b.amount for b in proposal.budget_lines.all()}
    years = sorted(set(proposal.fiscal_years) | {year for year, _ in lines})
    categories = list(ExpenseCategory)
    rows = []
    column_totals = [ZERO] * len(categories)
    for year in years:
        cells = [lines.get((year, cat.value)) for cat in categories]
        total = sum((c or ZERO for c in cells), ZERO)
        column_totals = [t + (c or ZERO) for t, c in zip(column_totals, cells, strict=True)]
        rows.append(
            {
                "year": year,
                "cells": cells,
                "total": total,
                "in_duration": year in proposal.fiscal_years,
                "is_round_year": year == proposal.round.fiscal_year,
            }
        )
    grand_total = sum(column_totals, ZERO)
    round_year_total = sum(
        (
            amount or ZERO
            for (year, _), amount in lines.items()
            if year == proposal.round.fiscal_year
        ),
        ZERO,
    )
    return {
        "categories": categories,
        "rows": rows,
        "column_totals": column_totals,
        "grand_total": grand_total,
        "round_year_total": round_year_total,
    }


def get_return_reason(proposal: Proposal) -> StatusChange | None:
    """The latest return for revision, when the proposal is currently returned."""
    if proposal.status != Status.RETURNED:
        return None
    return (
        proposal.status_changes.filter(to_status=Status.RETURNED)
        .select_related("actor")
        .order_by("-created_at", "-id")
        .first()
    )


def get_proposal_display(proposal: Proposal) -> dict[str, Any]:
    """Everything ``proposals/_proposal_full.html`` shows, read in a fixed handful of queries."""
    return {
        "kpis": list(proposal.kpis.all()),
        "grid": get_budget_grid(proposal),
        "attachments": list(proposal.attachments.select_related("uploaded_by")),
        "timeline": list(
            proposal.status_changes.select_related("actor").order_by("created_at", "id")
        ),
        "versions": list(proposal.versions.select_related("created_by").order_by("number")),
        "return_reason": get_return_reason(proposal),
    }


# Content fields of the form's sections 1–3, in the order they are shown.
SNAPSHOT_FIELDS = [
    "title_th", "title_en", "project_type", "duration_years",
    "official_name", "official_position", "official_phone", "official_email",
    "stage", "benefit", "dg_strategy", "national_strategy", "alignment_justification",
    "summary", "rationale", "objectives", "target_group", "outputs", "outcomes",
]  # fmt: skip
_REFERENCE_FIELDS = {"stage", "benefit", "dg_strategy", "national_strategy"}
# Kept in the snapshot and its diff, but not a workbook field: the form chooses it.
_LINK_FIELDS = ["continues"]


def get_content_field(name: str) -> Field:
    """The model field of one of the proposal's own columns (never a reverse relation)."""
    field = Proposal._meta.get_field(name)
    if not isinstance(field, Field):
        raise TypeError(f"{name} is not a field of Proposal's own")
    return field


def proposal_snapshot(proposal: Proposal) -> dict[str, Any]:
    """The proposal's content as plain JSON: stored per submitted version, and compared to tell
    two colleagues what the other changed. Reference data is kept by its name at that time."""
    fields = {}
    for name in SNAPSHOT_FIELDS:
        value = getattr(proposal, name)
        if name in _REFERENCE_FIELDS:
            value = value.name_th if value is not None else ""
        elif name == "project_type":
            value = str(proposal.get_project_type_display())
        fields[name] = "" if value is None else str(value)
    continued = proposal.continues
    fields["continues"] = continued.code if continued is not None else ""
    return {
        "fields": fields,
        "kpis": [[k.indicator, k.unit, k.target] for k in proposal.kpis.all()],
        "budget": {
            f"{b.fiscal_year}:{b.category}": str(b.amount) for b in proposal.budget_lines.all()
        },
        "attachments": [[a.original_name, a.description] for a in proposal.attachments.all()],
        "requested_amount": str(proposal.requested_amount),
    }


def diff_snapshots(before: dict[str, Any], after: dict[str, Any]) -> list[dict[str, Any]]:
    """What changed from ``before`` to ``after``: rows of label, old value, new value."""
    changes = []
    for name in [*SNAPSHOT_FIELDS, *_LINK_FIELDS]:
        old, new = before["fields"].get(name, ""), after["fields"].get(name, "")
        if old != new:
            label = get_content_field(name).verbose_name
            changes.append({"label": label, "before": old, "after": new})
    category_labels = dict(ExpenseCategory.choices)
    category_order = {c: i for i, c in enumerate(ExpenseCategory.values)}

    def cell_order(key: str) -> tuple[str, int]:
        year, category = key.split(":")
        return (year, category_order.get(category, 99))

    for key in sorted(set(before["budget"]) | set(after["budget"]), key=cell_order):
        old, new = before["budget"].get(key), after["budget"].get(key)
        if _as_money(old) != _as_money(new):
            year, category = key.split(":")
            label = _("Budget FY%(year)s, %(category)s") % {
                "year": year,
                "category": category_labels.get(category, category),
            }
            changes.append(
                {
                    "label": label,
                    "before": format_baht(_as_money(old)),
                    "after": format_baht(_as_money(new)),
                }
            )
    old_kpis, new_kpis = before["kpis"], after["kpis"]
    for i in range(max(len(old_kpis), len(new_kpis))):
        old = " · ".join(old_kpis[i]) if i < len(old_kpis) else ""
        new = " · ".join(new_kpis[i]) if i < len(new_kpis) else ""
        if old != new:
            changes.append({"label": _("KPI %(n)s") % {"n": i + 1}, "before": old, "after": new})
    old_files = [f"{n} ({d})" for n, d in before.get("attachments", [])]
    new_files = [f"{n} ({d})" for n, d in after.get("attachments", [])]
    if old_files != new_files:
        changes.append(
            {
                "label": _("Attachments"),
                "before": "\n".join(old_files),
                "after": "\n".join(new_files),
            }
        )
    return changes


def _as_money(raw: str | None) -> Decimal:
    return Decimal(raw) if raw not in (None, "") else ZERO


def get_version_pair(
    proposal: Proposal, first: int, second: int
) -> tuple[ProposalVersion, ProposalVersion]:
    """Two stored versions of the proposal (404 when either does not exist)."""
    versions = {v.number: v for v in proposal.versions.filter(number__in=[first, second])}
    if first not in versions or second not in versions:
        raise Http404
    return versions[first], versions[second]


def list_continuable(agency_id: int | None, plan_round: PlanRound) -> QuerySet[Proposal]:
    """The agency's approved proposals of earlier rounds: what a continuing project may continue."""
    if agency_id is None:
        return Proposal.objects.none()
    return (
        Proposal.objects.filter(
            agency_id=agency_id,
            status__in=APPROVED_STATES,
            round__fiscal_year__lt=plan_round.fiscal_year,
        )
        .select_related("round")
        .order_by("-round__fiscal_year", "code")
    )
