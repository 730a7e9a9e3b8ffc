"""Hostile text typed into every field a user can fill comes out inert everywhere.

One journey per hostile string: a submitter writes a proposal with it in every section and
attaches a document described with it, a screener screens it with it, the secretary holds the
meeting (place, others attending), a member declares a conflict, the chair records the
resolution, the secretary publishes the plan with it as the note. Then every page that shows the
text, the screening downloads, the plan's four files and the minutes are inspected.
"""

import json
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from committee.models import Resolution
from core.pdf import STATIC_BASE
from core.text import strip_invisible
from plans.models import PlanVersion
from proposals.models import Proposal
from proposals.workbook import read_workbook
from proposals.workflow import Status
from tests.factories import make_round, make_user
from tests.proposals.factories import form_payload, pdf_upload
from tests.screening.factories import make_criteria

from . import hostile
from .checks import (
    assert_csv_holds_text,
    assert_inert_html,
    assert_pdf_shows,
    assert_xlsx_holds_text,
    json_strings,
    shows_text,
    xlsx_strings,
)

pytestmark = pytest.mark.slow  # every page, file and PDF, for every hostile string

# Text fields of the proposal form and their length limits (None: a TextField).
PROPOSAL_TEXT_FIELDS = {
    "general-title_th": 500,
    "general-title_en": 500,
    "general-official_name": 255,
    "general-official_position": 255,
    "general-official_phone": 64,
    "alignment-alignment_justification": None,
    "content-summary": None,
    "content-rationale": None,
    "content-objectives": None,
    "content-target_group": None,
    "content-outputs": None,
    "content-outcomes": None,
    "kpi-0-indicator": 500,
    "kpi-0-unit": 100,
    "kpi-0-target": 100,
}


def clean(value):
    return strip_invisible(value)[0].strip()


def fit(value, limit):
    return value if limit is None else value[:limit]


def page(client, url, **params):
    response = client.get(url, params)
    assert response.status_code == 200, url
    html = response.content.decode()
    assert_inert_html(html)
    return html


def ok(response):
    assert response.status_code in (200, 302), response.status_code
    if response.status_code == 200 and response["Content-Type"].startswith("text/html"):
        assert_inert_html(response.content.decode())
    return response


@pytest.fixture
def people(db):
    from tests.committee.factories import make_setup

    plan_round = make_round(open_now=True)
    setup = make_setup(plan_round=plan_round)
    submitter = make_user("submitter")
    screener = make_user("screener")
    budget = make_user("budget_office")
    return plan_round, setup, submitter, screener, budget


@pytest.mark.parametrize("name", list(hostile.JOURNEYS))
def test_hostile_text_is_inert_everywhere(client, people, media_root, pdf_fetches, name):
    value = hostile.JOURNEYS[name]
    # Django's CharField strips surrounding white space, and every form removes bidi controls
    # and zero-width characters (issue 14.6): what is kept is the visible text.
    stored = clean(value)
    plan_round, setup, submitter, screener, budget = people
    criteria = make_criteria(plan_round, count=2)

    # --- the submitter writes the proposal, attaches a document and submits ---------------
    client.force_login(submitter)
    fields = {key: fit(value, limit) for key, limit in PROPOSAL_TEXT_FIELDS.items()}
    response = ok(
        client.post(reverse("proposals:new"), form_payload(plan_round=plan_round, **fields))
    )
    assert response.status_code == 302, response.context and response.context["error_summary"]
    proposal = Proposal.objects.get(agency=submitter.agency)
    assert proposal.title_th == clean(fit(value, 500))
    assert proposal.rationale == stored
    edit = reverse("proposals:edit", args=[proposal.pk])
    data = form_payload(plan_round=plan_round, proposal=proposal, **fields)
    data.update(
        {
            "attachment-file": pdf_upload(f"{value[:60]}.pdf"),
            "attachment-description": fit(value, 500),
            "action": "submit",
        }
    )
    ok(client.post(edit, data))
    proposal.refresh_from_db()
    assert proposal.status == Status.SUBMITTED
    attachment = proposal.attachments.get()
    assert "/" not in attachment.original_name and "\x00" not in attachment.original_name

    detail = page(client, proposal.get_absolute_url())
    for key in ("content-rationale", "content-outcomes", "alignment-alignment_justification"):
        assert shows_text(detail, stored), key
    page(client, reverse("proposals:list"))

    # The agency's budget workbook: the text goes out as text cells (the only formulas are the
    # budget totals) and is read back as the form keeps it.
    workbook = client.get(reverse("proposals:workbook", args=[proposal.pk])).content
    cells = xlsx_strings(workbook)
    holding = [t for t, v in cells if isinstance(v, str) and stored in v]
    assert holding and all(t == "s" for t in holding)
    assert all(v.startswith("=SUM(") for t, v in cells if t == "f")
    parsed = read_workbook(workbook, plan_round=plan_round, agency_id=submitter.agency_id)
    assert parsed.ok, parsed.errors
    assert parsed.fields["rationale"] == stored

    # A second proposal, withdrawn with the hostile reason.
    other = Proposal.objects.create(
        round=plan_round, agency=submitter.agency, code="W-1", title_th="ถอน",
        status=Status.SUBMITTED,
    )  # fmt: skip
    ok(client.post(reverse("proposals:withdraw", args=[other.pk]), {"reason": value}))
    other.refresh_from_db()
    assert other.status == Status.WITHDRAWN
    assert shows_text(page(client, other.get_absolute_url()), stored)

    # --- the screener screens it ------------------------------------------------------------
    client.force_login(screener)
    screening = reverse("screening:detail", args=[proposal.pk])
    page(client, screening)
    post = {
        "recommendation": "forward",
        "lock_version": proposal.lock_version,
        "reasons": value,
        "recommended_amount": "1,000,000",
        "amount_reason": value,
    }
    for criterion in criteria:
        post[f"c{criterion.pk}_result"] = "met"
        post[f"c{criterion.pk}_comment"] = value
    response = ok(client.post(screening, post))
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.status == Status.FORWARDED
    assert shows_text(page(client, screening), stored)

    page(client, reverse("screening:inbox"), q=value, round="all")
    page(client, reverse("screening:inbox"), q=proposal.code, round="all")
    rows = {"q": proposal.code, "round": "all"}
    xlsx = client.get(reverse("screening:export_xlsx"), rows)
    assert_xlsx_holds_text(xlsx.content, proposal.title_th)
    assert_xlsx_holds_text(xlsx.content, proposal.summary)
    assert_csv_holds_text(
        client.get(reverse("screening:export_csv"), rows).content, proposal.title_th
    )
    # The filter as typed is described on the workbook's second sheet, as text.
    described = client.get(reverse("screening:export_xlsx"), {"q": value, "round": "all"})
    assert_xlsx_holds_text(described.content, stored)

    # --- the meeting ------------------------------------------------------------------------
    meeting = setup.meeting
    meeting_url = meeting.get_absolute_url()
    client.force_login(setup.secretary)
    ok(client.post(reverse("committee:edit", args=[meeting.pk]), {
        "date": "2024-01-31", "start_time": "09:30", "end_time": "", "place": fit(value, 500),
        "others_attending": value, "minute_taker": setup.secretary.pk,
    }))  # fmt: skip
    meeting.refresh_from_db()
    assert meeting.place == clean(fit(value, 500))
    assert meeting.others_attending == stored
    ok(client.post(reverse("committee:agenda", args=[meeting.pk]),
                   {"action": "add", "proposals": [str(proposal.pk)]}))  # fmt: skip
    item = meeting.agenda_items.get()
    attendance = {f"member-{setup.memberships[u.pk].pk}": "present" for u in setup.voters}
    ok(client.post(reverse("committee:attendance", args=[meeting.pk]), attendance))
    ok(client.post(reverse("committee:open", args=[meeting.pk])))

    # The budget frame, and a fit-to-frame suggestion listing the proposal's hostile title.
    frame_url = reverse("committee:frame", args=[plan_round.fiscal_year])
    ok(client.post(frame_url, {f"frame-{plan_round.fiscal_year}": "1,000,000,000"}))
    page(client, frame_url)
    ok(client.post(reverse("committee:scenario", args=[meeting.pk]), {"floor": "80"}))
    assert shows_text(page(client, reverse("committee:scenario", args=[meeting.pk])),
                      proposal.title_th)  # fmt: skip
    suggestion = client.get(reverse("committee:scenario_json", args=[meeting.pk]))
    assert json.loads(suggestion.content)["items"][0]["proposal"] == proposal.code

    client.force_login(setup.members[3])
    ok(client.post(reverse("committee:conflict", args=[meeting.pk, item.pk]), {"reason": value}))
    assert item.conflicts.get().reason == stored
    for voter in setup.voters[:3]:
        client.force_login(voter)
        ok(
            client.post(
                reverse("committee:vote", args=[meeting.pk, item.pk]), {"choice": "approve"}
            )
        )
    client.force_login(setup.chair)
    ok(client.post(reverse("committee:resolution", args=[meeting.pk, item.pk]), {
        "outcome": "approved_reduced", "approved_amount": "900,000", "reason": value,
    }))  # fmt: skip
    assert Resolution.objects.get(agenda_item=item).reason == stored
    board = page(client, meeting_url)
    assert shows_text(board, stored)
    state = client.get(reverse("committee:state", args=[meeting.pk]))
    assert state.status_code == 200
    json.loads(state.content)  # valid JSON whatever the titles hold

    client.force_login(setup.secretary)
    page(client, reverse("committee:agenda", args=[meeting.pk]))
    ok(client.post(reverse("committee:close", args=[meeting.pk])))
    proposal.refresh_from_db()
    assert proposal.status == Status.APPROVED_REDUCED, proposal.status
    minutes = client.get(reverse("committee:minutes", args=[meeting.pk]))
    assert minutes.status_code == 200
    assert_pdf_shows(minutes.content, proposal.title_th)
    assert_pdf_shows(minutes.content, stored)

    # --- the plan ---------------------------------------------------------------------------
    year = plan_round.fiscal_year
    ok(client.post(reverse("plans:publish", args=[year]), {"note": value}))
    version = PlanVersion.objects.get(round=plan_round)
    plan_page = page(client, reverse("plans:detail", args=[year]))
    assert shows_text(plan_page, proposal.title_th)
    assert version.note == stored
    page(client, reverse("plans:detail", args=[year]), q=value)
    client.force_login(budget)
    files = {
        kind: client.get(reverse(f"plans:download_{kind}", args=[year]))
        for kind in ("xlsx", "csv", "json", "pdf")
    }
    for kind, response in files.items():
        assert response.status_code == 200, kind
        assert response["Content-Disposition"].startswith("attachment")
    assert_xlsx_holds_text(files["xlsx"].content, proposal.title_th)
    assert_csv_holds_text(files["csv"].content, proposal.title_th)
    assert proposal.title_th in json_strings(files["json"].content)
    assert proposal.title_en in json_strings(files["json"].content)
    assert_pdf_shows(files["pdf"].content, proposal.title_th)

    # WeasyPrint asked only for the app's own static files (the fetcher refuses anything else).
    assert pdf_fetches, "the PDFs were rendered through the fetcher"
    assert all(url.startswith(STATIC_BASE) for url in pdf_fetches), pdf_fetches

    # The submitter's notifications mention the proposal; the page stays inert.
    client.force_login(submitter)
    page(client, reverse("core:notifications"))
    with translation.override("en"):
        page(client, proposal.get_absolute_url())
    assert proposal.approved_amount == Decimal("900000.00")


@pytest.mark.parametrize("name", list(hostile.JOURNEYS))
def test_hostile_scores_are_inert(client, db, name):
    """Score reasons, the reconciliation's reason and the rubric's own texts (an administrator
    writes criteria and level meanings) on the proposal page, the inbox and the dashboard."""
    from screening.models import CriterionScore, Reconciliation, ScoreLevel
    from tests.factories import make_proposal
    from tests.screening.factories import give_second, make_scored_criteria, score_payload

    value = hostile.JOURNEYS[name]
    stored = clean(value)
    plan_round = make_round(open_now=True)
    scored = make_scored_criteria(plan_round)
    scored[0].text_th = fit(value, 500)
    scored[0].save(update_fields=["text_th"])
    ScoreLevel.objects.filter(criterion=scored[0], value=4).update(description_th=fit(value, 500))
    first, second, third = (make_user("screener") for _ in range(3))
    proposal = make_proposal(plan_round=plan_round, status=Status.SUBMITTED)
    give_second(proposal, second)
    detail = reverse("screening:detail", args=[proposal.pk])

    client.force_login(first)
    page(client, detail)
    post = {"recommendation": "forward", "lock_version": proposal.lock_version, "reasons": ""}
    ok(client.post(detail, {**post, **score_payload(scored, [4, 4], reason=value)}))
    proposal.refresh_from_db()
    assert proposal.status == Status.FORWARDED
    client.force_login(second)
    assert 'data-testid="score-sheet"' not in page(client, detail)  # blind to the first's
    ok(client.post(reverse("screening:submit_scores", args=[proposal.pk]),
                   score_payload(scored, [0, 0], reason=value)))  # fmt: skip
    assert set(CriterionScore.objects.values_list("reason", flat=True)) == {stored}
    client.force_login(third)
    ok(client.post(reverse("screening:reconcile", args=[proposal.pk]),
                   {f"s{c.pk}_value": "2" for c in scored} | {"reason": value}))  # fmt: skip
    assert Reconciliation.objects.get().reason == stored
    html = page(client, detail)
    assert shows_text(html, stored)
    page(client, reverse("screening:inbox"), round=plan_round.fiscal_year, sort="-score")
    page(client, reverse("screening:dashboard"), round=plan_round.fiscal_year)
    with translation.override("en"):
        page(client, detail)


# --- the plan under way (issue 16): reports, their KPI evidence, reviews and amendments ------
# (helper "left"; other blocks of this file are other helpers')


def _report_body(report, kpi, value, **extra):
    body = {
        "progress": "delayed", "milestones": value, "problems": value, "help_requested": value,
        "disbursed_operating": "1", "committed_operating": "0", "disbursed_investment": "0",
        "committed_investment": "0", f"kpi_{kpi.pk}": fit(value, 100),
        f"kpinote_{kpi.pk}": fit(value, 500),
    }  # fmt: skip
    body.update(extra)
    return body


@pytest.mark.parametrize("name", list(hostile.JOURNEYS))
def test_hostile_text_in_the_plan_under_way_is_inert(db, client, media_root, pdf_fetches, name):
    """The agency reports with the text everywhere (its evidence file named with it), DGA
    returns it with the text and accepts the resubmission, the agency asks for an amendment
    with it (reasons, scope, a new KPI named with it), DGA approves with it; every page shows
    it inert and the progress files (XLSX, CSV, JSON, PDF) hold it as text."""
    from execution.models import KPIEvidence, Project
    from execution.services import create_report
    from proposals.models import KPI
    from tests.execution.factories import make_projects

    value = hostile.JOURNEYS[name]
    stored = clean(value)
    submitter, screener = make_user("submitter"), make_user("screener")
    budget = make_user("budget_office")
    plan_round, _secretary = make_projects(agencies=[submitter.agency], screener=screener)
    project = Project.objects.select_related("proposal").get()
    # the title as the agency typed it in the proposal (its own journey checks the form)
    Proposal.objects.filter(pk=project.proposal_id).update(title_th=fit(stored, 500))
    kpi = KPI.objects.get(proposal=project.proposal)
    report = create_report(project=project, fiscal_year=2569, quarter=1, actor=submitter)
    edit = reverse("execution:report_edit", args=[report.pk])

    # --- the agency's report, with its evidence, sent; returned; sent again; accepted ------
    client.force_login(submitter)
    evidence_file = pdf_upload(f"{value[:60]}.pdf")
    ok(client.post(edit, _report_body(report, kpi, value, submit="1",
                                      **{f"evidence_{kpi.pk}": evidence_file})))  # fmt: skip
    report.refresh_from_db()
    assert report.status == "submitted" and report.problems == stored
    evidence = KPIEvidence.objects.get()
    assert "/" not in evidence.original_name and "\x00" not in evidence.original_name
    assert evidence.original_name.endswith(".pdf")
    client.force_login(screener)
    ok(client.post(reverse("execution:report_review", args=[report.pk]),
                   {"decision": "return", "comment": value}))  # fmt: skip
    report.refresh_from_db()
    assert report.status == "returned" and report.review_comment == stored
    client.force_login(submitter)
    page(client, edit)
    ok(client.post(edit, _report_body(report, kpi, value + " 2", submit="1")))
    client.force_login(screener)
    ok(client.post(reverse("execution:report_review", args=[report.pk]),
                   {"decision": "accept", "comment": value}))  # fmt: skip
    report.refresh_from_db()
    assert report.status == "accepted", report.status
    detail = page(client, report.get_absolute_url())  # with the versions' diff
    assert shows_text(detail, stored.split("\n")[0]) and shows_text(detail, evidence.original_name)
    download = client.get(reverse("execution:evidence", args=[report.pk, evidence.pk]))
    assert download["Content-Disposition"].startswith("attachment")
    assert download["X-Content-Type-Options"] == "nosniff"
    b"".join(download.streaming_content)
    page(client, reverse("execution:reviews"))
    page(client, reverse("execution:project", args=[project.pk]))

    # --- the amendment: reasons, scope and a new KPI with the text; approved with it -------
    client.force_login(submitter)
    create = reverse("execution:amendment_create", args=[project.pk])
    page(client, create)
    ok(client.post(create, {
        "amount_2569_operating": "1,000,000.00", "amount_2569_investment": "500,000.00",
        "reason": value, "scope_change": value, "kpi_change": value,
        f"kpiindicator_{kpi.pk}": kpi.indicator, f"kpiunit_{kpi.pk}": kpi.unit,
        f"kpitarget_{kpi.pk}": kpi.target, "kpiindicator_new": fit(value, 500),
        "kpiunit_new": fit(value, 100), "kpitarget_new": "10",
    }))  # fmt: skip
    amendment = project.amendments.get()
    assert amendment.reason == stored and amendment.kpi_lines.get().indicator == clean(
        fit(value, 500)
    )
    client.force_login(screener)
    page(client, amendment.get_absolute_url())
    page(client, reverse("execution:amendments"))
    ok(client.post(reverse("execution:amendment_decide", args=[amendment.pk]),
                   {"decision": "approve", "reason": value}))  # fmt: skip
    amendment.refresh_from_db()
    assert amendment.status == "approved" and amendment.decision_reason == stored
    assert shows_text(page(client, amendment.get_absolute_url()), stored.split("\n")[0])
    assert KPI.objects.filter(proposal=project.proposal).count() == 2

    # --- the progress: the dashboard and its files -------------------------------------------
    client.force_login(budget)
    year = plan_round.fiscal_year
    page(client, reverse("progress:dashboard", args=[year]))
    files = {kind: client.get(reverse(f"progress:{kind}", args=[year]))
             for kind in ("xlsx", "csv", "json", "pdf")}  # fmt: skip
    for kind, response in files.items():
        assert response.status_code == 200, kind
        if kind != "json":  # (the open data is read in the browser as well)
            assert response["Content-Disposition"].startswith("attachment"), kind
    title = fit(stored, 500)
    assert_xlsx_holds_text(files["xlsx"].content, title)
    assert_csv_holds_text(files["csv"].content, title)
    strings = json_strings(files["json"].content)
    assert title in strings and clean(fit(value, 500)) in strings  # the new KPI's indicator
    assert clean(fit(value + " 2", 100)) in strings  # the KPI's actual, as resubmitted
    assert_pdf_shows(files["pdf"].content, title)
    assert all(url.startswith(STATIC_BASE) for url in pdf_fetches), pdf_fetches


@pytest.mark.parametrize("name", list(hostile.FILE_NAMES))
def test_a_hostile_evidence_file_name_is_tamed(db, client, media_root, name):
    """The display name of a report's KPI evidence: no path, no control characters, the
    suffix of its real type, at most 255 characters; shown inert; never the name on disk."""
    from execution.models import KPIEvidence, Project
    from execution.services import add_kpi_evidence, create_report
    from proposals.models import KPI
    from tests.execution.factories import make_projects

    submitter, screener = make_user("submitter"), make_user("screener")
    make_projects(agencies=[submitter.agency], screener=screener)
    project = Project.objects.get()
    report = create_report(project=project, fiscal_year=2569, quarter=1, actor=submitter)
    kpi = KPI.objects.get(proposal=project.proposal)
    add_kpi_evidence(
        report=report, kpi_id=kpi.pk, actor=submitter,
        upload=pdf_upload(hostile.FILE_NAMES[name]),
    )  # fmt: skip
    evidence = KPIEvidence.objects.get()
    shown = evidence.original_name
    assert shown.endswith(".pdf") and len(shown) <= 255
    assert not any(ch in shown for ch in "/\\\x00\u202e<>")
    assert not shown.startswith(".")
    assert shown not in evidence.file.name and evidence.file.name.startswith("evidence/")
    client.force_login(submitter)
    html = page(client, reverse("execution:report_edit", args=[report.pk]))
    assert shows_text(html, shown)
    response = client.get(reverse("execution:evidence", args=[report.pk, evidence.pk]))
    assert response["Content-Type"] == "application/pdf"
    assert "\n" not in response["Content-Disposition"]
    b"".join(response.streaming_content)
