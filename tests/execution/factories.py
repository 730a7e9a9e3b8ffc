"""A published plan with projects under way, for the execution tests."""

import uuid
from decimal import Decimal

from django.core.files.base import ContentFile

from directory.roles import Role
from execution.models import KPIActual, KPIEvidence
from plans.services import publish_plan
from proposals.models import KPI, BudgetLine, ExpenseCategory
from proposals.workflow import Status
from tests.factories import make_proposal, make_round, make_user


def make_projects(*, agencies, fiscal_year=2569, per_agency=1, screener=None):
    """Approved proposals (an operating line of 1,000,000 and an investment line of 500,000,
    one KPI) of each agency, published by a secretary: their projects start."""
    plan_round = make_round(fiscal_year, open_now=False)
    for agency in agencies:
        for _n in range(per_agency):
            proposal = make_proposal(
                plan_round=plan_round, agency=agency, status=Status.APPROVED,
                requested=Decimal("1500000.00"), assigned_screener=screener,
            )  # fmt: skip
            BudgetLine.objects.filter(proposal=proposal).update(
                amount=Decimal("1000000.00"), approved_amount=Decimal("1000000.00")
            )
            BudgetLine.objects.create(
                proposal=proposal, fiscal_year=fiscal_year, category=ExpenseCategory.INVESTMENT,
                amount=Decimal("500000.00"), approved_amount=Decimal("500000.00"),
            )  # fmt: skip
            KPI.objects.create(proposal=proposal, indicator="ผู้ใช้บริการ", unit="คน", target="1000")
    secretary = make_user(Role.SECRETARY)
    publish_plan(plan_round=plan_round, actor=secretary)
    return plan_round, secretary


def make_evidence(report):
    """A document of evidence on a KPI row of ``report`` (a KPI of its own if it has none)."""
    actual = report.kpi_actuals.first() or KPIActual.objects.create(
        report=report,
        kpi=KPI.objects.create(
            proposal=report.project.proposal, indicator="ผู้ใช้", unit="คน", target="1"
        ),
    )
    evidence = KPIEvidence(
        actual=actual, storage_key=f"{uuid.uuid4().hex}.pdf", original_name="e.pdf", kind="pdf",
        size=8,
    )  # fmt: skip
    evidence.file.save(evidence.storage_key, ContentFile(b"%PDF-1.4"), save=True)
    return evidence
