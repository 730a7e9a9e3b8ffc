"""The demo's scored screening of the open round: a rubric, two screeners' scores on part of
the round, a disagreement to reconcile, one reconciled, and screening tasks with due dates
(some overdue).

As for the rest of the demo's history (see ``budgetscreen.demo``), the rows are written straight
into the tables with their recorded moments; the scores themselves come from the same
arithmetic as the services (``screening.scoring``) and each proposal's summary from the same
function (``refresh_score_summary``). Written once: skipped when the round has scored
criteria already.
"""

import datetime
from collections import Counter
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.utils import timezone

from directory.models import User
from directory.roles import Role
from proposals.models import PlanRound, Proposal
from proposals.workflow import Status
from screening.models import (
    AssignmentKind,
    CriterionKind,
    CriterionScore,
    ReconciledScore,
    Reconciliation,
    ScoreLevel,
    ScoreSheet,
    ScreeningAssignment,
    ScreeningCriterion,
    ScreeningPolicy,
)
from screening.scoring import Rubric, weighted_score
from screening.services import refresh_score_summary

DEMO_PASSWORD = "budgetscreen"  # noqa: S105 - the documented password of the demo accounts
SECOND_SCREENER = ("screener2", "ณัฐวุฒิ", "ตรวจทานดี", "เจ้าหน้าที่ สพร.")

# (Thai, English, weight, the meanings of 0–4 in Thai and English)
RUBRIC = [
    ("ความสอดคล้องกับยุทธศาสตร์ชาติและแผนพัฒนารัฐบาลดิจิทัล",
     "Alignment with the National Strategy and the Digital Government Plan", Decimal(3),
     ["ไม่สอดคล้อง", "สอดคล้องน้อย", "สอดคล้องบางส่วน", "สอดคล้องชัดเจน", "สอดคล้องและเป็นตัวขับเคลื่อนหลัก"],
     ["not aligned", "loosely aligned", "partly aligned", "clearly aligned",
      "aligned and a main driver"]),
    ("ความพร้อมในการดำเนินโครงการ", "Readiness to carry out the project", Decimal(2),
     ["ไม่พร้อม", "พร้อมน้อย", "พร้อมบางส่วน", "พร้อม", "พร้อมทุกด้าน"],
     ["not ready", "hardly ready", "partly ready", "ready", "ready in every respect"]),
    ("ประโยชน์ต่อประชาชนและความคุ้มค่า", "Benefit to citizens and value for money", Decimal(2),
     ["ไม่คุ้มค่า", "คุ้มค่าน้อย", "คุ้มค่าปานกลาง", "คุ้มค่า", "คุ้มค่าสูงมาก"],
     ["no value", "little value", "some value", "good value", "very good value"]),
]  # fmt: skip
REASONS = [
    "สอดคล้องกับยุทธศาสตร์ด้านการปรับสมดุลและพัฒนาระบบการบริหารจัดการภาครัฐ",
    "มีทีมงาน แผนการจัดซื้อจัดจ้าง และระยะเวลาดำเนินงานที่ชัดเจน",
    "ลดขั้นตอนและค่าใช้จ่ายของประชาชนในการขอรับบริการ",
]
SCREENED = {Status.FORWARDED, Status.ON_AGENDA, Status.APPROVED, Status.APPROVED_REDUCED,
            Status.REJECTED, Status.DEFERRED}  # fmt: skip


def load_scores(fiscal_year: int, users: dict[str, User], now, created: Counter) -> None:
    """Score the open round ``fiscal_year`` (see the module's docstring)."""
    plan_round = PlanRound.objects.filter(fiscal_year=fiscal_year).first()
    if plan_round is None or plan_round.criteria.filter(kind=CriterionKind.SCORED).exists():
        return
    first, second = users["screener"], _second_screener(created)
    ScreeningPolicy.objects.get_or_create(
        round=plan_round,
        defaults={"second_share": Decimal(30), "second_above": Decimal(100_000_000),
                  "days_to_screen": 14},
    )  # fmt: skip
    criteria = _rubric(plan_round, created)
    proposals = list(
        Proposal.objects.filter(round=plan_round)
        .exclude(status__in=[Status.DRAFT, Status.WITHDRAWN])
        .order_by("code")
    )
    screened = [p for p in proposals if p.status in SCREENED]
    waiting = [p for p in proposals if p.status == Status.SUBMITTED]
    today = timezone.localdate(now)
    for index, proposal in enumerate(screened):
        when = now - datetime.timedelta(days=10, hours=index)
        _task(proposal, first, AssignmentKind.FIRST, when, done=True)
        _sheet(proposal, first, criteria, _values(index, 0), when)
        created["score sheet"] += 1
        if index % 2 == 0:  # every other one was screened twice
            later = when + datetime.timedelta(days=2)
            _task(proposal, second, AssignmentKind.SECOND, when, done=True)
            # the third pair disagrees widely: one reconciled, one still to reconcile
            disagree = index in (2, 4)
            _sheet(proposal, second, criteria, _values(index, 3 if disagree else 1), later)
            created["score sheet"] += 1
            if index == 2:
                _reconcile(proposal, users["admin"], criteria, _values(index, 2), later)
                created["reconciliation"] += 1
        refresh_score_summary(proposal)
    for index, proposal in enumerate(waiting):
        # awaiting screening: the first screener's task (the oldest overdue), and a second
        # screener on every other one, not scored yet (the scores stay blind until both are in)
        given = now - datetime.timedelta(days=20 - 3 * index)
        _task(proposal, first, AssignmentKind.FIRST, given, done=False)
        if index % 2 == 1:
            _task(proposal, second, AssignmentKind.SECOND, given, done=False)
        refresh_score_summary(proposal)
    created["screening task"] += ScreeningAssignment.objects.filter(
        proposal__round=plan_round, completed_at__isnull=True, due_date__lt=today
    ).count()


def _second_screener(created: Counter) -> User:
    """The demo's second screener (same password as every demo account)."""
    username, first, last, position = SECOND_SCREENER
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User.objects.create(
            username=username, first_name=first, last_name=last, position=position,
            email=f"{username}@demo.budgetscreen.invalid", password=make_password(DEMO_PASSWORD),
        )  # fmt: skip
        created["user"] += 1
    user.groups.add(Group.objects.get_or_create(name=Role.SCREENER)[0])
    return user


def _rubric(plan_round: PlanRound, created: Counter) -> list[ScreeningCriterion]:
    criteria = []
    for order, (text_th, text_en, weight, levels_th, levels_en) in enumerate(RUBRIC, start=50):
        criterion = ScreeningCriterion.objects.create(
            round=plan_round, order=order, text_th=text_th, text_en=text_en,
            kind=CriterionKind.SCORED, weight=weight, scale_max=4,
        )  # fmt: skip
        ScoreLevel.objects.bulk_create(
            ScoreLevel(criterion=criterion, value=value, description_th=th, description_en=en)
            for value, (th, en) in enumerate(zip(levels_th, levels_en, strict=True))
        )
        criteria.append(criterion)
        created["scored criterion"] += 1
    return criteria


def _values(index: int, shift: int) -> list[int]:
    """Scores of 0–4 that vary from proposal to proposal; ``shift`` moves the second
    screener's a little (1), or far on the first criterion (3)."""
    base = [(index + 2) % 3 + 2, (index + 1) % 4 + 1, index % 3 + 2]
    if shift == 3:
        return [max(base[0] - 3, 0), base[1], max(base[2] - 2, 0)]
    if shift == 2:
        return [max(base[0] - 1, 0), base[1], max(base[2] - 1, 0)]
    return [min(max(v + (shift if i == index % 3 else 0), 0), 4) for i, v in enumerate(base)]


def _rubric_of(criteria: list[ScreeningCriterion]) -> list[Rubric]:
    return [Rubric(c.pk, c.weight, c.scale_max) for c in criteria]


def _sheet(proposal, screener, criteria, values, when) -> None:
    by_id = {c.pk: v for c, v in zip(criteria, values, strict=True)}
    sheet = ScoreSheet.objects.create(
        proposal=proposal, screener=screener, submitted_at=when,
        score=weighted_score(_rubric_of(criteria), by_id),
    )  # fmt: skip
    CriterionScore.objects.bulk_create(
        CriterionScore(sheet=sheet, criterion=c, value=v, reason=reason)
        for c, v, reason in zip(criteria, values, REASONS, strict=True)
    )


def _reconcile(proposal, actor, criteria, values, when) -> None:
    by_id = {c.pk: v for c, v in zip(criteria, values, strict=True)}
    reconciliation = Reconciliation.objects.create(
        proposal=proposal, actor=actor, created_at=when + datetime.timedelta(hours=3),
        score=weighted_score(_rubric_of(criteria), by_id),
        reason="ผู้กลั่นกรองทั้งสองหารือร่วมกันแล้ว ยึดแผนการดำเนินงานฉบับล่าสุดของหน่วยงาน",
    )  # fmt: skip
    ReconciledScore.objects.bulk_create(
        ReconciledScore(reconciliation=reconciliation, criterion=c, value=v)
        for c, v in zip(criteria, values, strict=True)
    )


def _task(proposal, screener, kind, given, *, done) -> None:
    ScreeningAssignment.objects.create(
        proposal=proposal, screener=screener, kind=kind, assigned_at=given,
        due_date=timezone.localdate(given) + datetime.timedelta(days=14),
        completed_at=given + datetime.timedelta(days=2) if done else None,
    )  # fmt: skip
