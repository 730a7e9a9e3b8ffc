"""A small FY2568-like plan: 3 agencies (one outside any ministry), 5 approved projects, two of
them with reduced amounts and one spanning two fiscal years, plus proposals that must not count."""

from dataclasses import dataclass
from decimal import Decimal

from proposals.models import BudgetLine, ExpenseCategory, Proposal
from proposals.workflow import Status
from tests.factories import (
    make_agency,
    make_ministry,
    make_proposal,
    make_reference_data,
    make_round,
)

D = Decimal


@dataclass
class PlanData:
    plan_round: object
    approved: list
    others: list
    agencies: list


def set_lines(proposal, lines):
    """Replace the proposal's budget lines: ``[(year, category, amount, approved), ...]``."""
    proposal.budget_lines.all().delete()
    BudgetLine.objects.bulk_create(
        BudgetLine(
            proposal=proposal,
            fiscal_year=year,
            category=category,
            amount=D(amount),
            approved_amount=None if approved is None else D(approved),
        )  # fmt: skip
        for year, category, amount, approved in lines
    )


def make_plan(fiscal_year=2568, *, titles=None) -> PlanData:
    stages, benefits = make_reference_data()
    upstream, midstream, downstream = stages
    plan_round = make_round(fiscal_year, open_now=False, budget_frame=D("20000000.00"))
    ministry = make_ministry(name_th="กระทรวงดิจิทัลเพื่อเศรษฐกิจและสังคม", name_en="Ministry of DES")
    a1 = make_agency(ministry, name_th="สำนักงานสถิติแห่งชาติ", name_en="National Statistical Office")
    a2 = make_agency(ministry, name_th="กรมอุตุนิยมวิทยา", name_en="Thai Meteorological Department")
    a3 = make_agency(None, name_th="สำนักงานพัฒนารัฐบาลดิจิทัล", name_en="DGA")
    titles = titles or {}
    y, y2 = fiscal_year, fiscal_year + 1
    C = ExpenseCategory

    def approved(agency, stage, benefit, status, requested, approved_amount, lines, n):
        proposal = make_proposal(
            plan_round=plan_round, agency=agency, status=status, requested=D(requested),
            approved=D(approved_amount), stage=stage, benefit=benefit,
            title_th=titles.get(n, f"โครงการอนุมัติ {n}"), title_en=f"Approved project {n}",
            duration_years=len({line[0] for line in lines}),
        )  # fmt: skip
        set_lines(proposal, lines)
        return proposal

    projects = [
        approved(a1, upstream, benefits[0], Status.APPROVED, "1234567.89", "1234567.89",
                 [(y, C.OPERATING, "1000000.00", "1000000.00"),
                  (y, C.INVESTMENT, "234567.89", "234567.89"),
                  (y2, C.INVESTMENT, "500000.00", "500000.00")], 1),
        approved(a1, midstream, benefits[1], Status.APPROVED_REDUCED, "2000000.00", "1500000.50",
                 [(y, C.PERSONNEL, "800000.00", "600000.25"),
                  (y, C.OPERATING, "1200000.00", "900000.25")], 2),
        approved(a2, downstream, benefits[2], Status.APPROVED, "3000000.01", "3000000.01",
                 [(y, C.SUBSIDY, "3000000.01", "3000000.01")], 3),
        approved(a3, upstream, benefits[1], Status.APPROVED_REDUCED, "4000000.00", "3333333.33",
                 [(y, C.OTHER, "4000000.00", "3333333.33")], 4),
        approved(a2, midstream, benefits[0], Status.APPROVED, "555555.55", "555555.55",
                 [(y, C.OPERATING, "555555.55", "555555.55")], 5),
    ]  # fmt: skip
    others = [
        make_proposal(plan_round=plan_round, agency=a3, status=Status.REJECTED,
                      requested=D("9999999.99"), stage=downstream),
        make_proposal(plan_round=plan_round, agency=a1, status=Status.SUBMITTED,
                      requested=D("100.00")),
        make_proposal(plan_round=plan_round, agency=a2, status=Status.DRAFT,
                      requested=D("7777777.77")),
        make_proposal(plan_round=plan_round, agency=a3, status=Status.WITHDRAWN,
                      requested=D("123.45")),
    ]  # fmt: skip
    return PlanData(plan_round, projects, others, [a1, a2, a3])


# What make_plan gives, to the satang.
APPROVED_TOTAL = D("9623457.28")
REQUESTED_TOTAL = D(
    "20790223.44"
)  # submitted, i.e. approved projects' requests + rejected + submitted
APPROVED_PROJECTS = 5
APPROVED_AGENCIES = 3


def add_approved_projects(plan_round, agency, count, *, amount="1000000.00"):
    """``count`` more approved projects (one operating line each) for scale tests."""
    return [
        make_proposal(
            plan_round=plan_round, agency=agency, status=Status.APPROVED, requested=D(amount)
        )
        for _ in range(count)
    ]


__all__ = ["Proposal", "make_plan", "add_approved_projects", "set_lines"]
