"""The demo's execution history: quarterly reports written straight into the tables.

As for the rest of the demo's history (see ``budgetscreen.demo``), the reports carry their
recorded dates and are bulk-created, not replayed through the services (which stamp "now").

- FY2568: every project of the plan reported on its four quarters, each report accepted by the
  screener a few days after it was sent; some were returned once and resubmitted (two versions);
  some projects finished under budget. Amounts are cumulative, exact to the satang and never
  more than the approved amount of their expense category.
  One project's last report was returned and never sent again: it is overdue whatever the
  day the demo is loaded, so the overdue list, the reminders and their escalation to the
  responsible DGA officer have something to show.
- FY2568's amendment: the submitter's agency moved money between two expense categories of
  its project (total unchanged), DGA approved it and the secretary published version 2 of the
  plan, whose comparison with version 1 shows the moved lines.
- The plan under way: the quarters already over are reported and accepted (but one, which is
  overdue once its due date has passed); on the quarter under way the projects' reports are in
  every state (accepted, returned, submitted, draft) and one project reports it is at risk; an
  amendment of the submitter's agency awaits DGA's decision.

Each part is written once: it is skipped when its plan has reports (or amendments) already.
The amendments go through the services (the rules and audit events are theirs), then get their
recorded dates.
"""

import datetime
from decimal import ROUND_DOWN, Decimal

from django.utils import timezone

from core.formatting import fiscal_year_of
from execution.models import (
    Amendment,
    KPIActual,
    Project,
    QuarterlyReport,
    ReportLine,
    ReportVersion,
    quarter_bounds,
)
from execution.services import decide_amendment, request_amendment
from execution.workflow import ProgressStatus, ReportStatus
from plans.models import PlanVersion
from plans.services import publish_plan
from proposals.models import KPI, BudgetLine

CENT = Decimal("0.01")
BATCH = 1000
# Cumulative shares of each category's approved amount at the end of each quarter.
DISBURSED = [Decimal("0.10"), Decimal("0.30"), Decimal("0.60"), Decimal("1.00")]
COMMITTED = [Decimal("0.50"), Decimal("0.45"), Decimal("0.30"), Decimal("0")]
MILESTONES = [
    "ลงนามสัญญาจ้างและส่งมอบแผนการดำเนินงาน",
    "ออกแบบระบบและจัดหาอุปกรณ์แล้วเสร็จ",
    "พัฒนาระบบและทดสอบการใช้งานร่วมกับหน่วยงานที่เกี่ยวข้อง",
    "ส่งมอบระบบ ฝึกอบรมผู้ใช้งาน และตรวจรับงานงวดสุดท้าย",
]
RETURN_COMMENT = "ยอดเบิกจ่ายสะสมไม่ตรงกับรายงานของกรมบัญชีกลาง (GFMIS) กรุณาตรวจสอบและแนบหลักฐานการเบิกจ่าย"
RISK_PROBLEMS = "ผู้รับจ้างส่งมอบงานล่าช้ากว่าแผน เนื่องจากการเชื่อมโยงข้อมูลกับหน่วยงานภายนอก"
RISK_HELP = "ขอให้ สพร. ประสานหน่วยงานเจ้าของข้อมูลเพื่อเร่งการเชื่อมโยง"
SCOPE_REASON = (
    "หน่วยงานเจ้าของข้อมูลขอเลื่อนการเชื่อมโยงข้อมูลออกไปเป็นปีงบประมาณถัดไป "
    "จึงขอปรับขอบเขตงานให้สอดคล้องกับแผนการเชื่อมโยงที่ตกลงใหม่"
)
SCOPE_CHANGE = "ย้ายงานเชื่อมโยงข้อมูลกับหน่วยงานภายนอกไปไว้ในระยะที่ 2 และเพิ่มการทดสอบระบบกับผู้ใช้งานจริง"
# FY2568: the index (in the order of the codes) of the project whose last report was returned
# and never sent again.
OVERDUE_FY2568 = 7
OVERDUE_COMMENT = "ขอให้แนบหลักฐานการตรวจรับงานงวดสุดท้ายและรายงานผลตัวชี้วัดให้ครบถ้วน"
AMENDMENT_REASON = (
    "ค่าจ้างที่ปรึกษาและค่าใช้จ่ายในการฝึกอบรมผู้ใช้งานสูงกว่าที่ประมาณการไว้ "
    "ขณะที่ราคาครุภัณฑ์ที่จัดซื้อต่ำกว่าราคากลาง จึงขอโอนเงินจากงบลงทุนไปงบดำเนินงาน"
)
PENDING_REASON = (
    "ผลการสำรวจความต้องการของผู้ใช้งานพบว่าต้องเพิ่มการเชื่อมโยงข้อมูลกับหน่วยงานภายนอก "
    "จึงขอโอนเงินระหว่างงบรายจ่ายเพื่อจ้างพัฒนาส่วนเชื่อมต่อเพิ่มเติม"
)


def share(amount: Decimal, fraction: Decimal) -> Decimal:
    """``fraction`` of ``amount``, rounded down to the satang (never above the amount)."""
    return (amount * fraction).quantize(CENT, rounding=ROUND_DOWN)


def final_share(index: int) -> Decimal:
    """Most projects spend everything; every fifth finishes under budget (90–96 %)."""
    return Decimal("0.90") + Decimal(index % 7) / 100 if index % 5 == 2 else Decimal("1.00")


def moment(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


class Writer:
    """Collects the rows of many reports and writes them in a few bulk inserts."""

    def __init__(self, users):
        self.users = users
        self.reports: list[QuarterlyReport] = []
        self.rows: list[tuple] = []  # (lines, kpi actuals, versions) of each report

    def add(self, project, year, quarter, *, amounts, kpis, history, **fields) -> None:
        """``amounts``: category → (disbursed, committed); ``kpis``: [(kpi, actual)];
        ``history``: (status, created, submissions, reviewed); a submission is a moment and
        the snapshot's overrides."""
        status, created, submissions, reviewed = history
        report = QuarterlyReport(
            project=project, fiscal_year=year, quarter=quarter, status=status,
            created_by=self.author(project),
            created_at=created, updated_at=reviewed or (submissions or [(created, {})])[-1][0],
            submitted_at=submissions[-1][0] if submissions else None,
            reviewed_by=self.users["screener"] if reviewed else None, reviewed_at=reviewed,
            **fields,
        )  # fmt: skip
        lines = [ReportLine(category=c, disbursed=d, committed=m) for c, (d, m) in amounts.items()]
        actuals = [KPIActual(kpi=kpi, actual=actual) for kpi, actual in kpis]
        snapshot = self.snapshot(report, quarter, amounts, kpis)
        versions = [
            ReportVersion(number=n, snapshot={**snapshot, **changes}, created_at=at)
            for n, (at, changes) in enumerate(submissions, start=1)
        ]
        self.reports.append(report)
        self.rows.append((lines, actuals, versions))

    def author(self, project):
        """The demo's submitter wrote its agency's reports; other agencies have no account."""
        submitter = self.users["submitter"]
        return submitter if project.agency_id == submitter.agency_id else None

    @staticmethod
    def snapshot(report, quarter, amounts, kpis) -> dict:
        """As ``execution.selectors.report_snapshot`` writes it."""
        return {
            "fiscal_year": report.fiscal_year, "quarter": quarter, "progress": report.progress,
            "milestones": report.milestones, "problems": report.problems,
            "help_requested": report.help_requested,
            "lines": [{"category": c, "disbursed": str(d), "committed": str(m)}
                      for c, (d, m) in sorted(amounts.items())],
            "kpis": [{"kpi": k.pk, "indicator": k.indicator, "target": k.target, "actual": a,
                      "note": ""} for k, a in kpis],
        }  # fmt: skip

    def save(self, created) -> None:
        QuarterlyReport.objects.bulk_create(self.reports, batch_size=BATCH)
        lines, actuals, versions = [], [], []
        for report, (its_lines, its_actuals, its_versions) in zip(
            self.reports, self.rows, strict=True
        ):
            for row in (*its_lines, *its_actuals, *its_versions):
                row.report = report
            lines += its_lines
            actuals += its_actuals
            for version in its_versions:
                version.created_by = report.created_by
            versions += its_versions
        ReportLine.objects.bulk_create(lines, batch_size=BATCH)
        KPIActual.objects.bulk_create(actuals, batch_size=BATCH)
        ReportVersion.objects.bulk_create(versions, batch_size=BATCH)
        created["quarterlyreport"] += len(self.reports)
        created["reportline"] += len(lines)
        created["kpiactual"] += len(actuals)
        created["reportversion"] += len(versions)


def projects_with_baseline(plan_round_filter: dict) -> list[tuple[Project, dict, list]]:
    """(project, its round year's baseline by category, its KPIs) in the order of the codes."""
    projects = list(
        Project.objects.filter(**plan_round_filter)
        .select_related("proposal", "round")
        .prefetch_related("baseline")
        .order_by("proposal__code")
    )
    kpis: dict[int, list[KPI]] = {}
    for kpi in KPI.objects.filter(proposal__execution__in=projects).order_by("order", "id"):
        kpis.setdefault(kpi.proposal_id, []).append(kpi)
    return [
        (
            project,
            {
                line.category: line.approved_amount
                for line in project.baseline.all()
                if line.fiscal_year == project.round.fiscal_year
            },
            kpis.get(project.proposal_id, []),
        )
        for project in projects
    ]


def accepted_history(year, quarter, due_days, index, *, returned=False):
    """Sent within the reporting window, accepted a few days later; a returned one was sent
    back once with comments and resubmitted."""
    end = quarter_bounds(year, quarter)[1]
    sent = moment(end + datetime.timedelta(days=3 + index % max(due_days - 3, 1)), 9 + index % 7)
    created = sent - datetime.timedelta(days=4)
    if not returned:
        return (ReportStatus.ACCEPTED, created, [(sent, {})], sent + datetime.timedelta(days=4))
    again = sent + datetime.timedelta(days=6)
    first = (sent, {"milestones": "", "lines": []})  # sent without its figures
    return (ReportStatus.ACCEPTED, created, [first, (again, {})], again + datetime.timedelta(2))


def cumulative(baseline, quarter, index, *, final=None) -> dict:
    done = final if final is not None else final_share(index)
    disbursed = DISBURSED[quarter - 1] if quarter < 4 else done
    return {c: (share(a, disbursed), share(a, COMMITTED[quarter - 1])) for c, a in baseline.items()}


def load_fy2568_execution(year: int, users, skip: set, created) -> None:
    """The FY2568 plan's whole year: four quarters of every project, but ``skip``'s
    (project, quarter) pairs (the submitter's report sent today)."""
    if QuarterlyReport.objects.filter(project__round__fiscal_year=year).exists():
        return
    writer = Writer(users)
    for index, (project, baseline, kpis) in enumerate(projects_with_baseline(
        {"round__fiscal_year": year}
    )):  # fmt: skip
        if not baseline:
            continue
        for quarter in (1, 2, 3, 4):
            if (project.pk, quarter) in skip:
                continue
            returned = index % 9 == 4 and quarter == index % 4 + 1
            at_risk = index % 11 == 3 and quarter in (2, 3)
            history = accepted_history(year, quarter, 15, index, returned=returned)
            if index == OVERDUE_FY2568 and quarter == 4:
                history = returned_history(history)
                # the overdue notices go to the screener as the DGA officer responsible
                Project.objects.filter(pk=project.pk, responsible_officer=None).update(
                    responsible_officer=users["screener"]
                )
            writer.add(
                project, year, quarter,
                amounts=cumulative(baseline, quarter, index),
                kpis=[(k, k.target if quarter == 4 else "") for k in kpis],
                history=history,
                milestones=MILESTONES[quarter - 1],
                progress=ProgressStatus.AT_RISK if at_risk else ProgressStatus.ON_TRACK,
                problems=RISK_PROBLEMS if at_risk else "",
                review_comment=(
                    OVERDUE_COMMENT if history[0] == ReportStatus.RETURNED
                    else RETURN_COMMENT if returned else ""
                ),
            )  # fmt: skip
    writer.save(created)


def returned_history(history):
    """The same first submission, returned with comments four days later and never resubmitted:
    the report is overdue from its due date on."""
    _status, created, submissions, reviewed = history
    return (ReportStatus.RETURNED, created, submissions[:1], reviewed)


# On the quarter under way, the state of each project's report in the order of the codes (the
# submitter's own project, which has its draft from ``load_reports``, is left out).
CURRENT_STATES = [
    ReportStatus.ACCEPTED, ReportStatus.SUBMITTED, ReportStatus.RETURNED, ReportStatus.ACCEPTED,
    ReportStatus.SUBMITTED, ReportStatus.DRAFT,
]  # fmt: skip
AT_RISK = 1  # the index of the project at risk: its report is waiting for the screener


def load_current_execution(plan_round, users, now, skip_agency, created) -> None:
    """The plan under way on ``now``: the quarters over reported and accepted (one project's
    latest left unsent: overdue once due); the quarter under way in every state."""
    if plan_round is None or QuarterlyReport.objects.filter(
        project__round=plan_round
    ).exclude(project__agency_id=skip_agency).exists():  # fmt: skip
        return
    today = timezone.localdate(now)
    year = plan_round.fiscal_year
    current = (today.month - 10) % 12 // 3 + 1 if fiscal_year_of(today) == year else 5
    writer = Writer(users)
    rows = [row for row in projects_with_baseline({"round": plan_round}) if row[1]]
    overdue = len(CURRENT_STATES)  # the project after those of the quarter under way
    rows = [row for row in rows if row[0].agency_id != skip_agency]
    for index, (project, baseline, kpis) in enumerate(rows):
        for quarter in range(1, min(current, 5)):
            history = accepted_history(year, quarter, 15, index)
            if (index == overdue and quarter == current - 1) or history[3] > now:
                continue  # not sent (overdue once due), or not yet: a few days into the quarter
            writer.add(
                project, year, quarter, amounts=cumulative(baseline, quarter, index),
                kpis=[(k, "") for k in kpis], history=history, milestones=MILESTONES[quarter - 1],
            )  # fmt: skip
        if current <= 4 and index < len(CURRENT_STATES):
            add_current(writer, project, baseline, kpis, year, current, index, now)
    writer.save(created)


def add_current(writer, project, baseline, kpis, year, quarter, index, now) -> None:
    """One report on the quarter under way, dated between its first day and ``now``."""
    state = CURRENT_STATES[index]
    start = min(moment(quarter_bounds(year, quarter)[0], 8), now - datetime.timedelta(hours=1))
    span = now - start

    def at(fraction):
        return start + span * fraction

    sent = [(at(0.6), {})] if state != ReportStatus.DRAFT else []
    reviewed = at(0.8) if state in (ReportStatus.ACCEPTED, ReportStatus.RETURNED) else None
    risk = index == AT_RISK
    amounts = cumulative(baseline, quarter, index, final=Decimal("0.95"))
    if risk:
        amounts = {c: (share(a, Decimal("0.02")), share(a, Decimal("0.10")))
                   for c, a in baseline.items()}  # fmt: skip
    writer.add(
        project, year, quarter, amounts=amounts, kpis=[(k, "") for k in kpis],
        history=(state, at(0.4), sent, reviewed), milestones=MILESTONES[quarter - 1],
        progress=ProgressStatus.AT_RISK if risk else ProgressStatus.ON_TRACK,
        problems=RISK_PROBLEMS if risk else "", help_requested=RISK_HELP if risk else "",
        review_comment=RETURN_COMMENT if state == ReportStatus.RETURNED else "",
    )  # fmt: skip


# --- amendments ---------------------------------------------------------------------------


def movable_cells(project: Project):
    """(from, to, amount): a cell of one fiscal year's baseline approved below what the agency
    requested, and another cell of that year to take a tenth of it from (whole thousands of
    baht), so that the total stays what the committee approved; None when there is none."""
    requested = {
        (line.fiscal_year, line.category): line.amount
        for line in BudgetLine.objects.filter(proposal_id=project.proposal_id)
    }
    baseline = {(b.fiscal_year, b.category): b.approved_amount for b in project.baseline.all()}
    for to, have in sorted(baseline.items()):
        gap = requested.get(to, Decimal(0)) - have
        for source, amount in sorted(baseline.items()):
            move = min(gap, amount / 10) // 1000 * 1000
            if source != to and source[0] == to[0] and move > 0:
                return source, to, move.quantize(CENT)
    return None


def ask_to_move(project: Project, actor, reason: str, at: datetime.datetime) -> Amendment | None:
    """The agency's request to move money between two cells of ``project``, dated ``at``."""
    cells = movable_cells(project)
    if cells is None:
        return None
    source, to, move = cells
    baseline = {(b.fiscal_year, b.category): b.approved_amount for b in project.baseline.all()}
    amendment = request_amendment(
        project=project, actor=actor, reason=reason,
        amounts={source: baseline[source] - move, to: baseline[to] + move},
    )  # fmt: skip
    Amendment.objects.filter(pk=amendment.pk).update(requested_at=at)
    return amendment


def agency_projects(users, **filters) -> list[tuple[Project, object]]:
    """The projects of the demo submitters' agencies with the account that reports on them."""
    accounts = {users[name].agency_id: users[name] for name in ("submitter2", "submitter")}
    return [
        (project, accounts[project.agency_id])
        for project in Project.objects.filter(agency_id__in=accounts, **filters)
        .select_related("proposal", "round")
        .order_by("proposal__code")
    ]


def load_fy2568_amendment(year: int, users, created) -> None:
    """FY2568's approved amendment and the plan version it made (dated in its second quarter)."""
    if Amendment.objects.filter(project__round__fiscal_year=year).exists():
        return
    start = quarter_bounds(year, 2)[0]
    for project, actor in agency_projects(users, round__fiscal_year=year):
        amendment = ask_to_move(project, actor, AMENDMENT_REASON, moment(start, 10))
        if amendment is None:
            continue
        decide_amendment(
            amendment=amendment, actor=users["screener"], approve=True,
            reason="เห็นชอบ ยอดรวมของโครงการไม่เกินวงเงินที่คณะกรรมการอนุมัติ",
        )  # fmt: skip
        decided = moment(start + datetime.timedelta(days=7), 14)
        Amendment.objects.filter(pk=amendment.pk).update(decided_at=decided)
        version = publish_plan(
            plan_round=project.round, actor=users["secretary"],
            note=f"ปรับแผนตามการโอนเปลี่ยนแปลงงบประมาณ {amendment}",
        )  # fmt: skip
        published = moment(start + datetime.timedelta(days=14), 11)
        PlanVersion.objects.filter(pk=version.pk).update(published_at=published)
        created["amendment"] += 1
        created["planversion"] += 1
        return


def load_pending_amendment(plan_round, users, now, created) -> None:
    """An amendment of the plan under way asked for three days before ``now``, awaiting DGA."""
    if plan_round is None or Amendment.objects.filter(project__round=plan_round).exists():
        return
    at = now - datetime.timedelta(days=3)
    projects = agency_projects(users, round=plan_round)
    for project, actor in projects:
        if ask_to_move(project, actor, PENDING_REASON, at):
            created["amendment"] += 1
            return
    if projects:  # every cell approved as requested: a change of scope, the money as it is
        project, actor = projects[0]
        amendment = request_amendment(
            project=project, actor=actor, reason=SCOPE_REASON, scope_change=SCOPE_CHANGE,
            amounts={},
        )  # fmt: skip
        Amendment.objects.filter(pk=amendment.pk).update(requested_at=at)
        created["amendment"] += 1
