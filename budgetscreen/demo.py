"""The demo: reference data, the FY2568 round as it happened, the rounds of today's calendar
(the plan under way, published, and the open round, being submitted and screened; see
``demo_calendar``), and the demo accounts.

The history is written straight into the tables (``bulk_create``) rather than through the
workflow services. The services stamp "now" and check today's permissions, so they cannot
replay a recorded past (who moved what, on which day); a fixture loader restores it as it was,
and is fast enough to run on every ``make demo``.

Everything is looked up by a stable key (``code``, ``fiscal_year``, ``username``) before it is
created, so that running ``load_demo`` again, even days later, adds nothing twice. The rounds of
the calendar are dated relative to the day of the load that creates them and are looked up by
their fiscal year: run again within the same season, the demo finds them and leaves them as they
are (with whatever the visitors did to them). Run in a later season, it adds that season's new
rounds beside the old ones; ``make demo-reset`` shows a season on its own.
"""

import datetime
import json
import time
from collections import Counter
from decimal import Decimal
from typing import NamedTuple

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.management.base import CommandError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from budgetscreen.demo_execution import (
    load_current_execution,
    load_fy2568_amendment,
    load_fy2568_execution,
    load_pending_amendment,
)
from budgetscreen.demo_frame import load_frame_demo
from budgetscreen.demo_scores import load_scores
from committee.models import (
    AgendaItem,
    Attendance,
    Committee,
    ConflictDeclaration,
    DecisionMethod,
    Meeting,
    MeetingStatus,
    Membership,
    Position,
    Resolution,
    Vote,
)
from core.audit import record_event
from core.formatting import BE_OFFSET, fiscal_year_of, format_date_long
from directory.models import Agency, Ministry, User
from directory.roles import Role
from execution.models import ExecutionSettings, Project, QuarterlyReport
from execution.services import create_report, save_report, submit_report
from plans.models import PlanVersion
from plans.services import publish_plan
from proposals.models import (
    KPI,
    Benefit,
    BudgetLine,
    DGStrategy,
    NationalStrategy,
    PlanRound,
    Proposal,
    Stage,
    StatusChange,
    proposal_code,
)
from proposals.workflow import Status
from screening.models import CriterionAssessment, ScreeningCriterion, ScreeningReview

FIXTURES = settings.BASE_DIR / "fixtures"
DEMO_PASSWORD = "budgetscreen"  # noqa: S105 - the documented password of the demo accounts
COMMITTEE_NAME_TH = "คณะกรรมการจัดทำงบประมาณรายจ่ายแผนงานบูรณาการ แผนงานบูรณาการรัฐบาลดิจิทัล"
COMMITTEE_NAME_EN = (
    "Committee for the Integrated Budget Expenditure, Digital Government Integrated Plan"
)
SUBMITTER_AGENCY = "dlt"  # กรมการขนส่งทางบก
SUBMITTER2_AGENCY = "nso"  # สำนักงานสถิติแห่งชาติ

# username, role, first name, last name, position, agency code, committee position, order
ACCOUNTS = [
    ("submitter", Role.SUBMITTER, "สมชาย", "รักษ์ถนน",
     "นักวิชาการคอมพิวเตอร์ชำนาญการ", SUBMITTER_AGENCY, None, 0),
    ("submitter2", Role.SUBMITTER, "สุดารัตน์", "นับเลขดี",
     "นักวิชาการสถิติชำนาญการ", SUBMITTER2_AGENCY, None, 0),
    ("screener", Role.SCREENER, "ปิยะนุช", "คัดกรองดี",
     "เจ้าหน้าที่ สพร.", None, None, 0),
    ("secretary", Role.SECRETARY, "ธีรพงศ์", "บันทึกการ",
     "เจ้าหน้าที่ สพร. ฝ่ายเลขานุการ", None, Position.SECRETARY, 9),
    ("chair", Role.COMMITTEE, "ปานปรีย์", "พหิทธานุกร",
     "รองนายกรัฐมนตรี", None, Position.CHAIR, 1),
    ("member1", Role.COMMITTEE, "พวงเพ็ชร", "ชุนละเอียด",
     "รัฐมนตรีประจำสำนักนายกรัฐมนตรี", None, Position.VICE_CHAIR, 2),
    ("member2", Role.COMMITTEE, "อรุณี", "ทรัพย์สมบูรณ์",
     "ผู้แทนสำนักงบประมาณ", None, Position.MEMBER, 3),
    ("member3", Role.COMMITTEE, "วิชัย", "ปัญญาวงศ์",
     "ผู้ทรงคุณวุฒิด้านเทคโนโลยีดิจิทัล", None, Position.MEMBER, 4),
    ("member4", Role.COMMITTEE, "มาลี", "ศรีประเสริฐ",
     "ผู้แทนสำนักงานคณะกรรมการพัฒนาระบบราชการ", None, Position.MEMBER, 5),
    ("member5", Role.COMMITTEE, "ประสิทธิ์", "เจริญธรรม",
     "ผู้ทรงคุณวุฒิด้านกฎหมาย", None, Position.MEMBER, 6),
    ("budget", Role.BUDGET_OFFICE, "กาญจนา", "งบดุลดี",
     "นักวิเคราะห์งบประมาณ สำนักงบประมาณ", None, None, 0),
    ("admin", Role.ADMIN, "ผู้ดูแล", "ระบบ",
     "ผู้ดูแลระบบ", None, None, 0),
]  # fmt: skip


def load_demo(*, stdout=None, now=None) -> dict[str, int]:
    """Load the whole demo; return what was created (empty when everything was there already).

    ``now`` (default: the present) is the moment the demo's calendar and the open round's
    history are placed around; tests pass a fixed one.

    Raises ``CommandError`` unless ``settings.DEMO_DATA`` is on (the development settings
    only): the demo accounts share a published password and must never exist in a production
    configuration.
    """
    if not settings.DEMO_DATA:
        raise CommandError(
            "load_demo refuses to run without DEMO_DATA: it creates accounts whose password "
            "is published. Use the development settings (budgetscreen.settings.dev)."
        )
    now = now or timezone.now()
    calendar = demo_calendar(timezone.localdate(now))
    if calendar.open_round <= FIXTURE_YEAR:
        raise CommandError(f"The demo's calendar starts after FY{FIXTURE_YEAR}: check the clock.")
    started = time.monotonic()
    created: Counter = Counter()
    with transaction.atomic():
        ref = load_reference(created)
        load_agencies(created)
        users = ensure_accounts(created)
        committee = ensure_committee(users, created)
        load_fy2568(ref, users, committee, created)
        for year in calendar.published:
            if year > FIXTURE_YEAR:  # FY2568 is the fixture's, as it happened
                load_plan_round(year, ref, users, committee, created)
        load_open_round(calendar.open_round, ref, users, committee, now, created)
        load_scores(calendar.open_round, users, now, created)
        publish_fy2568(users, created)
        sent = submitter_projects(calendar.under_way, users["submitter"])[1:]
        load_fy2568_amendment(FIXTURE_YEAR, users, created)
        load_fy2568_execution(FIXTURE_YEAR, users, {(p.pk, 4) for p in sent}, created)
        load_reports(calendar.under_way, users, timezone.localdate(now), created)
        under_way = PlanRound.objects.filter(fiscal_year=calendar.under_way).first()
        load_current_execution(under_way, users, now, users["submitter"].agency_id, created)
        load_frame_demo(calendar.open_round, users, created)
        load_pending_amendment(under_way, users, now, created)
        if created:
            record_event("demo.loaded", extra=dict(sorted(created.items())))
    if stdout is not None:
        summary = ", ".join(f"{key} {n}" for key, n in sorted(created.items())) or "nothing new"
        stdout.write(f"Demo data loaded in {time.monotonic() - started:.1f} s: {summary}.\n")
    return dict(created)


# --- the demo's calendar ------------------------------------------------------------------

FIXTURE_YEAR = 2568  # the round of the news item, loaded from fixtures/ as it happened


class DemoCalendar(NamedTuple):
    open_round: int  # being submitted and screened; approved at the coming January meeting
    under_way: int  # the fiscal year running today
    published: tuple[int, ...]  # the plans approved and published, the one under way first


def demo_calendar(day: datetime.date) -> DemoCalendar:
    """The demo's rounds on ``day``, following the real calendar of the integrated plan.

    The committee approves the plan of fiscal year Y in January of BE year Y - 1 (FY2568 on
    31 January 2567; ``approval_day``), eight months before FY Y starts on 1 October. So:

    - the open round, being submitted and screened, is the one whose approval meeting is next:
      up to and including the day of that meeting, the round it decides; from the day after,
      the following one. FY2571 from 31 January 2569 to 29 January 2570 (its meeting; so on
      30 November 2569), FY2572 from 30 January 2570 (so in March 2570);
    - the plan under way is the fiscal year ``day`` falls in: FY2570 from 1 October 2569 to
      30 September 2570;
    - the published plans run from the one under way to the last one approved (the open
      round's minus one): one from October to the January meeting (FY2570 on 30 November
      2569), two from the meeting to September (in March 2570, FY2570 under way and FY2571,
      approved in January 2570 and starting on 1 October 2570).
    """
    open_round = day.year + BE_OFFSET + 1
    if day > approval_day(open_round):
        open_round += 1
    under_way = fiscal_year_of(day)
    return DemoCalendar(open_round, under_way, tuple(range(under_way, open_round)))


def approval_day(fiscal_year: int) -> datetime.date:
    """The committee's meeting on FY ``fiscal_year``: the last weekday of January, BE year - 1."""
    day = datetime.date(fiscal_year - 1 - BE_OFFSET, 1, 31)
    while day.weekday() >= 5:
        day -= datetime.timedelta(days=1)
    return day


# --- reference data and agencies ---------------------------------------------------------


def read_fixture(name: str) -> dict:
    with open(FIXTURES / name, encoding="utf-8") as f:
        return json.load(f)


def upsert(model, created: Counter, *, lookup: dict, values: dict):
    obj, made = model.objects.get_or_create(**lookup, defaults=values)
    if made:
        created[model._meta.model_name] += 1
    return obj


def load_reference(created: Counter) -> dict:
    """Stages, benefits, strategies; returns lookups by code/number, plus the raw criteria."""
    data = read_fixture("reference.json")
    ref = {
        "stages": {
            r["code"]: upsert(Stage, created, lookup={"code": r["code"]}, values=r)
            for r in data["stages"]
        },
        "benefits": {
            r["code"]: upsert(Benefit, created, lookup={"code": r["code"]}, values=r)
            for r in data["benefits"]
        },
        "dg_strategies": {
            r["number"]: upsert(DGStrategy, created, lookup={"number": r["number"]}, values=r)
            for r in data["dg_strategies"]
        },
        "national_strategies": {
            r["number"]: upsert(NationalStrategy, created, lookup={"number": r["number"]}, values=r)
            for r in data["national_strategies"]
        },
        "criteria": data["screening_criteria"],
    }
    return ref


def load_agencies(created: Counter) -> None:
    data = read_fixture("agencies.json")
    ministries = {
        row["code"]: upsert(Ministry, created, lookup={"code": row["code"]}, values=row)
        for row in data["ministries"]
    }
    for row in data["agencies"]:
        values = {**row, "ministry": ministries[row["ministry"]] if row["ministry"] else None}
        upsert(Agency, created, lookup={"code": row["code"]}, values=values)


def ensure_criteria(
    round_: PlanRound, ref: dict, created: Counter
) -> dict[int, ScreeningCriterion]:
    return {
        row["order"]: upsert(
            ScreeningCriterion,
            created,
            lookup={"round": round_, "order": row["order"]},
            values={"text_th": row["text_th"], "text_en": row["text_en"]},
        )
        for row in ref["criteria"]
    }


# --- people ------------------------------------------------------------------------------


def ensure_accounts(created: Counter) -> dict[str, User]:
    """The demo accounts of PRODUCT.md §5, each in the group of its role."""
    groups = {role: Group.objects.get_or_create(name=role)[0] for role in Role.values}
    existing = {u.username: u for u in User.objects.filter(username__in=[a[0] for a in ACCOUNTS])}
    password = None
    users = {}
    for username, role, first, last, position, agency_code, _, _ in ACCOUNTS:
        user = existing.get(username)
        if user is None:
            # One hash for all: hashing is deliberately slow, and the password is the same.
            password = password or make_password(DEMO_PASSWORD)
            user = User.objects.create(
                username=username, first_name=first, last_name=last, position=position,
                agency=Agency.objects.get(code=agency_code) if agency_code else None,
                email=f"{username}@demo.budgetscreen.invalid", password=password,
                is_staff=role == Role.ADMIN, is_superuser=role == Role.ADMIN,
            )  # fmt: skip
            created["user"] += 1
        user.groups.add(groups[role])
        users[username] = user
    return users


def ensure_committee(users: dict[str, User], created: Counter) -> Committee:
    committee = upsert(
        Committee,
        created,
        lookup={"name_th": COMMITTEE_NAME_TH},
        values={"name_en": COMMITTEE_NAME_EN},
    )
    for username, _, _, _, title, _, position, order in ACCOUNTS:
        if position is not None:
            upsert(Membership, created, lookup={"committee": committee, "user": users[username]},
                   values={"position": position, "title": title, "order": order})  # fmt: skip
    return committee


def ensure_attendance(
    meeting: Meeting, committee: Committee, rows: list[dict], users, created
) -> None:
    memberships = {m.user_id: m for m in committee.memberships.all()}
    for row in rows:
        membership = memberships[users[row["member"]].pk]
        upsert(Attendance, created, lookup={"meeting": meeting, "membership": membership},
               values={"presence": row["presence"], "note": row.get("note", "")})  # fmt: skip


# --- proposals and their history -----------------------------------------------------------


def when(value):
    """Fixture times are ISO strings with an offset; generated ones are already datetimes."""
    if value is None or isinstance(value, datetime.datetime):
        return value
    return datetime.datetime.fromisoformat(value)


def money(value) -> Decimal | None:
    return None if value is None else Decimal(str(value))


PROPOSAL_TEXT_FIELDS = [
    "title_th", "title_en", "project_type", "duration_years", "official_name", "official_position",
    "official_phone", "official_email", "alignment_justification", "summary", "rationale",
    "objectives", "target_group", "outputs", "outcomes",
]  # fmt: skip


def new_proposal(round_, spec, ref, agencies, users) -> Proposal:
    return Proposal(
        round=round_,
        agency=agencies[spec["agency"]],
        code=spec["code"],
        status=spec["status"],
        **{field: spec.get(field, "") for field in PROPOSAL_TEXT_FIELDS},
        stage=ref["stages"].get(spec.get("stage")),
        benefit=ref["benefits"].get(spec.get("benefit")),
        dg_strategy=ref["dg_strategies"].get(spec.get("dg_strategy")),
        national_strategy=ref["national_strategies"].get(spec.get("national_strategy")),
        requested_amount=money(spec["requested_amount"]),
        recommended_amount=money(spec.get("recommended_amount")),
        approved_amount=money(spec.get("approved_amount")),
        assigned_screener=users.get(spec.get("assigned_screener")),
        created_by=users.get(spec.get("created_by")),
        created_at=when(spec["created_at"]),
        updated_at=when(spec["updated_at"]),
        submitted_at=when(spec.get("submitted_at")),
    )


def create_proposals(
    round_, specs, *, ref, users, criteria, meeting, created, meetings=None
) -> None:
    """Create the proposals of ``specs`` that do not exist yet, with their whole history."""
    existing = set(
        Proposal.objects.filter(code__in=[s["code"] for s in specs]).values_list("code", flat=True)
    )
    specs = [s for s in specs if s["code"] not in existing]
    if not specs:
        return
    agencies = {a.code: a for a in Agency.objects.filter(code__in={s["agency"] for s in specs})}
    proposals = Proposal.objects.bulk_create(
        [new_proposal(round_, s, ref, agencies, users) for s in specs]
    )
    created["proposal"] += len(proposals)
    pairs = list(zip(specs, proposals, strict=True))
    create_contents(pairs, users, created)
    create_reviews(pairs, users, criteria, created)
    create_agenda(pairs, users, meeting, created, meetings or {})


def create_contents(pairs, users, created) -> None:
    lines = [
        BudgetLine(
            proposal=p,
            fiscal_year=line["fiscal_year"],
            category=line["category"],
            amount=money(line["amount"]),
            approved_amount=money(line.get("approved_amount")),
        )
        for spec, p in pairs
        for line in spec["budget_lines"]
    ]
    kpis = [
        KPI(
            proposal=p,
            order=k["order"],
            indicator=k["indicator"],
            unit=k["unit"],
            target=k["target"],
        )
        for spec, p in pairs
        for k in spec["kpis"]
    ]
    changes = [
        StatusChange(
            proposal=p,
            from_status=step["from_status"],
            to_status=step["to_status"],
            actor=users.get(step["actor"]),
            reason=step["reason"],
            created_at=when(step["created_at"]),
        )
        for spec, p in pairs
        for step in spec["timeline"]
    ]
    created["budgetline"] += len(BudgetLine.objects.bulk_create(lines))
    created["kpi"] += len(KPI.objects.bulk_create(kpis))
    created["statuschange"] += len(StatusChange.objects.bulk_create(changes))


def create_reviews(pairs, users, criteria, created) -> None:
    reviewed = [(spec["review"], p) for spec, p in pairs if spec.get("review")]
    reviews = ScreeningReview.objects.bulk_create(
        [
            ScreeningReview(
                proposal=p,
                screener=users[r["screener"]],
                recommendation=r["recommendation"],
                reasons=r["reasons"],
                recommended_amount=money(r["recommended_amount"]),
                amount_reason=r["amount_reason"],
                created_at=when(r["created_at"]),
            )
            for r, p in reviewed
        ]
    )
    assessments = [
        CriterionAssessment(
            review=review,
            criterion=criteria[a["criterion"]],
            result=a["result"],
            comment=a["comment"],
        )
        for (r, _), review in zip(reviewed, reviews, strict=True)
        for a in r["assessments"]
    ]
    created["screeningreview"] += len(reviews)
    created["criterionassessment"] += len(CriterionAssessment.objects.bulk_create(assessments))


def create_agenda(pairs, users, meeting, created, meetings) -> None:
    """Agenda items on ``meeting``, or on ``meetings[agenda["meeting"]]`` where a spec names one."""
    listed = [(spec["agenda"], p) for spec, p in pairs if spec.get("agenda")]
    items = AgendaItem.objects.bulk_create(
        [AgendaItem(meeting=meetings.get(a.get("meeting"), meeting), proposal=p, order=a["order"])
         for a, p in listed]
    )  # fmt: skip
    votes, conflicts, resolutions = [], [], []
    for (agenda, _), item in zip(listed, items, strict=True):
        votes += [
            Vote(
                agenda_item=item,
                member=users[v["member"]],
                choice=v["choice"],
                amount=money(v["amount"]),
                cast_at=when(v["cast_at"]),
                updated_at=when(v["cast_at"]),
            )
            for v in agenda["votes"]
        ]
        conflicts += [
            ConflictDeclaration(
                agenda_item=item,
                member=users[c["member"]],
                reason=c["reason"],
                declared_at=when(c["declared_at"]),
            )
            for c in agenda["conflicts"]
        ]
        if (r := agenda.get("resolution")) is not None:
            resolutions.append(
                Resolution(
                    agenda_item=item,
                    outcome=r["outcome"],
                    reason=r["reason"],
                    approved_amount=money(r["approved_amount"]),
                    recorded_by=users[r["recorded_by"]],
                    recorded_at=when(r["recorded_at"]),
                    # Nobody voted: the meeting decided without objection.
                    method=DecisionMethod.VOTE if agenda["votes"] else DecisionMethod.CONSENSUS,
                )
            )
    created["agendaitem"] += len(items)
    created["vote"] += len(Vote.objects.bulk_create(votes))
    created["conflictdeclaration"] += len(ConflictDeclaration.objects.bulk_create(conflicts))
    created["resolution"] += len(Resolution.objects.bulk_create(resolutions))  # fmt: skip


# --- FY2568: the round of the news item --------------------------------------------------


def publish_fy2568(users, created) -> None:
    """The secretary has published the FY2568 plan, so the budget office can download it."""
    plan_round = PlanRound.objects.get(fiscal_year=2568)
    if PlanVersion.objects.filter(round=plan_round).exists():
        return
    version = publish_plan(
        plan_round=plan_round,
        actor=users["secretary"],
        note="มติคณะกรรมการ ครั้งที่ 1/2567 วันที่ 31 มกราคม 2567",
    )
    # A week after the meeting, as for the later plans (the service stamps "now").
    published = plan_round_moments(FIXTURE_YEAR)("published")
    PlanVersion.objects.filter(pk=version.pk).update(published_at=published)
    created["planversion"] += 1


def submitter_projects(year, submitter) -> list[Project]:
    """The submitter's agency's project in the plan under way and the one before it."""
    return list(
        Project.objects.filter(agency_id=submitter.agency_id, round__fiscal_year__lte=year)
        .select_related("round")
        .order_by("-round__fiscal_year", "proposal__code")[:2]
    )


def load_reports(year, users, today, created) -> None:
    """Publishing started the plans' projects; the submitter's agency has a report to file on
    the quarter under way (a draft) and, on the project before it, one sent for the screener to
    review (on its last quarter that has begun)."""
    under_way = PlanRound.objects.filter(fiscal_year=year).first()
    if under_way is not None and not ExecutionSettings.objects.filter(round=under_way).exists():
        ExecutionSettings.objects.create(
            round=under_way, target_q1=Decimal("30"), target_q2=Decimal("52"),
            target_q3=Decimal("77"), target_q4=Decimal("100"),
            targets_note="ตัวเลขสมมติเพื่อการสาธิต (illustrative figures for the demonstration)",
        )  # fmt: skip
        created["executionsettings"] += 1
    submitter = users["submitter"]
    projects = submitter_projects(year, submitter)
    # The plans' history (``demo_execution``) leaves the sent report's quarter to this.
    if not projects or QuarterlyReport.objects.filter(project=projects[0]).exists():
        return
    quarter = (today.month - 10) % 12 // 3 + 1  # October–December is the first
    fiscal_year = fiscal_year_of(today)
    if projects[0].round.fiscal_year == fiscal_year:
        create_report(project=projects[0], fiscal_year=fiscal_year, quarter=quarter,
                      actor=submitter)  # fmt: skip
        created["quarterlyreport"] += 1
    if len(projects) > 1:
        project = projects[1]
        last_year = project.round.fiscal_year
        sent = create_report(
            project=project, fiscal_year=last_year, actor=submitter,
            quarter=4 if last_year < fiscal_year else quarter,
        )  # fmt: skip
        lines = {line.category: line for line in sent.lines.all()}
        limits = dict(project.baseline.filter(fiscal_year=last_year).values_list(
            "category", "approved_amount"))  # fmt: skip
        save_report(
            report=sent, actor=submitter, progress="on_track",
            texts={"milestones": "ส่งมอบระบบและฝึกอบรมผู้ใช้งานแล้ว", "problems": "",
                   "help_requested": ""},
            amounts={c: ((limits[c] * Decimal("0.9")).quantize(Decimal("0.01")), Decimal("0"))
                     for c in lines},
            kpi_actuals={},
        )  # fmt: skip
        submit_report(report=sent, actor=submitter)
        created["quarterlyreport"] += 1


def load_fy2568(ref, users, committee, created) -> None:
    data = read_fixture("fy2568.json")
    r = data["round"]
    round_ = upsert(
        PlanRound,
        created,
        lookup={"fiscal_year": r["fiscal_year"]},
        values={
            "name_th": r["name_th"],
            "name_en": r["name_en"],
            "budget_frame": money(r["budget_frame"]),
            "submission_opens_at": when(r["submission_opens_at"]),
            "submission_closes_at": when(r["submission_closes_at"]),
        },
    )
    criteria = ensure_criteria(round_, ref, created)
    m = data["meeting"]
    opened = timezone.make_aware(
        datetime.datetime.combine(
            datetime.date.fromisoformat(m["date"]), datetime.time.fromisoformat(m["start_time"])
        )
    )
    meeting = upsert(
        Meeting,
        created,
        lookup={"committee": committee, "number": m["number"], "year_be": m["year_be"]},
        values={
            "round": round_,
            "date": datetime.date.fromisoformat(m["date"]),
            "start_time": datetime.time.fromisoformat(m["start_time"]),
            "end_time": datetime.time.fromisoformat(m["end_time"]),
            "place": m["place"],
            "status": m["status"],
            "opened_at": opened,
            "closed_at": when(m["closed_at"]),
            "others_attending": m["others_attending"],
            "minute_taker": users[m["minute_taker"]],
        },
    )
    ensure_attendance(meeting, committee, m["attendance"], users, created)
    if round_.proposals.exists():
        # Made whole at its first load: a demo loaded before the codes changed keeps its own.
        return
    create_proposals(
        round_,
        data["proposals"],
        ref=ref,
        users=users,
        criteria=criteria,
        meeting=meeting,
        created=created,
    )


# --- the open round: something for every role ----------------------------------------------

# agency, status, stage, benefit, Thai title, English title, requested baht, years, approved
OPEN_ROUND = [
    ("dlt", Status.DRAFT, "downstream", "e2e_services",
     "โครงการพัฒนาระบบต่อภาษีรถและใบอนุญาตขับขี่แบบเบ็ดเสร็จ",
     "End-to-end vehicle tax and driving licence renewal", 48_500_000, 2, None),
    ("dlt", Status.DRAFT, "upstream", "transformation",
     "โครงการจัดทำมาตรฐานข้อมูลยานพาหนะและผู้ขับขี่",
     "Vehicle and driver data standards", 12_800_000, 1, None),
    ("dlt", Status.RETURNED, "midstream", "common_platform",
     "โครงการเชื่อมโยงข้อมูลทะเบียนรถกับหน่วยงานภาครัฐ",
     "Vehicle registration data exchange with government agencies", 35_200_000, 2, None),
    ("dlt", Status.SUBMITTED, "downstream", "e2e_services",
     "โครงการพัฒนาระบบจองคิวและสอบใบอนุญาตขับขี่ออนไลน์",
     "Online booking and testing for driving licences", 22_000_000, 1, None),
    ("nso", Status.DRAFT, "upstream", "transformation",
     "โครงการพัฒนาบัญชีข้อมูลสถิติทางการ",
     "Official statistics data catalogue", 18_000_000, 1, None),
    ("nso", Status.SUBMITTED, "midstream", "common_platform",
     "โครงการพัฒนาแพลตฟอร์มแลกเปลี่ยนข้อมูลสถิติภาครัฐ",
     "Government statistical data exchange platform", 41_600_000, 2, None),
    ("nso", Status.FORWARDED, "upstream", "transformation",
     "โครงการสำมะโนประชากรและเคหะด้วยระบบดิจิทัล",
     "Digital population and housing census", 96_300_000, 3, None),
    ("dopa", Status.SUBMITTED, "downstream", "e2e_services",
     "โครงการพัฒนาบริการทะเบียนราษฎรออนไลน์",
     "Online civil registration services", 64_000_000, 2, None),
    ("rd", Status.SUBMITTED, "downstream", "e2e_services",
     "โครงการพัฒนาระบบยื่นแบบและคืนภาษีอัตโนมัติ",
     "Pre-filled tax returns and automatic refunds", 120_000_000, 2, None),
    ("dbd", Status.WITHDRAWN, "downstream", "e2e_services",
     "โครงการพัฒนาระบบจดทะเบียนนิติบุคคลผ่านอุปกรณ์เคลื่อนที่",
     "Mobile company registration", 15_400_000, 1, None),
    ("moph-ops", Status.INELIGIBLE, "upstream", "transformation",
     "โครงการจัดหาเครื่องคอมพิวเตอร์สำนักงาน",
     "Office computer procurement", 9_800_000, 1, None),
    ("dla", Status.FORWARDED, "midstream", "common_platform",
     "โครงการพัฒนาแพลตฟอร์มบริการดิจิทัลสำหรับองค์กรปกครองส่วนท้องถิ่น",
     "Digital service platform for local administrations", 150_000_000, 3, None),
    ("cdd", Status.FORWARDED, "downstream", "e2e_services",
     "โครงการพัฒนาตลาดออนไลน์สินค้าชุมชน",
     "Online marketplace for community products", 27_500_000, 1, None),
    ("doae", Status.APPROVED, "upstream", "transformation",
     "โครงการพัฒนาทะเบียนเกษตรกรดิจิทัล",
     "Digital farmer registry", 58_000_000, 2, 58_000_000),
    ("sso", Status.APPROVED_REDUCED, "downstream", "e2e_services",
     "โครงการพัฒนาระบบบริการผู้ประกันตนแบบเบ็ดเสร็จ",
     "End-to-end services for insured persons", 88_000_000, 2, 79_200_000),
    ("customs", Status.REJECTED, "midstream", "transformation",
     "โครงการพัฒนาระบบบริหารเอกสารภายใน",
     "Internal document management", 14_600_000, 1, None),
    ("dol", Status.DEFERRED, "upstream", "transformation",
     "โครงการจัดทำข้อมูลรูปแปลงที่ดินดิจิทัล",
     "Digital land parcel data", 73_000_000, 2, None),
    ("dga", Status.ON_AGENDA, "midstream", "common_platform",
     "โครงการพัฒนาแพลตฟอร์มกลางบริการภาครัฐทางรัฐ ระยะที่ 3",
     "Tang Rat government service platform, phase 3", 210_000_000, 3, None),
    ("dopa", Status.ON_AGENDA, "midstream", "common_platform",
     "โครงการเชื่อมโยงข้อมูลทะเบียนราษฎรผ่านศูนย์แลกเปลี่ยนข้อมูลกลาง",
     "Civil registration data exchange through the central exchange", 45_000_000, 1, None),
    ("ddc", Status.ON_AGENDA, "downstream", "e2e_services",
     "โครงการพัฒนาระบบเฝ้าระวังโรคติดต่อแบบดิจิทัล",
     "Digital communicable disease surveillance", 39_800_000, 2, None),
    ("dbd", Status.ON_AGENDA, "downstream", "e2e_services",
     "โครงการพัฒนาศูนย์บริการภาคธุรกิจแบบดิจิทัล",
     "Digital one-stop service for businesses", 52_000_000, 1, None),
]  # fmt: skip

# The plans the committee has approved (the plan under way): every project decided at the
# January meeting, most of them approved. Same columns.
PLAN = [
    ("dga", Status.APPROVED, "midstream", "common_platform",
     "โครงการพัฒนาแพลตฟอร์มกลางบริการภาครัฐทางรัฐ ระยะที่ 2",
     "Tang Rat government service platform, phase 2", 185_000_000, 2, 185_000_000),
    ("dopa", Status.APPROVED, "midstream", "common_platform",
     "โครงการพัฒนาระบบยืนยันตัวตนทางดิจิทัลสำหรับประชาชน",
     "Digital identity for citizens", 96_000_000, 2, 96_000_000),
    ("dlt", Status.APPROVED, "downstream", "e2e_services",
     "โครงการพัฒนาระบบชำระภาษีรถประจำปีผ่านแอปพลิเคชัน",
     "Annual vehicle tax payment by mobile application", 31_500_000, 1, 31_500_000),
    ("nso", Status.APPROVED, "upstream", "transformation",
     "โครงการพัฒนาระบบบัญชีข้อมูลภาครัฐ ระยะที่ 2",
     "Government data catalogue, phase 2", 24_800_000, 1, 24_800_000),
    ("rd", Status.APPROVED_REDUCED, "downstream", "e2e_services",
     "โครงการพัฒนาระบบใบกำกับภาษีอิเล็กทรอนิกส์สำหรับผู้ประกอบการรายย่อย",
     "E-tax invoices for small businesses", 142_000_000, 2, 127_800_000),
    ("customs", Status.APPROVED, "midstream", "common_platform",
     "โครงการเชื่อมโยงข้อมูลการนำเข้าส่งออกผ่านระบบ National Single Window",
     "Import and export data exchange through the National Single Window",
     68_500_000, 2, 68_500_000),
    ("dld", Status.APPROVED, "upstream", "transformation",
     "โครงการจัดทำทะเบียนปศุสัตว์ดิจิทัล",
     "Digital livestock registry", 27_600_000, 1, 27_600_000),
    ("dbd", Status.APPROVED, "downstream", "e2e_services",
     "โครงการพัฒนาระบบจดทะเบียนธุรกิจแบบเบ็ดเสร็จ",
     "One-stop business registration", 53_200_000, 2, 53_200_000),
    ("dms", Status.APPROVED_REDUCED, "midstream", "common_platform",
     "โครงการพัฒนาระบบแลกเปลี่ยนข้อมูลสุขภาพระหว่างโรงพยาบาล",
     "Health record exchange between hospitals", 118_000_000, 3, 98_000_000),
    ("doae", Status.APPROVED, "downstream", "e2e_services",
     "โครงการพัฒนาระบบขึ้นทะเบียนและรับเงินช่วยเหลือเกษตรกรออนไลน์",
     "Online farmer registration and assistance payments", 44_300_000, 1, 44_300_000),
    ("employment", Status.APPROVED, "downstream", "e2e_services",
     "โครงการพัฒนาแพลตฟอร์มจับคู่งานภาครัฐ",
     "Government job matching platform", 36_900_000, 2, 36_900_000),
    ("dol", Status.APPROVED_REDUCED, "upstream", "transformation",
     "โครงการจัดทำระบบสารบบที่ดินดิจิทัล ระยะที่ 1",
     "Digital land records, phase 1", 82_000_000, 2, 70_000_000),
    ("ddpm", Status.APPROVED, "midstream", "common_platform",
     "โครงการพัฒนาระบบแจ้งเตือนภัยพิบัติผ่านโทรศัพท์เคลื่อนที่",
     "Mobile disaster alerts", 58_700_000, 1, 58_700_000),
    ("obec", Status.APPROVED, "upstream", "transformation",
     "โครงการพัฒนาฐานข้อมูลนักเรียนรายบุคคล",
     "Individual student records", 39_400_000, 1, 39_400_000),
    ("moi-ops", Status.REJECTED, "upstream", "transformation",
     "โครงการจัดหาระบบจัดเก็บข้อมูลสำรองของสำนักงานปลัด",
     "Backup storage for the permanent secretary's office", 21_000_000, 1, None),
    ("dot", Status.REJECTED, "downstream", "e2e_services",
     "โครงการพัฒนาเว็บไซต์ประชาสัมพันธ์การท่องเที่ยว",
     "Tourism promotion website", 12_500_000, 1, None),
    ("dwr", Status.DEFERRED, "upstream", "transformation",
     "โครงการพัฒนาระบบข้อมูลทรัพยากรน้ำบาดาลแห่งชาติ",
     "National groundwater information system", 47_000_000, 2, None),
]  # fmt: skip

DECIDED = [Status.APPROVED, Status.APPROVED_REDUCED, Status.REJECTED, Status.DEFERRED]
RETURN_REASON = ("กรุณาระบุหน่วยงานปลายทางที่จะเชื่อมโยงข้อมูลและมาตรฐานการเชื่อมโยง "
                 "และแยกค่าใช้จ่ายตามปีงบประมาณให้ชัดเจน")  # fmt: skip
RESOLUTION_REASONS = {
    Status.APPROVED: "",
    Status.APPROVED_REDUCED: "ปรับลดค่าพัฒนาระบบส่วนที่ใช้แพลตฟอร์มกลางภาครัฐแทนได้",
    Status.REJECTED: "เป็นงานประจำของหน่วยงาน ควรใช้งบประมาณปกติ",
    Status.DEFERRED: "ให้หน่วยงานหารือกรมที่ดินกับหน่วยงานที่จัดทำแผนที่ฐานก่อนนำเสนออีกครั้ง",
}
VOTE_FOR = {Status.APPROVED: "approve", Status.APPROVED_REDUCED: "approve_reduced",
            Status.REJECTED: "reject", Status.DEFERRED: "abstain"}  # fmt: skip
VOTERS = ["chair", "member1", "member2", "member3", "member4", "member5"]


def round_names(fiscal_year: int) -> dict:
    return {
        "name_th": f"แผนงานบูรณาการรัฐบาลดิจิทัล ประจำปีงบประมาณ พ.ศ. {fiscal_year}",
        "name_en": f"Digital Government integrated plan, fiscal year {fiscal_year}",
    }


def new_round(fiscal_year, created, **values) -> PlanRound | None:
    """The round of ``fiscal_year``, made now; ``None`` when it is in the database already.

    A round of the calendar is made whole at once, so one found is left as it is: loaded again
    the same season, the demo changes nothing, whatever day it is.
    """
    if PlanRound.objects.filter(fiscal_year=fiscal_year).exists():
        return None
    created["planround"] += 1
    return PlanRound.objects.create(fiscal_year=fiscal_year, **round_names(fiscal_year), **values)


def new_meeting(round_, committee, users, created, *, day, closed_at, opened_at=None) -> Meeting:
    """A meeting of the round on ``day``, closed at ``closed_at`` or in progress when None;
    opened at ``opened_at`` (by default 09:30 that day, before its decisions at 10:10).

    Its number follows the committee's other meetings of the BE year it is held in, so that
    its label (``2/2569``) reads right.
    """
    year_be = day.year + BE_OFFSET
    same_year = Meeting.objects.filter(committee=committee, year_be=year_be)
    last = same_year.aggregate(n=Max("number"))["n"]
    created["meeting"] += 1
    meeting = Meeting.objects.create(
        committee=committee, round=round_, number=(last or 0) + 1, year_be=year_be, date=day,
        start_time=datetime.time(9, 30), end_time=datetime.time(12, 0) if closed_at else None,
        place="ทำเนียบรัฐบาล",
        status=MeetingStatus.CLOSED if closed_at else MeetingStatus.IN_PROGRESS,
        opened_at=opened_at or at_local(day, 9, 30), closed_at=closed_at,
        others_attending="ผู้แทนสำนักงบประมาณ", minute_taker=users["secretary"],
    )  # fmt: skip
    ensure_attendance(meeting, committee,
                      [{"member": m, "presence": "present"} for m in [*VOTERS, "secretary"]],
                      users, created)  # fmt: skip
    return meeting


def load_open_round(year, ref, users, committee, now, created) -> None:
    """The open round; its window and history are placed relative to the load that makes it."""
    round_ = new_round(
        year, created, budget_frame=Decimal("9000000000.00"),
        submission_opens_at=now - datetime.timedelta(days=30),
        submission_closes_at=now + datetime.timedelta(days=14),
    )  # fmt: skip
    if round_ is None:
        return
    criteria = ensure_criteria(round_, ref, created)
    # Last week's meeting decided some proposals and is closed (its resolutions have taken
    # effect); today's meeting is in progress with items still waiting for votes.
    earlier = ensure_open_round_meeting(round_, committee, users, now, created, earlier=True)
    today = ensure_open_round_meeting(round_, committee, users, now, created, earlier=False)
    decided = [row for row in OPEN_ROUND if row[1] in DECIDED]
    waiting = [row for row in OPEN_ROUND if row[1] == Status.ON_AGENDA]
    orders = {id(row): i for group in (decided, waiting) for i, row in enumerate(group, start=1)}
    at = open_round_moments(now)
    specs = [proposal_spec(year, number, row, at, agenda_order=orders.get(id(row)))
             for number, row in enumerate(OPEN_ROUND, start=1)]  # fmt: skip
    create_proposals(
        round_, specs, ref=ref, users=users, criteria=criteria, meeting=today, created=created,
        meetings={"earlier": earlier},
    )  # fmt: skip


def ensure_open_round_meeting(round_, committee, users, now, created, *, earlier) -> Meeting:
    """The open round's meeting a week ago (closed at noon) or today's (in progress)."""
    day = timezone.localdate(now) - datetime.timedelta(days=7 if earlier else 0)
    closed_at = at_local(day, 12) if earlier else None
    # Today's meeting was opened before the page is read (the committee sits from 09:30).
    opened_at = None if earlier else now - datetime.timedelta(minutes=90)
    return new_meeting(
        round_, committee, users, created, day=day, closed_at=closed_at, opened_at=opened_at
    )


def at_local(day, hour, minute=0, second=0) -> datetime.datetime:
    """``day`` at that time of day, in the app's time zone (Bangkok)."""
    time = datetime.time(hour, minute, second)
    return datetime.datetime.combine(day, time, tzinfo=timezone.get_default_timezone())


def open_round_moments(now):
    """``at(phase, minutes)``: when the open round's proposals took each step, before ``now``.

    The decisions are taken during last week's meeting (from 09:30), whatever the hour now.
    """
    days = {"created": 25, "submitted": 20, "withdrawn": 12, "screened": 10, "listed_decided": 9,
            "listed": 3}  # fmt: skip
    decided = at_local(timezone.localdate(now) - datetime.timedelta(days=7), 10, 10)

    def at(phase, minutes=0):
        moment = decided if phase == "decided" else now - datetime.timedelta(days=days[phase])
        return moment - datetime.timedelta(minutes=minutes)

    return at


def plan_round_moments(fiscal_year):
    """``at(phase, minutes)`` for a round approved at its January meeting (``approval_day``).

    Submissions from 1 October to 15 December, screening early in January, the agenda a week
    before the meeting, the decisions during the meeting.
    """
    meeting = approval_day(fiscal_year)
    opens = datetime.date(meeting.year - 1, 10, 1)
    on, days = at_local, lambda n: datetime.timedelta(days=n)
    moments = {
        "opens": on(opens, 0),
        "created": on(opens + days(20), 16),
        "submitted": on(datetime.date(opens.year, 12, 10), 16),
        "closes": on(datetime.date(opens.year, 12, 15), 23, 59, 59),
        "screened": on(meeting - days(21), 15),
        "listed_decided": on(meeting - days(7), 14),
        "decided": on(meeting, 10, 10),
        "closed": on(meeting, 12),
        "published": on(meeting + days(7), 10),
    }
    return lambda phase, minutes=0: moments[phase] - datetime.timedelta(minutes=minutes)


def load_plan_round(year, ref, users, committee, created) -> None:
    """A round approved at its January meeting and published by the secretary a week later."""
    at = plan_round_moments(year)
    round_ = new_round(
        year,
        created,
        budget_frame=Decimal("1000000000.00"),
        submission_opens_at=at("opens"),
        submission_closes_at=at("closes"),
    )
    if round_ is None:
        return
    criteria = ensure_criteria(round_, ref, created)
    day = approval_day(year)
    meeting = new_meeting(round_, committee, users, created, day=day, closed_at=at("closed"))
    specs = [proposal_spec(year, number, row, at, agenda_order=number)
             for number, row in enumerate(PLAN, start=1)]  # fmt: skip
    create_proposals(
        round_, specs, ref=ref, users=users, criteria=criteria, meeting=meeting, created=created
    )
    version = publish_plan(
        plan_round=round_,
        actor=users["secretary"],
        note=f"มติคณะกรรมการ ครั้งที่ {meeting.number_label} วันที่ {format_date_long(day, 'th')}",
    )
    # Published back then, as the record of the meeting says (the service stamps "now").
    PlanVersion.objects.filter(pk=version.pk).update(published_at=at("published"))
    created["planversion"] += 1


def proposal_spec(year, number, row, at, *, agenda_order) -> dict:
    """One proposal of the FY ``year`` round in the fixture's shape, history ending at ``status``.

    ``at(phase, minutes)`` says when each step was taken (``open_round_moments``).
    """
    agency, status, stage, benefit, title_th, title_en, requested, years, approved = row
    code = proposal_code(year, number)
    partial = number == 1 and status == Status.DRAFT  # the open round's first draft is only begun
    spec = {
        "code": code,
        "agency": agency,
        "status": status,
        "stage": stage,
        "benefit": benefit,
        "title_th": title_th,
        "title_en": title_en,
        "project_type": "new",
        "duration_years": years,
        "dg_strategy": {"upstream": 1, "midstream": 1, "downstream": 2}[stage],
        "national_strategy": 6,
        "created_by": {SUBMITTER_AGENCY: "submitter", SUBMITTER2_AGENCY: "submitter2"}.get(agency),
        "created_at": at("created", number),
        "updated_at": at("created", number),
        "requested_amount": 0,
        "budget_lines": [],
        "kpis": [],
        "timeline": [
            {
                "from_status": "",
                "to_status": "draft",
                "actor": None,
                "created_at": at("created", number),
                "reason": "",
            }
        ],
    }
    spec["timeline"][0]["actor"] = spec["created_by"]
    if not partial:
        spec.update(proposal_content(year, code, title_th, stage, requested, years))
    if status != Status.DRAFT:
        walk_history(spec, status, requested, approved, at, agenda_order, year)
    spec["updated_at"] = spec["timeline"][-1]["created_at"]
    return spec


def proposal_content(year, code, title_th, stage, requested, years) -> dict:
    operating = requested * 2 // 5 // 100 * 100
    lines = [
        {"fiscal_year": year, "category": "operating", "amount": operating},
        {"fiscal_year": year, "category": "investment", "amount": requested - operating},
    ]
    lines += [
        {"fiscal_year": year + k, "category": "operating", "amount": operating // 2 // 100 * 100}
        for k in range(1, years)
    ]
    return {
        "requested_amount": requested,
        "budget_lines": lines,
        "official_name": "นางสาวพิมพ์ชนก ทองประเสริฐ",
        "official_position": "ผู้อำนวยการศูนย์เทคโนโลยีสารสนเทศและการสื่อสาร",
        "official_phone": f"0 2000 9{code[-3:]}",
        "official_email": f"official.{code.lower()}@example.com",
        "alignment_justification": "สอดคล้องกับห่วงโซ่คุณค่าของแผนงานและแผนพัฒนารัฐบาลดิจิทัลของประเทศไทย",
        "summary": f"{title_th} เพื่อให้บริการและข้อมูลของหน่วยงานเชื่อมโยงกับหน่วยงานอื่นได้",
        "rationale": "กระบวนงานเดิมยังใช้เอกสารกระดาษและข้อมูลไม่เชื่อมโยงกัน ทำให้ผู้รับบริการเสียเวลา",
        "objectives": "1. ลดขั้นตอนและระยะเวลาการให้บริการ\n2. ใช้ข้อมูลร่วมกับหน่วยงานอื่นโดยไม่ซ้ำซ้อน",
        "target_group": "ประชาชน ภาคธุรกิจ และหน่วยงานภาครัฐที่เกี่ยวข้อง",
        "outputs": "ระบบที่พัฒนาแล้วเสร็จและเปิดให้บริการ",
        "outcomes": "ผู้รับบริการได้รับบริการเร็วขึ้นและลดการยื่นเอกสารซ้ำ",
        "kpis": [
            {
                "order": 1,
                "indicator": "จำนวนกระบวนงานที่ให้บริการผ่านระบบ",
                "unit": "กระบวนงาน",
                "target": "10",
            },
            {"order": 2, "indicator": "ระดับความพึงพอใจของผู้ใช้งาน", "unit": "ร้อยละ", "target": "85"},
        ],
    }


def step(spec, to_status, actor, at, reason="") -> None:
    spec["timeline"].append(
        {
            "from_status": spec["timeline"][-1]["to_status"],
            "to_status": to_status,
            "actor": actor,
            "created_at": at,
            "reason": reason,
        }
    )


def review_spec(recommendation, reasons, recommended, at, *, not_met=None) -> dict:
    return {
        "screener": "screener", "recommendation": recommendation, "reasons": reasons,
        "recommended_amount": recommended, "amount_reason": "", "created_at": at,
        "assessments": [{"criterion": n, "result": "not_met" if n == not_met else "met",
                         "comment": reasons if n == not_met else ""} for n in range(1, 8)],
    }  # fmt: skip


def walk_history(spec, status, requested, approved, at, agenda_order, year) -> None:
    """Submit, then screen, list and decide as far as ``status`` asks."""
    spec["submitted_at"] = at("submitted", int(spec["code"][-3:]))
    step(spec, Status.SUBMITTED, spec["created_by"], spec["submitted_at"])
    if status == Status.SUBMITTED:
        spec["assigned_screener"] = None if spec["agency"] == "rd" else "screener"
        return
    if status == Status.WITHDRAWN:
        step(spec, Status.WITHDRAWN, None, at("withdrawn"), "หน่วยงานได้รับงบประมาณจากแหล่งอื่นแล้ว")
        return
    spec["assigned_screener"] = "screener"
    if status == Status.RETURNED:
        spec["review"] = review_spec("return", RETURN_REASON, None, at("screened"), not_met=4)
        step(spec, Status.RETURNED, "screener", at("screened"), RETURN_REASON)
        return
    if status == Status.INELIGIBLE:
        reason = "เป็นการจัดหาครุภัณฑ์สำนักงานทั่วไป ไม่อยู่ในห่วงโซ่คุณค่าของแผนงานบูรณาการ"
        spec["review"] = review_spec("ineligible", reason, None, at("screened"), not_met=1)
        step(spec, Status.INELIGIBLE, "screener", at("screened"), reason)
        return
    recommended = approved if approved is not None else requested
    spec["recommended_amount"] = recommended
    spec["review"] = review_spec("forward", "ผ่านเกณฑ์การพิจารณาครบทุกข้อ", recommended, at("screened"))
    step(spec, Status.FORWARDED, "screener", at("screened"))
    if status == Status.FORWARDED:
        return
    # Decided items were listed for the meeting that decided them, before it.
    step(
        spec, Status.ON_AGENDA, "secretary", at("listed_decided" if status in DECIDED else "listed")
    )
    spec["agenda"] = {"order": agenda_order, "conflicts": [], "votes": []}
    if status in DECIDED:
        spec["agenda"]["meeting"] = "earlier"
        decide(spec, status, approved, at("decided", 40 - 5 * agenda_order), year)


def decide(spec, status, approved, at, year) -> None:
    """The meeting decided these items unanimously; its resolutions took effect."""
    reason = RESOLUTION_REASONS[status]
    spec["approved_amount"] = approved
    if approved is not None:
        current = [line for line in spec["budget_lines"] if line["fiscal_year"] == year]
        share = approved * current[0]["amount"] // spec["requested_amount"] // 100 * 100
        current[0]["approved_amount"], current[1]["approved_amount"] = share, approved - share
    choice = VOTE_FOR[status]
    spec["agenda"]["votes"] = [
        {
            "member": m,
            "choice": choice,
            "amount": approved if choice == "approve_reduced" else None,
            "cast_at": at,
        }
        for m in VOTERS
    ]
    spec["agenda"]["resolution"] = {
        "outcome": status,
        "approved_amount": approved,
        "reason": reason,
        "recorded_by": "secretary",
        "recorded_at": at,
    }
    step(spec, status, "secretary", at, reason)
