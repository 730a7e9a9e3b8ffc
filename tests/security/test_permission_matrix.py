"""Access control, proven for every URL of the URLconf.

``MATRIX`` holds one entry per URL name. ``test_every_url_has_an_entry`` walks the URLconf
itself, so a new URL without an entry fails the suite. Each entry says, for every demo role and
every relevant state of the object in the URL, what a GET must answer:

- anonymous → a redirect to the login page (except the sign-in and language pages);
- another agency's proposal, or a proposal the role may not read at all → 404;
- a role without the right → 403;
- granted → 200 (or the redirect or 405 the view gives by design: POST-only actions answer a
  GET with 405 once the role is allowed through).

Every answer to a signed-in role, whatever its status, says ``Cache-Control: private, no-store``.

For every action that changes something, a POST by each denied role must be 403 or 404 and
change nothing (the audit trail, statuses, votes, resolutions and plan versions stay as they
were).
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.db import transaction
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from api.services import create_api_token
from committee.models import (
    AgendaItem,
    Attendance,
    BudgetFrame,
    Committee,
    ConflictDeclaration,
    Meeting,
    MeetingStatus,
    Membership,
    Position,
    Resolution,
    Scenario,
    StageShare,
    Vote,
)
from core.models import AuditEvent
from directory.roles import Role
from execution.models import Amendment, BaselineLine, Project, QuarterlyReport
from plans.models import PlanExport, PlanVersion
from plans.services import publish_plan
from proposals.models import Attachment, PlanRound, Proposal, ProposalVersion
from proposals.selectors import proposal_snapshot
from proposals.services import add_attachment
from proposals.workflow import Status
from tests.execution.factories import make_evidence
from tests.factories import make_agency, make_proposal, make_round, make_user
from tests.proposals.factories import make_complete_draft, pdf_upload

pytestmark = pytest.mark.django_db

ANON = "anonymous"
SUBMITTER, SUBMITTER2 = "submitter", "submitter2"
SCREENER, SECRETARY, CHAIR, MEMBER = "screener", "secretary", "chair", "member"
BUDGET, ADMIN = "budget", "admin"
ROLES = [ANON, SUBMITTER, SUBMITTER2, SCREENER, SECRETARY, CHAIR, MEMBER, BUDGET, ADMIN]
LOGGED_IN = ROLES[1:]

STAFF = {SCREENER, SECRETARY, ADMIN}  # DGA staff
COMMITTEE = {CHAIR, MEMBER}
MEETING_ROLES = STAFF | COMMITTEE
PLAN_READERS = MEETING_ROLES | {BUDGET}
SCREENING_READERS = STAFF
SCREENING_WRITERS = {SCREENER, ADMIN}
PROPOSAL_READERS = STAFF | COMMITTEE  # besides the proposal's own agency

LOGIN = "login"  # expected: a redirect to the sign-in page
PROPOSAL_STATES = ["draft", "submitted", "returned", "forwarded", "on_agenda", "approved"]
MEETING_STATES = ["scheduled", "in_progress", "closed"]
PLAN_STATES = ["published", "unpublished"]
REPORT_STATES = ["draft", "submitted", "returned", "accepted"]
AMENDMENT_STATES = ["pending", "approved", "refused"]


# --- the world every entry is checked against ----------------------------------------------


@dataclass
class World:
    users: dict
    proposals: dict  # state → the submitter's agency's proposal in that state
    attachments: dict  # state → an attachment of that proposal
    meetings: dict  # state → meeting
    items: dict  # meeting state → its agenda item
    years: dict  # plan state → fiscal year
    exports: dict  # state → a background export of the published plan
    reports: dict = field(default_factory=dict)  # state → a quarterly report of its project
    amendments: dict = field(default_factory=dict)  # state → an amendment of that project
    evidence: dict = field(default_factory=dict)  # report state → a KPI evidence document of it
    clients: dict = field(default_factory=dict)
    api_clients: dict = field(default_factory=dict)

    def sign_in_everyone(self):
        """Sign every role in first: a sign-in writes an audit event of its own. Each role
        also gets an API token (scope write: the role alone decides) and a client sending it."""
        for role in ROLES:
            client = Client()
            headers = {}
            if role != ANON:
                client.force_login(self.users[role])
                token = create_api_token(actor=None, user=self.users[role], scope="write")
                headers["Authorization"] = f"Bearer {token.secret}"
            self.clients[role] = client
            self.api_clients[role] = Client(headers=headers)

    def client(self, role, api=False):
        return (self.api_clients if api else self.clients)[role]


def _committee_member(user, committee, position, order):
    Membership.objects.create(committee=committee, user=user, position=position, order=order)


def build_world() -> World:
    agency = make_agency()
    users = {
        SUBMITTER: make_user(Role.SUBMITTER, agency=agency, username="m_submitter"),
        SUBMITTER2: make_user(Role.SUBMITTER, agency=make_agency(), username="m_submitter2"),
        SCREENER: make_user(Role.SCREENER, username="m_screener"),
        SECRETARY: make_user(Role.SECRETARY, username="m_secretary"),
        CHAIR: make_user(Role.COMMITTEE, username="m_chair"),
        MEMBER: make_user(Role.COMMITTEE, username="m_member"),
        BUDGET: make_user(Role.BUDGET_OFFICE, username="m_budget"),
        ADMIN: make_user(Role.ADMIN, username="m_admin", is_staff=True),
    }
    Group.objects.get_or_create(name=Role.COMMITTEE)
    plan_round = make_round(2569, open_now=True)
    make_round(2570, open_now=False)

    proposals, attachments = {}, {}
    for state in PROPOSAL_STATES:
        proposal = make_complete_draft(agency=agency, plan_round=plan_round)
        attachments[state] = add_attachment(
            proposal_id=proposal.pk, actor=users[SUBMITTER], upload=pdf_upload(), description="TOR"
        )
        if state != "draft":
            for number in (1, 2):
                ProposalVersion.objects.create(
                    proposal=proposal, number=number, snapshot=proposal_snapshot(proposal),
                    created_by=users[SUBMITTER], created_at=proposal.created_at,
                )  # fmt: skip
        approved = proposal.requested_amount if state == "approved" else None
        Proposal.objects.filter(pk=proposal.pk).update(status=state, approved_amount=approved)
        proposals[state] = Proposal.objects.get(pk=proposal.pk)

    committee = Committee.objects.create(
        name_th="คณะกรรมการทดสอบสิทธิ์", name_en="Permissions test committee"
    )
    _committee_member(users[CHAIR], committee, Position.CHAIR, 0)
    _committee_member(users[MEMBER], committee, Position.MEMBER, 1)
    _committee_member(users[SECRETARY], committee, Position.SECRETARY, 99)
    meetings, items = {}, {}
    item_proposals = {
        "scheduled": make_proposal(plan_round=plan_round, agency=agency, status=Status.ON_AGENDA),
        "in_progress": proposals["on_agenda"],
        "closed": proposals["approved"],
    }
    for number, state in enumerate(MEETING_STATES, start=1):
        meeting = Meeting.objects.create(
            committee=committee, round=plan_round, number=number, year_be=2568,
            date=datetime.date(2025, 1, number), start_time=datetime.time(9, 30), status=state,
            closed_at=(None if state != "closed"
                       else datetime.datetime(2025, 1, 3, tzinfo=datetime.UTC)),
        )  # fmt: skip
        meetings[state] = meeting
        items[state] = AgendaItem.objects.create(
            meeting=meeting, proposal=item_proposals[state], order=1
        )
    Resolution.objects.create(
        agenda_item=items["closed"], outcome="approved",
        approved_amount=proposals["approved"].requested_amount, recorded_by=users[SECRETARY],
    )  # fmt: skip
    version = publish_plan(plan_round=plan_round, actor=users[SECRETARY])
    exports = {
        "queued": PlanExport.objects.create(version=version, file_format="xlsx", language="th"),
        "done": PlanExport.objects.create(
            version=version, file_format="pdf", language="th", status=PlanExport.State.DONE,
            progress=100, size=8,
        ),
    }  # fmt: skip
    exports["done"].file.save("plan.pdf", ContentFile(b"%PDF-1.4"), save=True)
    # Publishing started the approved proposal's project; one report of it in each state.
    project = Project.objects.get(proposal=proposals["approved"])
    reports = {
        state: QuarterlyReport.objects.create(
            project=project, fiscal_year=2569, quarter=quarter, status=state,
            submitted_at=None if state == "draft" else version.published_at,
        )
        for quarter, state in enumerate(REPORT_STATES, start=1)
    }  # fmt: skip
    evidence = {state: make_evidence(report) for state, report in reports.items()}
    amendments = {
        state: Amendment.objects.create(
            project=project,
            number=number,
            status=state,
            reason="ย้ายงบ",
            requested_by=users[SUBMITTER],
        )
        for number, state in enumerate(AMENDMENT_STATES, start=1)
    }
    world = World(
        users=users,
        proposals=proposals,
        attachments=attachments,
        meetings=meetings,
        items=items,
        years={"published": 2569, "unpublished": 2570},
        exports=exports,
        reports=reports,
        amendments=amendments,
        evidence=evidence,
    )
    world.sign_in_everyone()
    return world


@pytest.fixture(scope="module")
def shared_world(django_db_setup, django_db_blocker, tmp_path_factory):
    """Built once per module inside a transaction that is rolled back at the end; each test
    runs in a savepoint inside it (pytest-django's ``db``), so a test's writes vanish too."""
    media = override_settings(MEDIA_ROOT=tmp_path_factory.mktemp("m"))
    with django_db_blocker.unblock(), media, transaction.atomic():
        yield build_world()
        transaction.set_rollback(True)


@pytest.fixture
def world(shared_world, db):
    return shared_world


def fingerprint():
    """What a refused request must leave exactly as it was (an API token's own use is audited
    whatever the answer: that event records the attempt)."""
    return (
        AuditEvent.objects.exclude(code__startswith="api.token_").count(),
        tuple(Proposal.objects.order_by("pk").values_list("pk", "status", "assigned_screener_id")),
        tuple(Meeting.objects.order_by("pk").values_list("pk", "status")),
        AgendaItem.objects.count(),
        Attendance.objects.count(),
        Vote.objects.count(),
        ConflictDeclaration.objects.count(),
        tuple(Resolution.objects.order_by("pk").values_list("pk", "outcome")),
        PlanVersion.objects.count(),
        Attachment.objects.count(),
        Meeting.objects.count(),
        Proposal.objects.count(),
        tuple(QuarterlyReport.objects.order_by("pk").values_list("pk", "status")),
        Project.objects.count(),
        tuple(Amendment.objects.order_by("pk").values_list("pk", "status")),
        tuple(BaselineLine.objects.order_by("pk").values_list("pk", "approved_amount")),
        tuple(BudgetFrame.objects.order_by("pk").values_list("pk", "amount")),
        StageShare.objects.count(),
        Scenario.objects.count(),
        tuple(PlanRound.objects.order_by("pk").values_list("pk", "budget_frame")),
    )


# --- the matrix ------------------------------------------------------------------------------


@dataclass
class Entry:
    """One URL name: how to build its arguments, and what each role gets."""

    expect: object  # (role, state) → status code or LOGIN
    kwargs: object = None  # (world, state) → URL kwargs
    states: list = field(default_factory=lambda: [None])
    post_denied: object = None  # (role, state) → 403/404 for a POST that must be refused
    public: bool = False  # reachable without signing in
    api: bool = False  # asked with each role's API token instead of its session


def api_entry(expect, **kwargs) -> Entry:
    """An API endpoint: asked with a bearer token; without one, 401 (never a redirect)."""
    return Entry(
        expect=lambda role, state: 401 if role == ANON else expect(role, state),
        public=True,
        api=True,
        **kwargs,
    )


def only(roles, granted=200, denied=403):
    return lambda role, state: granted if role in roles else denied


def proposal_kwargs(world, state):
    return {"pk": world.proposals[state].pk}


def meeting_kwargs(world, state):
    return {"pk": world.meetings[state].pk}


def item_kwargs(world, state):
    return {"pk": world.meetings[state].pk, "item_pk": world.items[state].pk}


def year_kwargs(world, state):
    return {"year": world.years[state]}


def export_kwargs(world, state):
    return {"year": world.years["published"], "pk": world.exports[state].pk}


def _export_download(role, state):
    if role not in PLAN_READERS:
        return 403
    return 200 if state == "done" else 302  # not ready: back to its progress page


def proposal_read(granted=200, staff=200, committee=200):
    """Own agency → ``granted``; another agency and the budget office → 404; staff/committee.

    A draft is the agency's own until it is submitted: 404 for everyone else, administrators
    included (issue 13, point 4; Django's admin is their way in).
    """

    def expect(role, state):
        if role == SUBMITTER:
            return granted(state) if callable(granted) else granted
        if role in (SUBMITTER2, BUDGET) or state == "draft":
            return 404
        if role in STAFF:
            return staff
        return committee

    return expect


def own_agency_action(granted):
    """Actions only the proposal's own agency may take: others who can read it get 403."""
    return proposal_read(granted=granted, staff=403, committee=403)


def post_only(roles):
    """A POST-only action guarded by a role check first: allowed roles get 405 for a GET."""
    return only(roles, granted=405)


def never(roles):
    """For POSTs: every role outside ``roles`` is refused with 403; ``None`` = not checked."""
    return lambda role, state: None if role in roles else 403


def _editable(state):
    return 200 if state in ("draft", "returned") else 302


def _withdrawable(state):
    return 200 if state in ("draft", "submitted", "returned") else 302


def _compare(state):
    return 302 if state == "draft" else 200


def _screening_detail(role, state):
    if role not in SCREENING_READERS:
        return 403
    return 404 if state == "draft" else 200


def _screening_post_denied(role, state):
    if role in SCREENING_WRITERS:
        return None
    return 404 if state == "draft" and role in SCREENING_READERS else 403


def _manage_meeting(role, state):
    if role == SECRETARY:
        return 403 if state == "closed" else 200
    return 403


def report_kwargs(world, state):
    return {"pk": world.reports[state].pk}


def _report_read(granted=200, reader=200):
    """The project's agency → ``granted``; another agency 404; the progress readers
    ``reader``, except a draft never sent (404: the agency's own)."""

    def expect(role, state):
        if role == SUBMITTER:
            return granted(state) if callable(granted) else granted
        if role == SUBMITTER2 or state == "draft":
            return 404
        return reader

    return expect


def _report_post_denied(allowed):
    def expect(role, state):
        if role in allowed:
            return None
        return 404 if role == SUBMITTER2 or (state == "draft" and role != SUBMITTER) else 403

    return expect


def _plan_download(role, state):
    if role not in PLAN_READERS:
        return 403
    return 200 if state == "published" else 404


def _proposal_post_denied(role, state):
    """POSTing an agency's action: another agency and the budget office 404, readers 403
    (404 on a draft, which they may not even read)."""
    if role == SUBMITTER:
        return None
    return 404 if role in (SUBMITTER2, BUDGET) or state == "draft" else 403


def _screening_compare(role, state):
    """A sent proposal beside another: readers 200; beside a draft: 404 (no one else's)."""
    if role not in SCREENING_READERS:
        return 403
    return 404 if state == "draft" else 200


SUBMITTERS = {SUBMITTER, SUBMITTER2}


def _api_proposal_post_denied(role, state):
    """Writing through the API: a non-submitter's token 403 (its role), another agency's 404."""
    if role == SUBMITTER:
        return None
    return 404 if role == SUBMITTER2 else 403


MATRIX = {
    # the landing page sends every role somewhere; sign-in pages
    "home": Entry(expect=only(LOGGED_IN, granted=302)),
    "login": Entry(expect=only(ROLES), public=True),
    "logout": Entry(expect=only(LOGGED_IN, granted=405)),
    "two_factor_verify": Entry(expect=only(LOGGED_IN, granted=302)),
    "two_factor_setup": Entry(expect=only(LOGGED_IN)),
    "two_factor_recovery": Entry(expect=only(LOGGED_IN, granted=302)),
    "two_factor_recovery_codes": Entry(expect=only(LOGGED_IN, granted=302)),
    # Single sign-on: 404 while OIDC is off, as here (tests/oidc checks every role with it on).
    "oidc_authenticate": Entry(expect=only(ROLES, granted=404), public=True),
    "oidc_callback": Entry(expect=only(ROLES, granted=404), public=True),
    "set_language": Entry(expect=only(ROLES, granted=302), public=True),
    "core:notifications": Entry(expect=only(LOGGED_IN)),
    "directory:agency_suggestions": Entry(expect=only(LOGGED_IN)),
    # Django's admin sends everyone else to its own sign-in page.
    "admin:index": Entry(expect=only({ADMIN}, denied=302), public=True),
    # proposals
    "proposals:list": Entry(expect=only({SUBMITTER, SUBMITTER2})),
    "proposals:new": Entry(
        expect=only({SUBMITTER, SUBMITTER2}), post_denied=never({SUBMITTER, SUBMITTER2})
    ),
    "proposals:detail": Entry(
        expect=proposal_read(), kwargs=proposal_kwargs, states=PROPOSAL_STATES
    ),
    "proposals:edit": Entry(
        expect=own_agency_action(_editable),
        kwargs=proposal_kwargs,
        states=PROPOSAL_STATES,
        post_denied=_proposal_post_denied,
    ),  # fmt: skip
    "proposals:submit": Entry(
        expect=only(LOGGED_IN, granted=405),
        kwargs=proposal_kwargs,
        states=PROPOSAL_STATES,
        post_denied=_proposal_post_denied,
    ),  # fmt: skip
    "proposals:withdraw": Entry(
        expect=own_agency_action(_withdrawable),
        kwargs=proposal_kwargs,
        states=PROPOSAL_STATES,
        post_denied=_proposal_post_denied,
    ),  # fmt: skip
    "proposals:compare": Entry(
        expect=proposal_read(granted=_compare, staff=None, committee=None),
        kwargs=proposal_kwargs,
        states=PROPOSAL_STATES,
    ),  # fmt: skip
    "proposals:attachment": Entry(
        expect=proposal_read(),
        kwargs=lambda w, s: {"pk": w.proposals[s].pk, "attachment_pk": w.attachments[s].pk},
        states=["draft", "submitted", "approved"],
    ),  # fmt: skip
    "proposals:template": Entry(expect=only({SUBMITTER, SUBMITTER2})),
    "proposals:import": Entry(
        expect=only({SUBMITTER, SUBMITTER2}), post_denied=never({SUBMITTER, SUBMITTER2})
    ),
    # The budget workbook is the agency's own tool: 404 for everyone else, DGA included.
    "proposals:workbook": Entry(
        expect=lambda role, state: 200 if role == SUBMITTER else 404,
        kwargs=proposal_kwargs,
        states=PROPOSAL_STATES,
    ),
    "proposals:history": Entry(
        expect=proposal_read(granted=403, committee=403),
        kwargs=proposal_kwargs,
        states=PROPOSAL_STATES,
    ),  # fmt: skip
    # screening
    "screening:inbox": Entry(expect=only(SCREENING_READERS)),
    "screening:mine": Entry(expect=only(SCREENING_READERS, granted=302)),
    "screening:export_xlsx": Entry(expect=only(SCREENING_READERS)),
    "screening:export_csv": Entry(expect=only(SCREENING_READERS)),
    "screening:dashboard": Entry(expect=only(SCREENING_READERS)),
    "screening:duplicates": Entry(expect=only(SCREENING_READERS)),
    "screening:bulk_assign": Entry(
        expect=post_only(SCREENING_WRITERS), post_denied=never(SCREENING_WRITERS)
    ),
    "screening:round_import": Entry(expect=only({ADMIN}), post_denied=never({ADMIN})),
    "screening:distribute": Entry(
        expect=post_only(SCREENING_WRITERS), post_denied=never(SCREENING_WRITERS)
    ),
    "committee:place_from_inbox": Entry(
        expect=post_only(SCREENING_WRITERS), post_denied=never(SCREENING_WRITERS)
    ),
    "screening:detail": Entry(
        expect=_screening_detail,
        kwargs=proposal_kwargs,
        states=PROPOSAL_STATES,
        post_denied=_screening_post_denied,
    ),  # fmt: skip
    "screening:reopen": Entry(
        expect=post_only(SCREENING_WRITERS),
        kwargs=proposal_kwargs,
        states=["forwarded"],
        post_denied=never(SCREENING_WRITERS),
    ),  # fmt: skip
    "screening:assign": Entry(
        expect=post_only(SCREENING_WRITERS),
        kwargs=proposal_kwargs,
        states=["submitted"],
        post_denied=never(SCREENING_WRITERS),
    ),  # fmt: skip
    "screening:submit_scores": Entry(
        expect=post_only(SCREENING_WRITERS),
        kwargs=proposal_kwargs,
        states=["submitted", "forwarded"],
        post_denied=never(SCREENING_WRITERS),
    ),  # fmt: skip
    "screening:reconcile": Entry(
        expect=post_only(SCREENING_WRITERS),
        kwargs=proposal_kwargs,
        states=["forwarded"],
        post_denied=never(SCREENING_WRITERS),
    ),  # fmt: skip
    "screening:second_screening": Entry(
        expect=post_only(SCREENING_WRITERS), post_denied=never(SCREENING_WRITERS)
    ),
    "screening:compare": Entry(
        expect=_screening_compare,
        states=["forwarded", "draft"],
        kwargs=lambda w, s: {"pk": w.proposals["submitted"].pk, "other_pk": w.proposals[s].pk},
    ),  # fmt: skip
    # committee
    "committee:list": Entry(expect=only(MEETING_ROLES)),
    "committee:create": Entry(expect=only({SECRETARY}), post_denied=never({SECRETARY})),
    "committee:meeting": Entry(
        expect=only(MEETING_ROLES), kwargs=meeting_kwargs, states=MEETING_STATES
    ),
    "committee:state": Entry(
        expect=only(MEETING_ROLES), kwargs=meeting_kwargs, states=MEETING_STATES
    ),
    "committee:edit": Entry(
        expect=_manage_meeting,
        kwargs=meeting_kwargs,
        states=MEETING_STATES,
        post_denied=never({SECRETARY}),
    ),  # fmt: skip
    "committee:agenda": Entry(
        expect=_manage_meeting,
        kwargs=meeting_kwargs,
        states=MEETING_STATES,
        post_denied=never({SECRETARY}),
    ),  # fmt: skip
    "committee:open": Entry(
        expect=post_only(MEETING_ROLES),
        kwargs=meeting_kwargs,
        states=["scheduled"],
        post_denied=never({SECRETARY}),
    ),  # fmt: skip
    "committee:attendance": Entry(
        expect=post_only(MEETING_ROLES),
        kwargs=meeting_kwargs,
        states=["in_progress"],
        post_denied=never({SECRETARY}),
    ),  # fmt: skip
    "committee:vote": Entry(
        expect=post_only(MEETING_ROLES),
        kwargs=item_kwargs,
        states=["in_progress"],
        post_denied=never(COMMITTEE),
    ),  # fmt: skip
    "committee:conflict": Entry(
        expect=post_only(MEETING_ROLES),
        kwargs=item_kwargs,
        states=["in_progress"],
        post_denied=never(COMMITTEE),
    ),  # fmt: skip
    "committee:resolution": Entry(
        expect=post_only(MEETING_ROLES),
        kwargs=item_kwargs,
        states=["in_progress"],
        post_denied=never({CHAIR, SECRETARY}),
    ),  # fmt: skip
    "committee:approve_recommended": Entry(
        expect=post_only(MEETING_ROLES),
        kwargs=meeting_kwargs,
        states=["in_progress"],
        post_denied=never({CHAIR, SECRETARY}),
    ),  # fmt: skip
    "committee:close": Entry(
        expect=post_only(MEETING_ROLES),
        kwargs=meeting_kwargs,
        states=["in_progress"],
        post_denied=never({SECRETARY}),
    ),  # fmt: skip
    "committee:reopen": Entry(
        expect=post_only(MEETING_ROLES),
        kwargs=meeting_kwargs,
        states=["closed"],
        post_denied=never({ADMIN}),
    ),  # fmt: skip
    "committee:minutes": Entry(
        expect=only(MEETING_ROLES), kwargs=meeting_kwargs, states=["closed"]
    ),
    "committee:history": Entry(
        expect=only(MEETING_ROLES), kwargs=meeting_kwargs, states=MEETING_STATES
    ),
    # the budget frame (read by the meeting's people, set by the secretary and administrators)
    "committee:frame": Entry(
        expect=only(MEETING_ROLES),
        kwargs=year_kwargs,
        states=PLAN_STATES,
        post_denied=never({SECRETARY, ADMIN}),
    ),  # fmt: skip
    "committee:frame_state": Entry(
        expect=only(MEETING_ROLES), kwargs=meeting_kwargs, states=MEETING_STATES
    ),
    # the fit-to-frame suggestion: asked for by the secretary, adopted by the chair or secretary
    "committee:scenario": Entry(
        expect=only(MEETING_ROLES),
        kwargs=meeting_kwargs,
        states=MEETING_STATES,
        post_denied=never({SECRETARY}),
    ),  # fmt: skip
    "committee:scenario_json": Entry(
        expect=only(MEETING_ROLES), kwargs=meeting_kwargs, states=MEETING_STATES
    ),
    "committee:scenario_adopt": Entry(
        expect=post_only(MEETING_ROLES),
        kwargs=meeting_kwargs,
        states=["in_progress"],
        post_denied=never({CHAIR, SECRETARY}),
    ),  # fmt: skip
    # plans
    "plans:index": Entry(expect=only(PLAN_READERS)),
    "plans:detail": Entry(expect=only(PLAN_READERS), kwargs=year_kwargs, states=PLAN_STATES),
    "plans:compare": Entry(expect=only(PLAN_READERS), kwargs=year_kwargs, states=PLAN_STATES),
    "plans:agencies": Entry(expect=only(PLAN_READERS), kwargs=year_kwargs, states=PLAN_STATES),
    # an approved project as the plan's readers see it; nothing else of the round by its code
    "plans:project": Entry(
        expect=lambda role, state: (
            (200 if state == "approved" else 404) if role in PLAN_READERS else 403
        ),
        kwargs=lambda w, s: {"year": w.years["published"], "code": w.proposals[s].code},
        states=["approved", "draft", "submitted"],
    ),  # fmt: skip
    "plans:publish": Entry(
        expect=only(LOGGED_IN, granted=405),
        kwargs=year_kwargs,
        states=["published"],
        post_denied=never({SECRETARY, ADMIN}),
    ),  # fmt: skip
    "plans:download_xlsx": Entry(expect=_plan_download, kwargs=year_kwargs, states=PLAN_STATES),
    "plans:download_pdf": Entry(expect=_plan_download, kwargs=year_kwargs, states=["published"]),
    "plans:download_csv": Entry(expect=_plan_download, kwargs=year_kwargs, states=PLAN_STATES),
    "plans:download_json": Entry(expect=_plan_download, kwargs=year_kwargs, states=PLAN_STATES),
    "plans:datapackage": Entry(expect=_plan_download, kwargs=year_kwargs, states=PLAN_STATES),
    "plans:export_status": Entry(
        expect=only(PLAN_READERS), kwargs=export_kwargs, states=["queued", "done"]
    ),
    "plans:export_progress": Entry(
        expect=only(PLAN_READERS), kwargs=export_kwargs, states=["queued", "done"]
    ),
    "plans:export_download": Entry(
        expect=_export_download, kwargs=export_kwargs, states=["queued", "done"]
    ),
    # projects under way (execution) and the progress of the plan
    "execution:projects": Entry(expect=only(LOGGED_IN)),
    "execution:reviews": Entry(expect=only(SCREENING_WRITERS)),
    "execution:project": Entry(
        expect=lambda role, state: 404 if role == SUBMITTER2 else 200,
        kwargs=lambda w, s: {"pk": w.reports["draft"].project_id},
    ),
    "execution:report_create": Entry(
        expect=only(LOGGED_IN, granted=405),
        kwargs=lambda w, s: {"pk": w.reports["draft"].project_id},
        post_denied=lambda role, state: (
            None if role == SUBMITTER else 404 if role == SUBMITTER2 else 403
        ),
    ),
    "execution:report": Entry(expect=_report_read(), kwargs=report_kwargs, states=REPORT_STATES),
    "execution:report_edit": Entry(
        expect=_report_read(
            granted=lambda state: 200 if state in ("draft", "returned") else 302, reader=302
        ),
        kwargs=report_kwargs,
        states=REPORT_STATES,
        post_denied=_report_post_denied({SUBMITTER}),
    ),
    # the report's readers, never another agency (404), a draft only to its own agency
    "execution:evidence": Entry(
        expect=_report_read(),
        kwargs=lambda w, s: {"pk": w.reports[s].pk, "evidence_pk": w.evidence[s].pk},
        states=REPORT_STATES,
    ),
    "execution:report_review": Entry(
        expect=only(LOGGED_IN, granted=405),
        kwargs=report_kwargs,
        states=REPORT_STATES,
        post_denied=_report_post_denied({SCREENER, ADMIN}),
    ),
    "execution:amendments": Entry(expect=only(SCREENING_WRITERS)),
    "execution:amendment_create": Entry(
        expect=lambda role, state: 200 if role == SUBMITTER else 404 if role == SUBMITTER2 else 403,
        kwargs=lambda w, s: {"pk": w.reports["draft"].project_id},
        post_denied=lambda role, state: (
            None if role == SUBMITTER else 404 if role == SUBMITTER2 else 403
        ),
    ),
    "execution:amendment": Entry(
        expect=lambda role, state: 404 if role == SUBMITTER2 else 200,
        kwargs=lambda w, s: {"pk": w.amendments[s].pk},
        states=AMENDMENT_STATES,
    ),
    "execution:amendment_decide": Entry(
        expect=only(LOGGED_IN, granted=405),
        kwargs=lambda w, s: {"pk": w.amendments[s].pk},
        states=AMENDMENT_STATES,
        post_denied=lambda role, state: (
            None if role in SCREENING_WRITERS else 404 if role == SUBMITTER2 else 403
        ),
    ),
    "progress:dashboard": Entry(expect=only(PLAN_READERS), kwargs=year_kwargs, states=PLAN_STATES),
    "progress:csv": Entry(expect=only(PLAN_READERS), kwargs=year_kwargs, states=PLAN_STATES),
    "progress:xlsx": Entry(expect=only(PLAN_READERS), kwargs=year_kwargs, states=PLAN_STATES),
    "progress:json": Entry(expect=only(PLAN_READERS), kwargs=year_kwargs, states=PLAN_STATES),
    "progress:to_agenda": Entry(
        expect=post_only({SECRETARY}),
        kwargs=year_kwargs,
        states=PLAN_STATES,
        post_denied=never({SECRETARY}),
    ),  # fmt: skip
    "progress:pdf": Entry(expect=only(PLAN_READERS), kwargs=year_kwargs, states=PLAN_STATES),
    # the REST API: every role with its own token; another agency's proposal 404
    "api:docs": Entry(expect=only(LOGGED_IN)),  # the reference page, for a signed-in browser
    "api:root": api_entry(only(LOGGED_IN)),
    "api:schema": api_entry(only(LOGGED_IN)),
    "api:rounds": api_entry(only(LOGGED_IN)),
    "api:round": api_entry(only(LOGGED_IN), kwargs=year_kwargs, states=PLAN_STATES),
    "api:reference": api_entry(only(LOGGED_IN)),
    "api:agencies": api_entry(only(LOGGED_IN)),
    "api:proposals": api_entry(
        only(LOGGED_IN), post_denied=lambda role, state: None if role in SUBMITTERS else 403
    ),
    "api:proposal": api_entry(proposal_read(), kwargs=proposal_kwargs, states=PROPOSAL_STATES),
    "api:proposal_submit": api_entry(
        only(LOGGED_IN, granted=405),
        kwargs=proposal_kwargs,
        states=PROPOSAL_STATES,
        post_denied=_api_proposal_post_denied,
    ),
    "api:proposal_attachments": api_entry(
        only(LOGGED_IN, granted=405),
        kwargs=proposal_kwargs,
        states=PROPOSAL_STATES,
        post_denied=_api_proposal_post_denied,
    ),
    "api:plans": api_entry(only(PLAN_READERS)),
    "api:plan": api_entry(_plan_download, kwargs=year_kwargs, states=PLAN_STATES),
    "api:plan_progress": api_entry(_plan_download, kwargs=year_kwargs, states=PLAN_STATES),
    "api:not_found": api_entry(only(LOGGED_IN, granted=404), kwargs=lambda w, s: {"rest": "x/1/"}),
}


# --- the URLconf's names ---------------------------------------------------------------------


def _walk(patterns, namespace=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            if pattern.namespace == "admin":
                yield "admin:index"  # Django's own admin pages: only its entrance is ours
                continue
            yield from _walk(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern):
            if pattern.name is None:
                raise AssertionError(f"URL {pattern.pattern} has no name: give it one")
            yield f"{namespace}{pattern.name}"


def urlconf_names() -> set:
    return set(_walk(get_resolver().url_patterns))


def test_every_url_has_an_entry():
    names = urlconf_names()
    missing = sorted(names - set(MATRIX))
    stale = sorted(set(MATRIX) - names)
    assert not missing, f"URLs without an entry in the permission matrix: {missing}"
    assert not stale, f"Matrix entries for URLs that no longer exist: {stale}"


# --- the checks ------------------------------------------------------------------------------


def _expected(entry, role, state):
    if role == ANON and not entry.public:
        return LOGIN
    return entry.expect(role, state)


def _answer(response):
    if response.streaming:
        # Reading a download to its end lets the test client close its file (closing the
        # response by hand would also close the database connection, inside the test's
        # transaction, on PostgreSQL).
        b"".join(response.streaming_content)
    if response.status_code == 302 and response["Location"].startswith(reverse("login")):
        return LOGIN
    return response.status_code


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_every_role_gets_the_expected_answer(world, name):
    entry = MATRIX[name]
    problems = []
    for state in entry.states:
        url = reverse(name, kwargs=entry.kwargs(world, state) if entry.kwargs else None)
        for role in ROLES:
            expected = _expected(entry, role, state)
            if expected is None:
                continue
            response = world.client(role, api=entry.api).get(url)
            got = _answer(response)
            if got != expected:
                problems.append(f"{role} GET {url} [{state}]: expected {expected}, got {got}")
            if role != ANON and not _kept_out_of_caches(response):
                problems.append(f"{role} GET {url} [{state}]: {_cache_control(response)!r}")
    assert not problems, "\n".join(problems)


def _cache_control(response):
    return response.get("Cache-Control", "")


def _kept_out_of_caches(response):
    """Whatever a signed-in user gets (pages, files, redirects, refusals): no stored copy."""
    directives = {d.strip() for d in _cache_control(response).split(",")}
    return {"private", "no-store"} <= directives and "public" not in directives


@pytest.mark.parametrize(
    ("name", "role", "state"),
    [
        ("screening:export_csv", SCREENER, None),
        ("screening:export_xlsx", SCREENER, None),
        ("committee:minutes", SECRETARY, "closed"),
        ("proposals:attachment", SUBMITTER, "submitted"),
        ("execution:evidence", SCREENER, "submitted"),
        ("proposals:template", SUBMITTER, None),
        ("proposals:workbook", SUBMITTER, "submitted"),
        ("plans:download_xlsx", BUDGET, "published"),
        ("plans:export_download", BUDGET, "done"),
    ],
)
def test_private_files_are_kept_out_of_caches(world, name, role, state):
    entry = MATRIX[name]
    url = reverse(name, kwargs=entry.kwargs(world, state) if entry.kwargs else None)
    response = world.client(role).get(url)
    assert _answer(response) == 200
    assert _kept_out_of_caches(response), _cache_control(response)


def test_the_sign_in_page_is_kept_out_of_caches(client, db):
    # It carries a CSRF token: it is the visitor's own, like every signed-in page.
    assert _kept_out_of_caches(client.get(reverse("login")))


POST_ENTRIES = sorted(name for name, entry in MATRIX.items() if entry.post_denied)


@pytest.mark.parametrize("name", POST_ENTRIES)
def test_a_refused_post_changes_nothing(world, name):
    entry = MATRIX[name]
    before = fingerprint()
    problems = []
    for state in entry.states:
        url = reverse(name, kwargs=entry.kwargs(world, state) if entry.kwargs else None)
        for role in ROLES:
            anonymous = 401 if entry.api else LOGIN
            expected = anonymous if role == ANON else entry.post_denied(role, state)
            if expected is None:
                continue
            client = world.client(role, api=entry.api)
            got = _answer(client.post(url, _hostile_but_plausible(world)))
            if got != expected:
                problems.append(f"{role} POST {url} [{state}]: expected {expected}, got {got}")
    assert not problems, "\n".join(problems)
    assert fingerprint() == before, f"a refused POST to {name} changed something"


def _hostile_but_plausible(world):
    """A body that would do something if the role check let it through."""
    return {
        "action": "add",
        "proposals": [p.pk for p in world.proposals.values()],
        "items": [i.pk for i in world.items.values()],
        "item": world.items["in_progress"].pk,
        "choice": "approve",
        "outcome": "approved",
        "reason": "ทดสอบสิทธิ์",
        "note": "",
        "screener": world.users[SCREENER].pk,
        "recommendation": "forward",
        "lock_version": 0,
        "date": "2025-02-01",
        "number": 9,
        "year_be": 2568,
        "place": "ห้อง 1",
        "title_th": "ทดสอบ",
        "decision": "accept",
        "comment": "ทดสอบสิทธิ์",
        "fiscal_year": 2569,
        "quarter": 1,
        "progress": "on_track",
        "submit": "1",
        "meeting": world.meetings["scheduled"].pk,
        "floor": "80",
        f"frame-{world.years['published']}": "1,000",
        "scenario": Scenario.objects.order_by("-pk").values_list("pk", flat=True).first() or 1,
    }


def test_the_matrix_uses_real_states(world):
    """The world holds what the matrix claims: a guard against a silently empty check."""
    assert {p.status for p in world.proposals.values()} == set(PROPOSAL_STATES)
    assert {m.status for m in world.meetings.values()} == {
        MeetingStatus.SCHEDULED,
        MeetingStatus.IN_PROGRESS,
        MeetingStatus.CLOSED,
    }
    assert PlanVersion.objects.filter(round__fiscal_year=2569).exists()
    assert not PlanVersion.objects.filter(round__fiscal_year=2570).exists()
    assert world.proposals["approved"].approved_amount == Decimal("2500000.00")
    assert {r.status for r in world.reports.values()} == set(REPORT_STATES)
