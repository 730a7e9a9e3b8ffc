"""Random data posted to every URL of the app never gets a server error.

``ENDPOINTS`` names every URL of the URLconf (apart from ``EXCLUDED``), who posts to it and the
fields its form reads; ``test_every_url_is_fuzzed`` walks the URLconf so that a new URL (a new
form) fails the suite until it is listed here. Each example is either free random data (any
unicode text, numbers as text, lists, missing and unknown fields) or a valid form with some
fields replaced or dropped, so that the fuzzing also reaches the services behind the forms.
Views that only answer GET are posted to as well: they must answer 405 or ignore the body.
"""

import string

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.services import create_api_token
from committee import services as committee_services
from directory.roles import Role
from execution.models import Amendment, Project
from execution.services import create_report, submit_report
from plans.models import PlanExport
from plans.services import publish_plan
from tests.committee.factories import add_item, make_setup, mark_present
from tests.execution.factories import make_evidence
from tests.factories import make_round, make_user
from tests.plans.factories import make_plan
from tests.proposals.factories import form_payload, make_complete_draft
from tests.screening.factories import (
    give_second,
    make_criteria,
    make_meeting,
    make_scored_criteria,
    scores_of,
)

pytestmark = pytest.mark.slow  # hypothesis posts to every form

# Not fuzzed, on purpose:
# - login: Django's own form behind django-axes; random posts would only lock the test user
#   out (tests/foundation/test_login_protection.py covers it);
# - logout: takes no input; set_language: Django's own view, it only reads `language`/`next`;
# - admin: Django's own admin site and forms, for administrators only.
EXCLUDED = {"login", "logout", "set_language"}
EXCLUDED_NAMESPACES = {"admin"}

TEXT = st.text(
    alphabet=st.characters(exclude_categories=("Cs",)),  # surrogates cannot be sent as UTF-8
    max_size=60,
)
NUMBER_TEXT = st.one_of(
    st.integers(min_value=-(10**20), max_value=10**20).map(str),
    st.decimals(allow_nan=True, allow_infinity=True, places=2).map(str),
    st.sampled_from(["๑,๒๓๔.๕๐", "1e309", "0x10", "-0", "1,,000", " 12 ", "٣", "NaN", "", "0"]),
)
VALUE = st.one_of(TEXT, NUMBER_TEXT, st.sampled_from(["\x00", "ก" * 3000, "<script>"]))
VALUES = st.one_of(VALUE, st.lists(VALUE, max_size=3))


class World:
    """One of everything, in states where each form has something to act on."""

    def __init__(self):
        self.plan = make_plan(2568)
        self.secretary = make_user(Role.SECRETARY)
        version = publish_plan(plan_round=self.plan.plan_round, actor=self.secretary, note="v1")
        self.export = PlanExport.objects.create(version=version, file_format="xlsx", language="th")
        self.open_round = make_round(open_now=True)
        self.submitter = make_user(Role.SUBMITTER)
        agency = self.submitter.agency
        self.draft = make_complete_draft(
            agency=agency, plan_round=self.open_round, actor=self.submitter
        )
        self.submitted = make_complete_draft(
            agency=agency, plan_round=self.open_round, status="submitted"
        )
        self.attachment = self.draft.attachments.get()
        self.screener = make_user(Role.SCREENER)
        self.criteria = make_criteria(self.open_round, count=2)
        self._double_screening(agency)
        self.setup = make_setup(secretary=self.secretary, plan_round=self.open_round)
        self.item = add_item(self.setup)
        self.other_item = add_item(self.setup)
        mark_present(self.setup, self.setup.voters)
        committee_services.open_meeting(meeting=self.setup.meeting, actor=self.secretary)
        make_meeting(self.open_round, number=2)
        self.admin = make_user(Role.ADMIN)
        self.budget = make_user(Role.BUDGET_OFFICE)
        # publishing the plan started its projects: one with a draft and a submitted report
        self.project = Project.objects.filter(round=self.plan.plan_round).order_by("pk").first()
        self.reporter = make_user(Role.SUBMITTER, agency=self.project.agency)
        year = self.plan.plan_round.fiscal_year
        self.report = create_report(
            project=self.project, fiscal_year=year, quarter=1, actor=self.reporter
        )
        self.sent_report = create_report(
            project=self.project, fiscal_year=year, quarter=2, actor=self.reporter
        )
        submit_report(report=self.sent_report, actor=self.reporter)
        self.evidence = make_evidence(self.sent_report)
        # an amendment awaiting DGA (of another project, so that the agency may still ask)
        other = Project.objects.filter(round=self.plan.plan_round).exclude(pk=self.project.pk)
        self.amendment = Amendment.objects.create(
            project=other.order_by("pk").first(), number=1, reason="ย้ายงบ"
        )

    def _double_screening(self, agency):
        """Scored criteria; a proposal awaits the screener's second scores, and another one's
        two screeners disagree (to reconcile)."""
        from screening import services as screening_services

        self.scored = make_scored_criteria(self.open_round)
        self.to_score = make_complete_draft(
            agency=agency, plan_round=self.open_round, status="submitted"
        )
        give_second(self.to_score, self.screener)
        self.disputed = make_complete_draft(
            agency=agency, plan_round=self.open_round, status="submitted"
        )
        first, second = make_user(Role.SCREENER), make_user(Role.SCREENER)
        give_second(self.disputed, second)
        screening_services.screen_proposal(
            proposal_id=self.disputed.pk, actor=first, recommendation="forward",
            assessments={c.pk: screening_services.AssessmentInput("met") for c in self.criteria},
            scores=scores_of(self.scored, [4, 4]),
        )  # fmt: skip
        screening_services.submit_scores(
            proposal_id=self.disputed.pk, actor=second, scores=scores_of(self.scored, [0, 0])
        )

    def user(self, who):
        return {
            "submitter": self.submitter,
            "screener": self.screener,
            "secretary": self.secretary,
            "member": self.setup.members[0],
            "chair": self.setup.chair,
            "admin": self.admin,
            "budget": self.budget,
            "reporter": self.reporter,
        }[who]


def _meeting(w):
    return {"pk": w.setup.meeting.pk}


def _item(w):
    return {"pk": w.setup.meeting.pk, "item_pk": w.item.pk}


def _year(w):
    return {"year": w.plan.plan_round.fiscal_year}


def _draft(w):
    return {"pk": w.draft.pk}


def _screening_base(w):
    data = {"recommendation": "forward", "lock_version": w.submitted.lock_version, "reasons": "x"}
    for c in w.criteria:
        data[f"c{c.pk}_result"] = "met"
        data[f"c{c.pk}_comment"] = "ok"
    return {**data, **_scores_base(w)}


def _scores_base(w):
    data = {}
    for c in w.scored:
        data[f"s{c.pk}_value"] = "3"
        data[f"s{c.pk}_reason"] = "ok"
    return data


def _frame_base(w):
    from proposals.models import Stage

    stage = Stage.objects.order_by("order").first().pk
    year = _year(w)["year"]
    return {f"frame-{year}": "9,000,000", f"frame-{year + 1}": "", f"min-{stage}": "10",
            f"max-{stage}": "60"}  # fmt: skip


def _reconcile_base(w):
    return {**{f"s{c.pk}_value": "2" for c in w.scored}, "reason": "agreed"}


def _meeting_base(w):
    return {"committee": w.setup.committee.pk, "round": w.open_round.pk, "number": "7",
            "year_be": "2568", "date": "2025-01-31", "start_time": "09:00",
            "place": "ห้อง 1"}  # fmt: skip


def _details_base(w):
    return {"date": "2024-01-31", "start_time": "09:30", "end_time": "12:00", "place": "ห้อง",
            "others_attending": "ผู้สังเกตการณ์", "minute_taker": w.secretary.pk}  # fmt: skip


def _attendance_base(w):
    return {f"member-{m.pk}": "present" for m in w.setup.memberships.values()}


def _proposal_base(w):
    return form_payload(plan_round=w.open_round, proposal=w.draft)


def _report_base(w):
    data = {"progress": "at_risk", "milestones": "x", "problems": "y", "help_requested": "z"}
    for line in w.report.lines.all():
        data[f"disbursed_{line.category}"] = "1,000.50"
        data[f"committed_{line.category}"] = "0"
    for actual in w.report.kpi_actuals.all():
        data[f"kpi_{actual.kpi_id}"] = "5"
        data[f"kpinote_{actual.kpi_id}"] = "ok"
    return data


def _amendment_base(w):
    data = {"reason": "ราคาเปลี่ยน", "scope_change": "", "kpi_change": ""}
    for line in w.project.baseline.all():
        data[f"amount_{line.fiscal_year}_{line.category}"] = f"{line.approved_amount:,.2f}"
    return data


# name → (who posts, URL kwargs, a valid body to mutate, the examples it gets)
def _api_draft(w):
    year = w.open_round.fiscal_year
    return {
        "round": year,
        "title_th": "ระบบกลาง",
        "duration_years": 2,
        "stage": "upstream",
        "budget_lines": [
            {"fiscal_year": year, "category": "operating", "amount": "1000.50"},
            {"fiscal_year": year + 1, "category": "investment", "amount": "20"},
        ],
        "kpis": [{"indicator": "บริการ", "unit": "ระบบ", "target": "1"}],
    }


def _api_update(w):
    body = _api_draft(w)
    del body["round"]
    return {**body, "version": w.draft.lock_version}


ENDPOINTS = {
    "home": ("submitter", None, lambda w: {}, 5),
    "two_factor_verify": ("screener", None, lambda w: {"token": "123456", "next": "/"}, 10),
    "two_factor_setup": ("screener", None, lambda w: {"token": "123456"}, 10),
    "two_factor_recovery": ("screener", None, lambda w: {"code": "abcd-efgh-ijkl-mnop"}, 10),
    "two_factor_recovery_codes": ("screener", None, lambda w: {"token": "123456"}, 10),
    # GET only (POST → 405); random callback queries with OIDC on: tests/oidc/test_sign_in.py.
    "oidc_authenticate": ("submitter", None, lambda w: {"next": "/"}, 3),
    "oidc_callback": ("submitter", None, lambda w: {"code": "x", "state": "y"}, 5),
    "core:notifications": ("submitter", None, lambda w: {}, 5),
    "directory:agency_suggestions": ("screener", None, lambda w: {"q": "กรม"}, 5),
    "proposals:list": ("submitter", None, lambda w: {}, 5),
    "proposals:new": ("submitter", None, _proposal_base, 25),
    "proposals:detail": ("submitter", _draft, lambda w: {}, 5),
    "proposals:edit": ("submitter", _draft, _proposal_base, 30),
    "proposals:submit": ("submitter", _draft, lambda w: {}, 5),
    "proposals:withdraw": (
        "submitter",
        lambda w: {"pk": w.submitted.pk},
        lambda w: {"reason": "x"},
        15,
    ),
    "proposals:template": ("submitter", None, lambda w: {}, 3),
    "proposals:import": ("submitter", None, lambda w: {"confirm": "x"}, 15),
    "proposals:workbook": ("submitter", _draft, lambda w: {}, 3),
    "proposals:history": ("screener", lambda w: {"pk": w.submitted.pk}, lambda w: {}, 3),
    "proposals:compare": ("submitter", _draft, lambda w: {"from": "1", "to": "2"}, 5),
    "proposals:attachment": (
        "submitter",
        lambda w: {"pk": w.draft.pk, "attachment_pk": w.attachment.pk},
        lambda w: {},
        3,
    ),  # fmt: skip
    "screening:inbox": ("screener", None, lambda w: {"q": "x"}, 5),
    "screening:mine": ("screener", None, lambda w: {}, 5),
    "screening:export_xlsx": ("screener", None, lambda w: {}, 3),
    "screening:export_csv": ("screener", None, lambda w: {}, 3),
    "screening:dashboard": ("screener", None, lambda w: {}, 3),
    "screening:duplicates": ("screener", None, lambda w: {}, 3),
    "screening:bulk_assign": (
        "screener",
        None,
        lambda w: {"proposal": [w.submitted.pk], "screener": w.screener.pk},
        25,
    ),  # fmt: skip
    "screening:distribute": (
        "screener",
        None,
        lambda w: {"round": str(w.open_round.fiscal_year)},
        10,
    ),
    "screening:round_import": (
        "admin",
        None,
        lambda w: {"fiscal_year": str(w.open_round.fiscal_year), "confirm": "x"},
        10,
    ),
    "committee:place_from_inbox": (
        "screener",
        None,
        lambda w: {"proposal": [w.submitted.pk], "meeting": w.setup.meeting.pk},
        25,
    ),  # fmt: skip
    "screening:detail": ("screener", lambda w: {"pk": w.submitted.pk}, _screening_base, 30),
    "screening:reopen": (
        "screener",
        lambda w: {"pk": w.submitted.pk},
        lambda w: {"reason": "x"},
        15,
    ),
    "screening:assign": (
        "screener",
        lambda w: {"pk": w.submitted.pk},
        lambda w: {"screener": w.screener.pk},
        15,
    ),  # fmt: skip
    "screening:submit_scores": ("screener", lambda w: {"pk": w.to_score.pk}, _scores_base, 25),
    "screening:reconcile": ("screener", lambda w: {"pk": w.disputed.pk}, _reconcile_base, 25),
    "screening:second_screening": (
        "screener",
        None,
        lambda w: {"round": str(w.open_round.fiscal_year)},
        10,
    ),
    "screening:compare": (
        "screener",
        lambda w: {"pk": w.submitted.pk, "other_pk": w.item.proposal.pk},
        lambda w: {},
        3,
    ),  # fmt: skip
    "committee:history": ("secretary", _meeting, lambda w: {}, 3),
    "committee:list": ("secretary", None, lambda w: {}, 3),
    "committee:create": ("secretary", None, _meeting_base, 30),
    "committee:meeting": ("secretary", _meeting, lambda w: {}, 3),
    "committee:state": ("secretary", _meeting, lambda w: {}, 3),
    "committee:edit": ("secretary", _meeting, _details_base, 30),
    "committee:open": ("secretary", _meeting, lambda w: {}, 3),
    "committee:attendance": ("secretary", _meeting, _attendance_base, 20),
    "committee:agenda": (
        "secretary",
        _meeting,
        lambda w: {"action": "add", "proposals": [w.submitted.pk], "item": w.item.pk},
        25,
    ),  # fmt: skip
    "committee:vote": (
        "member",
        _item,
        lambda w: {"choice": "approve_reduced", "amount": "1,000"},
        25,
    ),
    "committee:conflict": (
        "member",
        lambda w: {"pk": w.setup.meeting.pk, "item_pk": w.other_item.pk},
        lambda w: {"reason": "x"},
        10,
    ),  # fmt: skip
    "committee:resolution": (
        "chair",
        _item,
        lambda w: {"outcome": "approved", "approved_amount": "1,000", "reason": "x"},
        25,
    ),  # fmt: skip
    "committee:approve_recommended": ("secretary", _meeting, lambda w: {"items": [w.item.pk]}, 15),
    "committee:close": ("secretary", _meeting, lambda w: {}, 3),
    "committee:reopen": ("admin", _meeting, lambda w: {"reason": "x"}, 10),
    "committee:minutes": ("secretary", _meeting, lambda w: {}, 2),
    "committee:frame": (
        "secretary",
        _year,
        _frame_base,
        25,
    ),  # fmt: skip
    "committee:frame_state": ("secretary", _meeting, lambda w: {}, 2),
    "committee:scenario": (
        "secretary",
        _meeting,
        lambda w: {"floor": "80", f"pin-{w.item.pk}": "in", f"pin-{w.other_item.pk}": "out"},
        25,
    ),  # fmt: skip
    "committee:scenario_json": ("secretary", _meeting, lambda w: {}, 2),
    "committee:scenario_adopt": (
        "chair",
        _meeting,
        lambda w: {"scenario": "1", "items": [w.item.pk]},
        15,
    ),  # fmt: skip
    "plans:index": ("budget", None, lambda w: {}, 3),
    "plans:detail": ("budget", _year, lambda w: {"q": "x"}, 3),
    "plans:publish": ("secretary", _year, lambda w: {"note": "x"}, 15),
    "plans:compare": ("budget", _year, lambda w: {"a": "1", "b": "2"}, 3),
    "plans:agencies": ("budget", _year, lambda w: {}, 2),
    "plans:project": (
        "budget",
        lambda w: {**_year(w), "code": w.plan.approved[0].code},
        lambda w: {},
        2,
    ),
    "plans:export_status": ("budget", lambda w: {**_year(w), "pk": w.export.pk}, lambda w: {}, 3),
    "plans:export_progress": ("budget", lambda w: {**_year(w), "pk": w.export.pk}, lambda w: {}, 3),
    "plans:export_download": ("budget", lambda w: {**_year(w), "pk": w.export.pk}, lambda w: {}, 3),
    "plans:download_xlsx": ("budget", _year, lambda w: {}, 2),
    "plans:download_pdf": ("budget", _year, lambda w: {}, 2),
    "plans:download_csv": ("budget", _year, lambda w: {}, 2),
    "plans:download_json": ("budget", _year, lambda w: {}, 2),
    "plans:datapackage": ("budget", _year, lambda w: {}, 2),
    "execution:projects": ("reporter", None, lambda w: {}, 3),
    "execution:reviews": ("screener", None, lambda w: {}, 3),
    "execution:project": ("reporter", lambda w: {"pk": w.project.pk}, lambda w: {}, 3),
    "execution:report_create": (
        "reporter",
        lambda w: {"pk": w.project.pk},
        lambda w: {"fiscal_year": str(w.plan.plan_round.fiscal_year), "quarter": "3"},
        15,
    ),
    "execution:report": ("screener", lambda w: {"pk": w.sent_report.pk}, lambda w: {}, 3),
    "execution:report_edit": ("reporter", lambda w: {"pk": w.report.pk}, _report_base, 30),
    "execution:evidence": (
        "screener",
        lambda w: {"pk": w.sent_report.pk, "evidence_pk": w.evidence.pk},
        lambda w: {},
        3,
    ),
    "execution:report_review": (
        "screener",
        lambda w: {"pk": w.sent_report.pk},
        lambda w: {"decision": "return", "comment": "แก้ไข"},
        15,
    ),
    "execution:amendments": ("screener", None, lambda w: {}, 3),
    "execution:amendment_create": (
        "reporter",
        lambda w: {"pk": w.project.pk},
        _amendment_base,
        30,
    ),  # fmt: skip
    "execution:amendment": ("screener", lambda w: {"pk": w.amendment.pk}, lambda w: {}, 3),
    "execution:amendment_decide": (
        "screener",
        lambda w: {"pk": w.amendment.pk},
        lambda w: {"decision": "refuse", "reason": "ไม่จำเป็น"},
        15,
    ),
    "progress:dashboard": ("budget", _year, lambda w: {}, 2),
    "progress:csv": ("budget", _year, lambda w: {}, 2),
    "progress:xlsx": ("budget", _year, lambda w: {}, 2),
    "progress:json": ("budget", _year, lambda w: {}, 2),
    "progress:to_agenda": ("secretary", _year, lambda w: {"meeting": str(w.setup.meeting.pk)}, 10),
    "progress:pdf": ("budget", _year, lambda w: {}, 2),
    # the REST API: JSON with the user's token (see API_METHODS)
    "api:docs": ("submitter", None, lambda w: {}, 2),
    "api:root": ("submitter", None, lambda w: {}, 2),
    "api:schema": ("submitter", None, lambda w: {}, 2),
    "api:rounds": ("submitter", None, lambda w: {}, 2),
    "api:round": ("submitter", _year, lambda w: {}, 2),
    "api:reference": ("submitter", None, lambda w: {}, 2),
    "api:agencies": ("submitter", None, lambda w: {}, 2),
    "api:proposals": ("submitter", None, _api_draft, 30),
    "api:proposal": ("submitter", _draft, _api_update, 30),
    "api:proposal_submit": ("submitter", _draft, lambda w: {"version": w.draft.lock_version}, 10),
    "api:proposal_attachments": ("submitter", _draft, lambda w: {"description": "TOR"}, 5),
    "api:plans": ("budget", None, lambda w: {}, 2),
    "api:plan": ("budget", _year, lambda w: {}, 2),
    "api:plan_progress": ("budget", _year, lambda w: {}, 2),
    "api:not_found": ("submitter", lambda w: {"rest": "plans/-1/"}, lambda w: {}, 2),
}
# API endpoints are sent JSON with a bearer token (scope write), by POST unless named here.
API_METHODS = {"api:proposal": "patch"}


def url_names(resolver=None, namespace=""):
    """Every named URL of the URLconf, as ``namespace:name``."""
    names = set()
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace in EXCLUDED_NAMESPACES:
                continue
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            names |= url_names(entry, inner)
        elif isinstance(entry, URLPattern) and entry.name:
            names.add(namespace + entry.name)
    return names


def test_every_url_is_fuzzed():
    """A new URL fails here until it is fuzzed (or excluded, with a reason)."""
    assert url_names() - EXCLUDED == set(ENDPOINTS)


def payloads(base):
    """Free random data, or the valid body with fields replaced, dropped and added."""
    keys = sorted(base) or ["x"]
    free = st.dictionaries(
        st.one_of(st.sampled_from(keys), st.text(string.ascii_letters + "-_", max_size=12)),
        VALUES,
        max_size=len(keys) + 3,
    )
    mutated = st.tuples(
        st.dictionaries(st.sampled_from(keys), VALUES, max_size=4),
        st.sets(st.sampled_from(keys), max_size=3),
    ).map(lambda t: {**{k: v for k, v in base.items() if k not in t[1]}, **t[0]})
    return st.one_of(free, mutated, st.just(base))


@pytest.mark.parametrize("name", sorted(ENDPOINTS))
def test_random_posts_never_fail(db, settings_media, name):
    who, kwargs, base, examples = ENDPOINTS[name]
    world = World()
    url = reverse(name, kwargs=kwargs(world) if kwargs else None)
    body = base(world)
    send = _sender(name, world.user(who), url)

    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )
    @given(data=payloads(body))
    def post(data):
        response = send(data)
        if response.streaming:
            b"".join(response.streaming_content)  # reading to the end closes the document
        if response.status_code >= 500:
            first_failure.append((data, response.status_code))
        assert response.status_code < 500, (name, data, response.status_code)

    # On PostgreSQL a database error aborts the test's transaction and every later example
    # fails too; the first failing example is the one to read.
    first_failure = []
    try:
        post()
    except AssertionError as error:
        raise AssertionError(f"{name}: first failure {first_failure[:1]!r}") from error


def _sender(name, user, url):
    """How the examples are sent: a form by the signed-in user, or JSON with the user's token."""
    if not name.startswith("api:"):
        client = Client(raise_request_exception=False)
        client.force_login(user)
        return lambda data: client.post(url, data)
    token = create_api_token(actor=None, user=user, scope="write").secret
    client = Client(raise_request_exception=False, headers={"Authorization": f"Bearer {token}"})
    method = getattr(client, API_METHODS.get(name, "post"))
    return lambda data: method(url, data, content_type="application/json")


@pytest.fixture
def settings_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # random wrong codes must not make later ones wait
    return settings
