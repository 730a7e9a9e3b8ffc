"""The API's body of a proposal, made into the ``ProposalContent`` the form's services take."""

from typing import Any

from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError

from proposals.models import PlanRound, Proposal
from proposals.selectors import SNAPSHOT_FIELDS, list_continuable
from proposals.services import ProposalContent


def build_content(
    data: dict[str, Any],
    *,
    plan_round: PlanRound,
    agency_id: int | None,
    current: Proposal | None = None,
) -> ProposalContent:
    """The validated body as content; on an update (``current``) what the body leaves out keeps
    the proposal's value, the budget grid and the KPIs included."""
    fields: dict[str, Any] = {}
    if current is not None:
        fields = {name: getattr(current, name) for name in SNAPSHOT_FIELDS}
        fields["continues"] = current.continues
    fields.update({name: data[name] for name in SNAPSHOT_FIELDS if name in data})
    if "continues" in data:
        fields["continues"] = _continued(data["continues"], plan_round, agency_id)
    if "budget_lines" in data:
        budget = {
            (line["fiscal_year"], line["category"]): line["amount"] for line in data["budget_lines"]
        }
    elif current is not None:
        budget = {(b.fiscal_year, b.category): b.amount for b in current.budget_lines.all()}
    else:
        budget = {}
    if "kpis" in data:
        kpis = [(k["indicator"], k["unit"], k["target"]) for k in data["kpis"]]
    elif current is not None:
        kpis = [(k.indicator, k.unit, k.target) for k in current.kpis.all()]
    else:
        kpis = []
    return ProposalContent(fields=fields, kpis=kpis, budget=budget)


def _continued(code: str, plan_round: PlanRound, agency_id: int | None) -> Proposal | None:
    """The agency's own approved proposal of an earlier round, by its reference; any other
    reference is refused with one message, whether it exists or not."""
    if not code:
        return None
    found = list_continuable(agency_id, plan_round).filter(code=code).first()
    if found is None:
        raise ValidationError(
            {"continues": [_("Not an approved proposal of your agency from an earlier round.")]}
        )
    return found
