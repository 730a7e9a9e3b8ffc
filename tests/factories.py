"""Small factory functions for tests. Each app's tests may add their own in tests/<app>/."""

import datetime
import itertools
from decimal import Decimal

from django.contrib.auth.models import Group
from django.utils import timezone

from directory.models import Agency, Ministry, User
from directory.roles import Role
from proposals.models import (
    Benefit,
    BudgetLine,
    DGStrategy,
    ExpenseCategory,
    NationalStrategy,
    PlanRound,
    Proposal,
    Stage,
)
from proposals.workflow import APPROVED_STATES, Status

_seq = itertools.count(1)
PASSWORD = "budgetscreen"


def make_ministry(**kwargs) -> Ministry:
    n = next(_seq)
    kwargs.setdefault("code", f"ministry-{n}")
    kwargs.setdefault("name_th", f"กระทรวงทดสอบ {n}")
    return Ministry.objects.create(**kwargs)


def make_agency(ministry=None, **kwargs) -> Agency:
    n = next(_seq)
    kwargs.setdefault("code", f"agency-{n}")
    kwargs.setdefault("name_th", f"กรมทดสอบ {n}")
    return Agency.objects.create(ministry=ministry, **kwargs)


def make_user(role=None, *, agency=None, username=None, **kwargs) -> User:
    username = username or f"user{next(_seq)}"
    user = User.objects.create_user(username=username, password=PASSWORD, agency=agency, **kwargs)
    if role:
        if role == Role.SUBMITTER and agency is None:
            user.agency = make_agency()
            user.save(update_fields=["agency"])
        group, _ = Group.objects.get_or_create(name=role)
        user.groups.add(group)
    return user


def make_reference_data():
    """The three stages, three benefits, one strategy of each kind. Idempotent."""
    stages = [
        Stage.objects.get_or_create(code=code, defaults={"name_th": th, "order": i})[0]
        for i, (code, th) in enumerate(
            [("upstream", "ต้นน้ำ"), ("midstream", "กลางน้ำ"), ("downstream", "ปลายน้ำ")]
        )
    ]
    benefits = [
        Benefit.objects.get_or_create(code=code, defaults={"name_th": th, "order": i})[0]
        for i, (code, th) in enumerate(
            [
                ("transformation", "Digital Government Transformation"),
                ("common_platform", "Digital Common Platform"),
                ("e2e_services", "End-to-End Digital Services"),
            ]
        )
    ]
    DGStrategy.objects.get_or_create(number=1, defaults={"name_th": "ยุทธศาสตร์ที่ 1"})
    NationalStrategy.objects.get_or_create(number=1, defaults={"name_th": "ด้านความมั่นคง"})
    return stages, benefits


def make_round(fiscal_year=None, *, open_now=True, **kwargs) -> PlanRound:
    fiscal_year = fiscal_year or 2569 + next(_seq) % 100
    now = timezone.now()
    if open_now:
        opens, closes = now - datetime.timedelta(days=30), now + datetime.timedelta(days=14)
    else:
        opens, closes = now - datetime.timedelta(days=400), now - datetime.timedelta(days=300)
    kwargs.setdefault("name_th", f"แผนงานบูรณาการรัฐบาลดิจิทัล ปีงบประมาณ พ.ศ. {fiscal_year}")
    kwargs.setdefault("budget_frame", Decimal("1000000000.00"))
    return PlanRound.objects.create(
        fiscal_year=fiscal_year, submission_opens_at=opens, submission_closes_at=closes, **kwargs
    )


def make_proposal(
    *,
    plan_round=None,
    agency=None,
    status=Status.SUBMITTED,
    requested=Decimal("1000000.00"),
    approved=None,
    stage=None,
    benefit=None,
    **kwargs,
) -> Proposal:
    """A complete proposal whose request is one operating-budget line of the round's year."""
    stages, benefits = make_reference_data()
    plan_round = plan_round or make_round()
    agency = agency or make_agency()
    n = next(_seq)
    if status in APPROVED_STATES and approved is None:
        approved = requested
    kwargs.setdefault("code", f"T{plan_round.fiscal_year % 100}-{n:05d}")
    kwargs.setdefault("title_th", f"โครงการทดสอบ {n}")
    if status != Status.DRAFT:
        # Sent to DGA at some point, as the submit service records it. A draft withdrawn
        # unsent is asked for with ``submitted_at=None``.
        kwargs.setdefault("submitted_at", timezone.now())
    proposal = Proposal.objects.create(
        round=plan_round,
        agency=agency,
        status=status,
        requested_amount=requested,
        approved_amount=approved,
        stage=stage or stages[0],
        benefit=benefit or benefits[0],
        **kwargs,
    )
    BudgetLine.objects.create(
        proposal=proposal,
        fiscal_year=plan_round.fiscal_year,
        category=ExpenseCategory.OPERATING,
        amount=requested,
        approved_amount=approved,
    )
    return proposal
