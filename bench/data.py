"""Synthetic rounds for the benchmark, written with PostgreSQL COPY (explicit ids, no ORM saves).

One call of ``build(n)`` on an empty, migrated database makes:

- the open round FY2569 with ``n`` proposals in every state (the screening inbox), their budget
  lines, one screening review with five criterion assessments for every screened proposal;
- the closed round FY2568 with ``n`` approved projects (the plan page and the 1,000/10,000
  downloads) and the closed round FY2567 with 110 approved projects (the demo-sized plan);
- a committee of 30 voting members and a secretary, a meeting in progress with everyone
  present, an agenda of the round's items waiting for a vote (up to 200), half of them already
  voted on by all 30 members, and two fresh items for the concurrent-voting measurement.
"""

import datetime
import random
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.management.color import no_style
from django.db import connection
from django.utils import timezone

from committee.models import (
    AgendaItem,
    Attendance,
    Committee,
    Meeting,
    MeetingStatus,
    Membership,
    Position,
    Vote,
)
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
from proposals.workflow import Status
from screening.models import CriterionAssessment, ScreeningCriterion, ScreeningReview

PASSWORD = "bench-Password-2568"  # noqa: S105 (synthetic accounts of a throwaway database)
MEMBERS = 30
SMALL_PLAN = 110
MAX_AGENDA = 200
OPEN_YEAR, PLAN_YEAR, SMALL_YEAR = 2569, 2568, 2567

# Share of each state in the open round (sums to 1).
STATUS_MIX = [
    (Status.DRAFT, 0.05),
    (Status.SUBMITTED, 0.30),
    (Status.RETURNED, 0.06),
    (Status.WITHDRAWN, 0.03),
    (Status.INELIGIBLE, 0.06),
    (Status.FORWARDED, 0.20),
    (Status.ON_AGENDA, 0.05),
    (Status.APPROVED, 0.12),
    (Status.APPROVED_REDUCED, 0.05),
    (Status.REJECTED, 0.05),
    (Status.DEFERRED, 0.03),
]
REVIEWED = {
    Status.RETURNED, Status.INELIGIBLE, Status.FORWARDED, Status.ON_AGENDA, Status.APPROVED,
    Status.APPROVED_REDUCED, Status.REJECTED, Status.DEFERRED,
}  # fmt: skip
WORDS = [
    "ระบบ", "บริการ", "ดิจิทัล", "ข้อมูล", "ภาครัฐ", "แพลตฟอร์ม", "อิเล็กทรอนิกส์", "การเชื่อมโยง",
    "ศูนย์", "บูรณาการ", "ประชาชน", "ความปลอดภัย", "ไซเบอร์", "คลาวด์", "สุขภาพ", "การศึกษา",
    "เกษตร", "ท่องเที่ยว", "ภาษี", "ที่ดิน",
]  # fmt: skip


@dataclass
class Dataset:
    n: int
    open_round: PlanRound = None
    plan_round: PlanRound = None
    small_round: PlanRound = None
    admin: User = None
    screener: User = None
    secretary: User = None
    budget: User = None
    members: list = field(default_factory=list)
    meeting: Meeting = None
    vote_items: list = field(default_factory=list)
    stage_downstream: Stage = None
    counts: dict = field(default_factory=dict)


class Ids:
    """Explicit primary keys for COPY; the sequences are reset afterwards."""

    def __init__(self):
        self.next = {}

    def take(self, model) -> int:
        value = self.next.get(model, 1)
        self.next[model] = value + 1
        return value


def copy_rows(model, rows: list[dict]) -> int:
    """COPY ``rows`` (dicts keyed by attname) into the model's table; missing columns get the
    field's default (computed once for the whole batch)."""
    if not rows:
        return 0
    fields = model._meta.concrete_fields
    defaults = {}
    for f in fields:
        if f.attname not in rows[0]:
            defaults[f.attname] = f.get_default()
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    table = connection.ops.quote_name(model._meta.db_table)
    connection.ensure_connection()
    statement = f"COPY {table} ({columns}) FROM STDIN"  # noqa: S608 (names from the models)
    with connection.connection.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(
                [row[f.attname] if f.attname in row else defaults[f.attname] for f in fields]
            )
    return len(rows)


def _title(rng, i):
    words = rng.sample(WORDS, 4)
    return f"โครงการพัฒนา{words[0]}{words[1]}{words[2]}เพื่อ{words[3]} ระยะที่ {i % 5 + 1}"


def _amount(rng) -> int:
    """Thousands of baht, log-uniform between 0.5 and 500 million baht."""
    return int(10 ** rng.uniform(2.7, 5.7)) * 1000


def _users(ds, ids, password_hash):
    groups = {role: Group.objects.get_or_create(name=role)[0] for role in Role.values}
    now = timezone.now()

    def user(username, first, role=None, **extra):
        u = User.objects.create(
            username=username, password=password_hash, first_name=first, last_name="ทดสอบ",
            is_active=True, date_joined=now, **extra,
        )  # fmt: skip
        if role:
            u.groups.add(groups[role])
        return u

    ds.admin = user("bench_admin", "ผู้ดูแล", Role.ADMIN, is_superuser=True, is_staff=True)
    screeners = [user(f"bench_screener{i}", f"ผู้กลั่นกรอง{i}", Role.SCREENER) for i in range(5)]
    ds.screener = screeners[0]
    ds.secretary = user("bench_secretary", "เลขานุการ", Role.SECRETARY)
    ds.budget = user("bench_budget", "สำนักงบประมาณ", Role.BUDGET_OFFICE)
    ds.members = [
        user(f"bench_member{i:02d}", f"กรรมการ{i:02d}", Role.COMMITTEE) for i in range(MEMBERS)
    ]
    return screeners


def _reference(ids):
    stages = [
        Stage.objects.create(code=code, name_th=th, order=i)
        for i, (code, th) in enumerate(
            [("upstream", "ต้นน้ำ"), ("midstream", "กลางน้ำ"), ("downstream", "ปลายน้ำ")]
        )
    ]
    benefits = [
        Benefit.objects.create(code=code, name_th=name, order=i)
        for i, (code, name) in enumerate(
            [("transformation", "Digital Government Transformation"),
             ("common_platform", "Digital Common Platform"),
             ("e2e_services", "End-to-End Digital Services")]
        )
    ]  # fmt: skip
    strategies = [
        DGStrategy.objects.create(number=i, name_th=f"ยุทธศาสตร์ที่ {i}") for i in range(1, 7)
    ]
    national = [NationalStrategy.objects.create(number=i, name_th=f"ด้านที่ {i}") for i in range(1, 7)]
    return stages, benefits, strategies, national


def _round(year, *, open_now):
    now = timezone.now()
    if open_now:
        opens, closes = now - datetime.timedelta(days=30), now + datetime.timedelta(days=14)
    else:
        opens = now - datetime.timedelta(days=400 + 365 * (OPEN_YEAR - year))
        closes = opens + datetime.timedelta(days=60)
    return PlanRound.objects.create(
        fiscal_year=year, name_th=f"แผนงานบูรณาการรัฐบาลดิจิทัล ปีงบประมาณ พ.ศ. {year}",
        submission_opens_at=opens, submission_closes_at=closes,
        budget_frame=Decimal("50000000000.00"),
    )  # fmt: skip


def _statuses(rng, n):
    out = []
    for status, share in STATUS_MIX:
        out += [status] * round(share * n)
    out = (out + [Status.SUBMITTED] * n)[:n]
    rng.shuffle(out)
    return out


def _proposals(ctx, plan_round, statuses, prefix):
    """Rows of proposals and budget lines (and reviews for screened ones) for one round."""
    rng, ids, now = ctx["rng"], ctx["ids"], ctx["now"]
    proposals, lines, reviews, assessments = [], [], [], []
    for i, status in enumerate(statuses):
        pk = ids.take(Proposal)
        years = rng.choice((1, 1, 1, 2, 3))
        first = _amount(rng)
        second = _amount(rng) if rng.random() < 0.6 else 0
        requested = first + second
        approved = None
        if status == Status.APPROVED:
            approved = requested
        elif status == Status.APPROVED_REDUCED:
            approved = requested * 8 // 10
        recommended = None
        if status in REVIEWED and status not in (Status.RETURNED, Status.INELIGIBLE):
            recommended = requested if rng.random() < 0.7 else requested * 9 // 10
        agency = ctx["agencies"][rng.randrange(len(ctx["agencies"]))]
        submitted = (
            None if status == Status.DRAFT else now - datetime.timedelta(days=rng.randrange(1, 60))
        )
        screener = None if status == Status.DRAFT else ctx["screeners"][i % 5].pk
        proposals.append(
            {
                "id": pk,
                "round_id": plan_round.pk,
                "agency_id": agency,
                "code": f"{prefix}-{i + 1:06d}",
                "status": status,
                "title_th": _title(rng, i),
                "title_en": "",
                "project_type": "new",
                "duration_years": years,
                "stage_id": ctx["stages"][i % 3].pk,
                "benefit_id": ctx["benefits"][i % 3].pk,
                "dg_strategy_id": ctx["strategies"][i % 6].pk,
                "national_strategy_id": ctx["national"][i % 6].pk,
                "summary": "สรุปโครงการสังเคราะห์สำหรับการวัดประสิทธิภาพ " * 3,
                "requested_amount": Decimal(requested),
                "recommended_amount": None if recommended is None else Decimal(recommended),
                "approved_amount": None if approved is None else Decimal(approved),
                "assigned_screener_id": screener,
                "created_at": now - datetime.timedelta(days=90),
                "updated_at": now - datetime.timedelta(minutes=rng.randrange(1, 100_000)),
                "submitted_at": submitted,
                "lock_version": 1,
            }
        )
        split = [(ExpenseCategory.OPERATING, first), (ExpenseCategory.INVESTMENT, second)]
        given = 0
        for k, (category, amount) in enumerate(split):
            if not amount:
                continue
            line_approved = None
            if approved is not None:
                line_approved = amount * 8 // 10 if status == Status.APPROVED_REDUCED else amount
                if k == 1 or not second:
                    line_approved = approved - given
                given += line_approved
            lines.append(
                {
                    "id": ids.take(BudgetLine),
                    "proposal_id": pk,
                    "fiscal_year": plan_round.fiscal_year,
                    "category": category,
                    "amount": Decimal(amount),
                    "approved_amount": None if line_approved is None else Decimal(line_approved),
                }
            )
        for year in range(1, years):
            lines.append({
                "id": ids.take(BudgetLine), "proposal_id": pk,
                "fiscal_year": plan_round.fiscal_year + year, "category": ExpenseCategory.OPERATING,
                "amount": Decimal(first // 2), "approved_amount": None,
            })  # fmt: skip
        if status in REVIEWED and ctx["criteria"].get(plan_round.pk):
            review_pk = ids.take(ScreeningReview)
            recommendation = {"returned": "return", "ineligible": "ineligible"}.get(
                status, "forward"
            )
            reviews.append({
                "id": review_pk, "proposal_id": pk, "screener_id": ctx["screeners"][i % 5].pk,
                "recommendation": recommendation,
                "reasons": "" if recommendation == "forward" else "เอกสารประกอบไม่ครบถ้วน",
                "recommended_amount": None if recommended is None else Decimal(recommended),
                "amount_reason": "", "corrected_stage_id": None, "created_at": submitted,
            })  # fmt: skip
            for criterion in ctx["criteria"][plan_round.pk]:
                assessments.append({
                    "id": ids.take(CriterionAssessment), "review_id": review_pk,
                    "criterion_id": criterion.pk, "result": "met", "comment": "",
                })  # fmt: skip
    copy_rows(Proposal, proposals)
    copy_rows(BudgetLine, lines)
    copy_rows(ScreeningReview, reviews)
    copy_rows(CriterionAssessment, assessments)
    return proposals, len(lines), len(reviews), len(assessments)


def build(n: int, *, seed: int = 2568) -> Dataset:
    """Fill the (empty, migrated) bench database for ``n`` proposals per round."""
    rng = random.Random(seed)
    ids = Ids()
    ds = Dataset(n=n)
    now = timezone.now()
    password_hash = make_password(PASSWORD)
    screeners = _users(ds, ids, password_hash)
    stages, benefits, strategies, national = _reference(ids)
    ds.stage_downstream = stages[2]

    ministries = [
        {"id": ids.take(Ministry), "code": f"m{i:02d}", "name_th": f"กระทรวงทดสอบที่ {i}",
         "name_en": "", "order": i}
        for i in range(20)
    ]  # fmt: skip
    copy_rows(Ministry, ministries)
    agency_count = min(max(n // 20, 60), 3000)
    agencies = [
        {
            "id": ids.take(Agency),
            "code": f"a{i:04d}",
            "name_th": f"กรมทดสอบ {rng.choice(WORDS)} ที่ {i}",
            "name_en": "",
            "ministry_id": ministries[i % 20]["id"] if i % 25 else None,
            "abbreviation": f"ท{i}",
        }
        for i in range(agency_count)
    ]
    copy_rows(Agency, agencies)

    ds.open_round = _round(OPEN_YEAR, open_now=True)
    ds.plan_round = _round(PLAN_YEAR, open_now=False)
    ds.small_round = _round(SMALL_YEAR, open_now=False)
    criteria = {
        ds.open_round.pk: [
            ScreeningCriterion.objects.create(round=ds.open_round, order=k, text_th=f"เกณฑ์ข้อ {k}")
            for k in range(1, 6)
        ]
    }
    ctx = {
        "rng": rng, "ids": ids, "now": now, "agencies": [a["id"] for a in agencies],
        "stages": stages, "benefits": benefits, "strategies": strategies, "national": national,
        "screeners": screeners, "criteria": criteria,
    }  # fmt: skip
    open_rows, *_ = _proposals(ctx, ds.open_round, _statuses(rng, n), f"DG{OPEN_YEAR}")
    approved_mix = [
        Status.APPROVED if rng.random() < 0.8 else Status.APPROVED_REDUCED for _ in range(n)
    ]
    _proposals(ctx, ds.plan_round, approved_mix, f"DG{PLAN_YEAR}")
    small_mix = [Status.APPROVED if k % 5 else Status.APPROVED_REDUCED for k in range(SMALL_PLAN)]
    _proposals(ctx, ds.small_round, small_mix, f"DG{SMALL_YEAR}")

    _committee(ds, ids, open_rows, now)
    _reset_sequences()
    with connection.cursor() as cursor:
        # What autovacuum does on a running server: statistics for the planner, and a visibility
        # map, without which PostgreSQL cannot answer from an index alone.
        cursor.execute("VACUUM ANALYZE")
    ds.counts = {
        "proposals": Proposal.objects.count(),
        "open_round_proposals": n,
        "approved_projects_plan_round": n,
        "budget_lines": BudgetLine.objects.count(),
        "screening_reviews": ScreeningReview.objects.count(),
        "criterion_assessments": CriterionAssessment.objects.count(),
        "agencies": agency_count,
        "agenda_items": AgendaItem.objects.filter(meeting=ds.meeting).count(),
        "votes": Vote.objects.count(),
    }
    return ds


def _committee(ds, ids, open_rows, now):
    committee = Committee.objects.create(name_th="คณะกรรมการบูรณาการงบประมาณด้านรัฐบาลดิจิทัล (ทดสอบ)")
    memberships = []
    for k, member in enumerate(ds.members):
        position = Position.CHAIR if k == 0 else Position.VICE_CHAIR if k == 1 else Position.MEMBER
        memberships.append(
            Membership.objects.create(committee=committee, user=member, position=position, order=k)
        )
    Membership.objects.create(
        committee=committee, user=ds.secretary, position=Position.SECRETARY, order=MEMBERS
    )
    ds.meeting = Meeting.objects.create(
        committee=committee, round=ds.open_round, number=1, year_be=OPEN_YEAR - 1,
        date=timezone.localdate(), status=MeetingStatus.IN_PROGRESS, place="ห้องประชุมทดสอบ",
        minute_taker=ds.secretary,
    )  # fmt: skip
    Attendance.objects.bulk_create(
        Attendance(meeting=ds.meeting, membership=m, presence=Attendance.Presence.PRESENT)
        for m in memberships
    )
    on_agenda = [row for row in open_rows if row["status"] == Status.ON_AGENDA][:MAX_AGENDA]
    items, votes = [], []
    for order, row in enumerate(on_agenda, start=1):
        item_pk = ids.take(AgendaItem)
        items.append(
            {"id": item_pk, "meeting_id": ds.meeting.pk, "proposal_id": row["id"], "order": order}
        )
        if order % 2:
            for k, member in enumerate(ds.members):
                votes.append({
                    "id": ids.take(Vote), "agenda_item_id": item_pk, "member_id": member.pk,
                    "choice": "approve" if k % 7 else "abstain", "amount": None,
                    "cast_at": now, "updated_at": now,
                })  # fmt: skip
    copy_rows(AgendaItem, items)
    copy_rows(Vote, votes)
    _reset_sequences()
    # Two fresh items for the concurrent-voting measurement (no votes yet).
    for k in range(2):
        proposal = Proposal.objects.get(pk=_fresh_proposal(ds, ids, now, k))
        ds.vote_items.append(
            AgendaItem.objects.create(meeting=ds.meeting, proposal=proposal, order=10_000 + k)
        )


def _fresh_proposal(ds, ids, now, k) -> int:
    pk = ids.take(Proposal)
    copy_rows(
        Proposal,
        [
            {
                "id": pk,
                "round_id": ds.open_round.pk,
                "agency_id": Agency.objects.order_by("pk").first().pk,
                "code": f"VOTE-{k + 1}",
                "status": Status.ON_AGENDA,
                "title_th": f"โครงการสำหรับวัดการลงมติพร้อมกัน {k + 1}",
                "requested_amount": Decimal("12000000.00"),
                "recommended_amount": Decimal("12000000.00"),
                "stage_id": ds.stage_downstream.pk,
                "created_at": now,
                "updated_at": now,
                "submitted_at": now,
                "lock_version": 1,
                "duration_years": 1,
            }
        ],
    )
    return pk


def _reset_sequences():
    from django.apps import apps

    models = [m for m in apps.get_models() if m._meta.app_label in
              {"directory", "proposals", "screening", "committee", "plans", "core"}]  # fmt: skip
    statements = connection.ops.sequence_reset_sql(no_style(), models)
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
