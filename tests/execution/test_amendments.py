"""Amendments (โอนเปลี่ยนแปลงงบประมาณ): the agency asks to move money between the budget lines
of its project, DGA approves or refuses; an approved one changes the baseline the reports are
checked against and, once the secretary publishes, makes a new plan version showing the move."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from core.models import AuditEvent, Notification
from directory.roles import Role
from execution.amendment_selectors import baseline_rows, list_project_amendments
from execution.models import Amendment, AmendmentLine, AmendmentStatus, BaselineLine, Project
from execution.permissions import (
    can_decide_amendment,
    can_request_amendment,
    can_view_amendment,
)
from execution.services import (
    ExecutionError,
    create_report,
    decide_amendment,
    request_amendment,
    save_report,
)
from plans.models import PlanVersion
from plans.selectors import compare_plan_versions
from plans.services import PlanError, publish_plan
from proposals.models import BudgetLine, ExpenseCategory, Proposal
from proposals.workflow import Status
from tests.factories import make_proposal, make_round, make_user
from tests.security import hostile
from tests.security.checks import assert_inert_html, shows_text

pytestmark = pytest.mark.django_db

Y = 2569
OP, INV = ExpenseCategory.OPERATING.value, ExpenseCategory.INVESTMENT.value
D = Decimal


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def make_amendable(agency, screener, *, count=1):
    """Approved projects of 1,500,000: requested 1,200,000 / approved 1,000,000 operating and
    600,000 / 500,000 investment in 2569, requested 300,000 / approved 0 operating in 2570."""
    plan_round = make_round(Y, open_now=False)
    for _n in range(count):
        proposal = make_proposal(
            plan_round=plan_round, agency=agency, status=Status.APPROVED,
            requested=D("2100000.00"), approved=D("1500000.00"), assigned_screener=screener,
        )  # fmt: skip
        BudgetLine.objects.filter(proposal=proposal).update(
            amount=D("1200000.00"), approved_amount=D("1000000.00")
        )
        BudgetLine.objects.create(
            proposal=proposal, fiscal_year=Y, category=INV, amount=D("600000.00"),
            approved_amount=D("500000.00"),
        )  # fmt: skip
        BudgetLine.objects.create(
            proposal=proposal, fiscal_year=Y + 1, category=OP, amount=D("300000.00"),
            approved_amount=D("0.00"),
        )  # fmt: skip
    secretary = make_user(Role.SECRETARY)
    publish_plan(plan_round=plan_round, actor=secretary)
    return plan_round, secretary


@pytest.fixture
def setup(submitter, screener):
    plan_round, secretary = make_amendable(submitter.agency, screener)
    project = Project.objects.get(agency=submitter.agency)
    return project, secretary, plan_round


def baseline(project):
    return {
        (line.fiscal_year, line.category): line.approved_amount
        for line in BaselineLine.objects.filter(project=project)
    }


def approved_lines(project):
    return {
        (line.fiscal_year, line.category): line.approved_amount
        for line in BudgetLine.objects.filter(proposal_id=project.proposal_id)
    }


ORIGINAL = {(Y, OP): D("1000000.00"), (Y, INV): D("500000.00"), (Y + 1, OP): D("0.00")}
MOVE = {(Y, OP): D("900000.00"), (Y, INV): D("600000.00")}


def ask(project, actor, amounts=None, **kwargs):
    kwargs.setdefault("reason", "ราคาอุปกรณ์สูงขึ้น")
    return request_amendment(project=project, actor=actor, amounts=amounts or MOVE, **kwargs)


# --- services -----------------------------------------------------------------------------


def test_request_keeps_each_changed_cell_before_and_after(setup, submitter, screener):
    project = setup[0]
    amendment = ask(project, submitter)
    assert amendment.status == AmendmentStatus.PENDING and amendment.number == 1
    assert {(x.fiscal_year, x.category, x.before, x.after) for x in amendment.lines.all()} == {
        (Y, OP, D("1000000.00"), D("900000.00")),
        (Y, INV, D("500000.00"), D("600000.00")),
    }
    assert baseline(project) == ORIGINAL  # nothing moves before DGA approves
    event = AuditEvent.objects.get(code="amendment.requested")
    assert {(x["category"], x["before"], x["after"]) for x in event.extra["lines"]} == {
        (OP, "1000000.00", "900000.00"),
        (INV, "500000.00", "600000.00"),
    }
    assert Notification.objects.filter(recipient=screener, link=amendment.get_absolute_url())


def test_approval_changes_the_baseline_and_the_approved_lines_keeping_history(
    setup, submitter, screener
):
    project = setup[0]
    amendment = ask(project, submitter)
    decide_amendment(amendment=amendment, actor=screener, approve=True)
    amendment.refresh_from_db()
    assert amendment.status == AmendmentStatus.APPROVED and amendment.decided_by == screener
    assert baseline(project) == {**ORIGINAL, **MOVE}
    assert approved_lines(project) == {**ORIGINAL, **MOVE}
    # the total is what the committee approved, to the satang
    assert Proposal.objects.get(pk=project.proposal_id).approved_amount == D("1500000.00")
    project.refresh_from_db()
    assert project.approved_amount == D("1500000.00")
    # history: the amendment's lines and the original column of the project page
    rows = baseline_rows(project, list_project_amendments(project))
    assert {(r.line.fiscal_year, r.line.category): r.original for r in rows} == ORIGINAL
    assert AuditEvent.objects.filter(code="amendment.approved").count() == 1
    assert Notification.objects.filter(recipient=submitter, subject__contains="approved")


def test_the_reports_are_checked_against_the_amended_baseline(setup, submitter, screener):
    project = setup[0]
    report = create_report(project=project, fiscal_year=Y, quarter=1, actor=submitter)
    arguments = {
        "texts": {}, "progress": "on_track", "kpi_actuals": {},
        "amounts": {OP: (D("0"), D("0")), INV: (D("600000.00"), D("0"))},
    }  # fmt: skip
    with pytest.raises(ExecutionError, match="exceed the approved 500,000.00"):
        save_report(report=report, actor=submitter, **arguments)
    decide_amendment(amendment=ask(project, submitter), actor=screener, approve=True)
    save_report(report=report, actor=submitter, **arguments)
    assert report.lines.get(category=INV).disbursed == D("600000.00")


def test_money_moves_between_years_to_the_satang(setup, submitter, screener):
    project = setup[0]
    amounts = {(Y, OP): D("999999.99"), (Y + 1, OP): D("0.01")}
    decide_amendment(amendment=ask(project, submitter, amounts), actor=screener, approve=True)
    assert baseline(project) == {**ORIGINAL, **amounts}
    assert sum(baseline(project).values()) == D("1500000.00")


@pytest.mark.parametrize(
    "amounts, message",
    [
        ({(Y, OP): D("1200000.00")}, "exceeds the 1,500,000.00 baht the committee approved"),
        ({(Y, INV): D("600000.01"), (Y, OP): D("0")}, "more than the 600,000.00 baht requested"),
        ({(Y, OP): D("999999.995")}, "two decimals"),
        ({(Y, OP): D("-1.00")}, "cannot be negative"),
        ({(Y + 2, OP): D("1.00")}, "not one of the project's budget lines"),
        ({(Y, OP): D("1000000.00")}, "changes nothing"),
    ],
)
def test_bad_requests_are_refused_and_save_nothing(setup, submitter, amounts, message):
    project = setup[0]
    with pytest.raises(ExecutionError, match=message):
        ask(project, submitter, amounts)
    assert not Amendment.objects.exists() and not AmendmentLine.objects.exists()
    assert not AuditEvent.objects.filter(code="amendment.requested").exists()
    assert baseline(project) == ORIGINAL


def test_the_total_cap_message_is_in_thai(setup, submitter):
    with translation.override("th"), pytest.raises(ExecutionError) as error:
        ask(setup[0], submitter, {(Y, OP): D("1000000.01")})
    assert "คณะกรรมการ" in str(error.value) and "1,500,000.01" in str(error.value)


def test_a_smaller_total_lowers_the_plan_but_not_the_committee_figure(setup, submitter, screener):
    project = setup[0]
    decide_amendment(
        amendment=ask(project, submitter, {(Y, OP): D("800000.00")}), actor=screener,
        approve=True,
    )  # fmt: skip
    assert Proposal.objects.get(pk=project.proposal_id).approved_amount == D("1300000.00")
    project.refresh_from_db()
    assert project.approved_amount == D("1500000.00")
    # and the cap stays the committee's: the money may come back
    decide_amendment(
        amendment=ask(project, submitter, {(Y, OP): D("1000000.00")}), actor=screener,
        approve=True,
    )  # fmt: skip
    assert Proposal.objects.get(pk=project.proposal_id).approved_amount == D("1500000.00")


def test_scope_only_amendment_is_allowed_and_changes_no_money(setup, submitter, screener):
    project = setup[0]
    amendment = ask(project, submitter, {(Y, OP): D("1000000.00")}, scope_change="ลดจำนวนสาขา")
    assert not amendment.lines.exists()
    decide_amendment(amendment=amendment, actor=screener, approve=True)
    assert baseline(project) == ORIGINAL


def test_refused_changes_nothing_and_needs_a_reason(setup, submitter, screener):
    project = setup[0]
    amendment = ask(project, submitter)
    with pytest.raises(ExecutionError, match="Say why"):
        decide_amendment(amendment=amendment, actor=screener, approve=False, reason="  ")
    amendment.refresh_from_db()
    assert amendment.status == AmendmentStatus.PENDING
    decide_amendment(amendment=amendment, actor=screener, approve=False, reason="ไม่จำเป็น")
    amendment.refresh_from_db()
    assert amendment.status == AmendmentStatus.REFUSED
    assert amendment.decision_reason == "ไม่จำเป็น"
    assert baseline(project) == ORIGINAL and approved_lines(project) == ORIGINAL
    assert AuditEvent.objects.get(code="amendment.refused").extra["reason"] == "ไม่จำเป็น"


def test_replayed_or_crossed_decisions_are_refused(setup, submitter, screener):
    project = setup[0]
    amendment = ask(project, submitter)
    with pytest.raises(ExecutionError, match="awaiting DGA's decision already"):
        ask(project, submitter)
    decide_amendment(amendment=amendment, actor=screener, approve=True)
    for approve in (True, False):
        with pytest.raises(ExecutionError, match="decided already"):
            decide_amendment(amendment=amendment, actor=screener, approve=approve, reason="x")
    assert baseline(project) == {**ORIGINAL, **MOVE}
    assert AuditEvent.objects.filter(code__startswith="amendment.").count() == 2


def test_a_baseline_changed_under_the_request_is_not_overwritten(setup, submitter, screener):
    project = setup[0]
    amendment = ask(project, submitter)
    BaselineLine.objects.filter(project=project, fiscal_year=Y, category=OP).update(
        approved_amount=D("950000.00")
    )
    with pytest.raises(ExecutionError, match="changed since the request"):
        decide_amendment(amendment=amendment, actor=screener, approve=True)
    amendment.refresh_from_db()
    assert amendment.status == AmendmentStatus.PENDING
    assert baseline(project)[(Y, INV)] == D("500000.00")


def test_only_the_right_people_act(setup, submitter, other_submitter, screener, secretary):
    project = setup[0]
    for outsider in (other_submitter, screener, secretary):
        with pytest.raises(ExecutionError):
            ask(project, outsider)
    amendment = ask(project, submitter)
    for outsider in (submitter, other_submitter, secretary):
        with pytest.raises(ExecutionError):
            decide_amendment(amendment=amendment, actor=outsider, approve=True)
    assert baseline(project) == ORIGINAL


# --- permissions: role × state --------------------------------------------------------------


@pytest.mark.parametrize(
    "who, request_ok, decide_pending, view",
    [
        ("own", True, False, True),
        ("other", False, False, False),
        ("screener", False, True, True),
        ("secretary", False, False, True),
        ("committee", False, False, True),
        ("budget", False, False, True),
        ("admin", False, True, True),  # an administrator acts as a screener
    ],
)
def test_permission_table(setup, submitter, other_submitter, screener, who, request_ok,
                          decide_pending, view):  # fmt: skip
    project = setup[0]
    users = {"own": submitter, "other": other_submitter, "screener": screener}
    user = users.get(who) or make_user(
        {"secretary": Role.SECRETARY, "committee": Role.COMMITTEE, "budget": Role.BUDGET_OFFICE,
         "admin": Role.ADMIN}[who]
    )  # fmt: skip
    amendment = ask(project, submitter)
    assert bool(can_request_amendment(user, project)) is request_ok
    assert can_view_amendment(user, amendment) is view
    for state in AmendmentStatus.values:
        amendment.status = state
        expected = decide_pending and state == AmendmentStatus.PENDING
        assert bool(can_decide_amendment(user, amendment)) is expected, state


# --- pages ----------------------------------------------------------------------------------


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


def form_data(project, **amounts):
    data = {f"amount_{y}_{c}": f"{a:,.2f}" for (y, c), a in ORIGINAL.items()}
    data.update(amounts)
    data.setdefault("reason", "ราคาอุปกรณ์สูงขึ้น")
    return data


def test_the_agency_asks_from_its_project_page(setup, submitter, other_submitter, screener):
    project = setup[0]
    page = client_for(submitter).get(project.get_absolute_url()).content.decode()
    url = reverse("execution:amendment_create", args=[project.pk])
    assert url in page
    assert client_for(other_submitter).get(url).status_code == 404
    assert client_for(screener).get(url).status_code == 403
    response = client_for(submitter).post(
        url, form_data(project, **{f"amount_{Y}_{OP}": "900,000", f"amount_{Y}_{INV}": "๖๐๐๐๐๐"})
    )
    amendment = Amendment.objects.get()
    assert response.status_code == 302 and response.url == amendment.get_absolute_url()
    assert amendment.lines.get(category=INV).after == D("600000.00")


def test_an_over_the_cap_request_shows_the_message_and_keeps_the_input(setup, submitter):
    project = setup[0]
    url = reverse("execution:amendment_create", args=[project.pk])
    data = form_data(project, **{f"amount_{Y}_{OP}": "1,100,000.00"}, reason="เหตุผลยาว")
    response = client_for(submitter).post(url, data)
    page = response.content.decode()
    assert response.status_code == 200
    assert "เกินวงเงิน 1,500,000.00 บาท ที่คณะกรรมการอนุมัติ" in page  # the pages speak Thai
    assert 'value="1,100,000.00"' in page and "เหตุผลยาว" in page
    blank = client_for(submitter).post(url, form_data(project, **{f"amount_{Y}_{OP}": ""}))
    assert "โปรดระบุจำนวนเงิน (ใส่ 0 หากไม่มี)" in blank.content.decode()
    assert not Amendment.objects.exists()


def test_the_screener_lists_and_decides(setup, submitter, screener):
    project = setup[0]
    amendment = ask(project, submitter)
    listing = client_for(screener).get(reverse("execution:amendments")).content.decode()
    assert amendment.get_absolute_url() in listing and "900,000.00" in listing
    detail = client_for(screener).get(amendment.get_absolute_url()).content.decode()
    decide_url = reverse("execution:amendment_decide", args=[amendment.pk])
    assert decide_url in detail
    assert client_for(submitter).post(decide_url, {"decision": "approve"}).status_code == 403
    client_for(screener).post(decide_url, {"decision": "refuse", "reason": ""})
    amendment.refresh_from_db()
    assert amendment.status == AmendmentStatus.PENDING  # a refusal says why
    client_for(screener).post(decide_url, {"decision": "approve"})
    amendment.refresh_from_db()
    assert amendment.status == AmendmentStatus.APPROVED
    page = client_for(submitter).get(project.get_absolute_url()).content.decode()
    assert "900,000.00" in page and "1,000,000.00" in page  # now and originally
    assert decide_url not in client_for(screener).get(amendment.get_absolute_url()).content.decode()


def test_the_list_keeps_a_constant_number_of_queries(submitter, screener):
    make_amendable(submitter.agency, screener, count=3)
    projects = list(Project.objects.all())

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client_for(screener).get(reverse("execution:amendments")).status_code == 200
        return len(queries)

    ask(projects[0], submitter)
    one = count()
    for project in projects[1:]:
        ask(project, submitter)
    assert count() == one


# --- a new plan version -------------------------------------------------------------------


def test_publishing_after_an_approval_makes_a_version_showing_the_moved_money(
    setup, submitter, screener
):
    project, secretary, plan_round = setup
    amendment = ask(project, submitter)
    with pytest.raises(PlanError, match="Nothing has changed"):
        publish_plan(plan_round=plan_round, actor=secretary)  # a pending request is not a change
    decide_amendment(amendment=amendment, actor=screener, approve=True)
    version = publish_plan(plan_round=plan_round, actor=secretary)
    first = PlanVersion.objects.get(round=plan_round, number=1)
    assert version.number == 2

    def lines(v):
        (entry,) = v.snapshot["projects"]
        return {
            (x["fiscal_year"], x["category"]): x["approved_amount"] for x in entry["budget_lines"]
        }

    assert lines(first) == {cell: f"{a:.2f}" for cell, a in ORIGINAL.items()}  # history kept
    assert lines(version) == {cell: f"{a:.2f}" for cell, a in {**ORIGINAL, **MOVE}.items()}
    by_category = {row["key"]: row["approved"] for row in version.snapshot["by_category"]}
    assert by_category[INV] == "600000.00"
    assert version.snapshot["totals"]["approved"] == first.snapshot["totals"]["approved"]
    (change,) = compare_plan_versions(first, version).changed
    assert {(x.category, x.before, x.after) for x in change.lines} == {
        (OP, "1000000.00", "900000.00"), (INV, "500000.00", "600000.00"),
    }  # fmt: skip
    page = client_for(secretary).get(reverse("plans:compare", args=[Y])).content.decode()
    assert "900,000.00" in page and "600,000.00" in page
    # the project under way goes on from its amended baseline
    assert baseline(project) == {**ORIGINAL, **MOVE}
    assert Project.objects.count() == 1


# --- hostile input ----------------------------------------------------------------------------

HOSTILE = {k: v for k, v in hostile.INERT.items() if k not in ("rlo", "zero_width")}


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_text_in_an_amendment_is_kept_and_inert(setup, submitter, screener, name):
    value = HOSTILE[name]
    project = setup[0]
    agency, dga = client_for(submitter), client_for(screener)
    data = form_data(project, **{f"amount_{Y}_{OP}": "900,000", f"amount_{Y}_{INV}": "600,000"})
    data.update(reason=value, scope_change=value, kpi_change=value)
    response = agency.post(reverse("execution:amendment_create", args=[project.pk]), data)
    assert response.status_code == 302, response.content[:2000]
    amendment = Amendment.objects.get()
    assert amendment.reason == value.strip()
    dga.post(
        reverse("execution:amendment_decide", args=[amendment.pk]),
        {"decision": "refuse", "reason": value},
    )
    amendment.refresh_from_db()
    assert amendment.status == AmendmentStatus.REFUSED
    for client, url in (
        (dga, amendment.get_absolute_url()),
        (agency, amendment.get_absolute_url()),
        (dga, reverse("execution:amendments")),
        (agency, project.get_absolute_url()),
    ):
        assert_inert_html(client.get(url).content.decode())
    assert shows_text(
        dga.get(amendment.get_absolute_url()).content.decode(), value.strip().split("\n")[0]
    )


def test_invisible_characters_in_an_amendment_are_removed_with_a_notice(setup, submitter):
    project = setup[0]
    data = form_data(project, **{f"amount_{Y}_{OP}": "900,000", f"amount_{Y}_{INV}": "600,000"})
    data["reason"] = hostile.RLO
    response = client_for(submitter).post(
        reverse("execution:amendment_create", args=[project.pk]), data, follow=True
    )
    assert "\u202e" not in Amendment.objects.get().reason
    assert any(m.level_tag == "warning" for m in response.context["messages"])
