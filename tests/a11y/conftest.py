"""The demo data behind one live server for a whole module, and one signed-in context per role.

Loading the demo takes about a second; the accessibility tests visit some forty pages, so the
data is loaded once per module (outside pytest-django's per-test transactions) and flushed when
the module is done, leaving the database as empty as the next test expects.
"""

import datetime
import os
import threading
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connections
from django.test import Client
from django.test.utils import override_settings
from django.utils import timezone
from pytest_django.live_server_helper import LiveServer

from budgetscreen.demo import demo_calendar, load_demo

AXE_PATH = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
PASSWORD = "budgetscreen"

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def _extra_data():
    """What the demo lacks for some pages: two submitted versions of one proposal, two plan
    versions of one round, a user without a role, and one enrolled in two-factor sign-in.
    Returns the primary keys the page list needs."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from committee.models import Meeting
    from directory.models import User
    from plans.models import PlanExport
    from plans.services import publish_plan
    from proposals.models import Proposal, ProposalVersion
    from proposals.selectors import proposal_snapshot
    from proposals.workflow import Status

    open_round = demo_calendar(timezone.localdate()).open_round
    submitter = User.objects.get(username="submitter")
    own = Proposal.objects.filter(agency=submitter.agency, round__fiscal_year=open_round)
    draft = own.filter(status=Status.DRAFT).order_by("pk").first()
    returned = own.filter(status=Status.RETURNED).order_by("pk").first()
    submitted = own.filter(status=Status.SUBMITTED).order_by("pk").first()

    # Two versions of the returned proposal: the first as it was, the second with a new summary.
    first = proposal_snapshot(returned)
    second = {
        **first,
        "fields": {**first["fields"], "summary": first["fields"]["summary"] + " (ปรับปรุง)"},
    }
    for number, snapshot in ((1, first), (2, second)):
        ProposalVersion.objects.create(
            proposal=returned, number=number, snapshot=snapshot, created_by=submitter,
            created_at=timezone.now() - datetime.timedelta(days=10 - number),
        )  # fmt: skip

    # A second version of the FY2568 plan: one approved amount lowered after publication.
    fy2568 = Proposal.objects.filter(round__fiscal_year=2568, status=Status.APPROVED).order_by("pk")
    changed = fy2568.first()
    Proposal.objects.filter(pk=changed.pk).update(approved_amount=changed.approved_amount - 1000)
    version = publish_plan(
        plan_round=changed.round, actor=User.objects.get(username="secretary"), note="ปรับวงเงิน"
    )
    # A background XLSX export half made, for its progress page.
    export = PlanExport.objects.create(
        version=version, file_format="xlsx", language="th", status="running", progress=40,
        requested_by=User.objects.get(username="budget"),
    )  # fmt: skip

    User.objects.create_user("a11y_norole", password=PASSWORD, first_name="ไม่มี", last_name="บทบาท")
    enrolled = User.objects.create_user(
        "a11y_otp", password=PASSWORD, first_name="ทดสอบ", last_name="รหัส"
    )
    TOTPDevice.objects.create(user=enrolled, name="budgetscreen", confirmed=True)

    meetings = Meeting.objects.order_by("pk")
    screened = Proposal.objects.filter(
        round__fiscal_year=open_round, status=Status.FORWARDED
    ).order_by("pk")
    return {
        "open_round": open_round,
        "draft": draft.pk,
        "returned": returned.pk,
        "submitted": submitted.pk,
        "forwarded": screened.first().pk,
        "other": screened.last().pk,
        "fy2568": fy2568.last().pk,
        "open_meeting": meetings.exclude(status="closed").first().pk,
        "closed_meeting": meetings.filter(status="closed").first().pk,
        "export": export.pk,
    }


@pytest.fixture(scope="module")
def demo_site(chromium, django_db_setup, django_db_blocker):
    """A live server over the demo data; ``.url`` and the primary keys of ``_extra_data``.

    The browser starts first: ORM calls made before Playwright's first start would leave a
    connection that the teardown here cannot see (PostgreSQL then refuses to drop the test
    database)."""
    with django_db_blocker.unblock():
        with override_settings(DEMO_DATA=True):
            load_demo()
        keys = _extra_data()
        server = LiveServer("localhost")
        try:
            yield SimpleNamespace(url=server.url, **keys)
        finally:
            # Let the server's request threads (closed keep-alive connections) finish before the
            # shared SQLite connection stops being shareable.
            for thread in threading.enumerate():
                if "process_request_thread" in thread.name:
                    thread.join(timeout=5)
            server.stop()
            call_command("flush", interactive=False, verbosity=0)
            connections.close_all()


def sign_in(page, base_url, username):
    """The login form, filled by script (the keyboard test signs in with the keys instead)."""
    page.goto(f"{base_url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit].primary")
    page.wait_for_load_state("networkidle")


ACCOUNTS = [None, "a11y_norole", "submitter", "screener", "secretary", "chair", "member1", "budget"]


@pytest.fixture(scope="module")
def role_pages(chromium, demo_site):
    """``role_pages[username]``: one page per account, signed in once for the module.

    The sessions are made here (the login form itself is tested elsewhere), before any test's
    transaction, so that they outlive the rollback at the end of each test: on SQLite the live
    server shares the test's connection."""
    from directory.models import User

    contexts, pages = [], {}
    for username in ACCOUNTS:
        context = chromium.new_context(locale="th-TH", viewport={"width": 1280, "height": 900})
        contexts.append(context)
        if username is not None:
            client = Client()
            client.force_login(User.objects.get(username=username))
            cookie = client.cookies[settings.SESSION_COOKIE_NAME]
            context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": demo_site.url}])
        page = context.new_page()
        page.set_default_timeout(10_000)
        # The app's scripts run under its Content-Security-Policy; anything refused is noted.
        page.csp_refusals = []
        page.on(
            "console",
            lambda m, p=page: "Content Security Policy" in m.text and p.csp_refusals.append(m.text),
        )
        pages[username] = page
    yield pages
    for context in contexts:
        context.close()


@pytest.fixture(scope="session")
def axe_source():
    if not AXE_PATH.exists():
        pytest.fail("axe-core is missing: run `npm ci` (make test does it)")
    return AXE_PATH.read_text(encoding="utf-8")


def axe_violations(page, axe_source):
    """Run axe-core (WCAG 2.1 A and AA rules) on the page as it is; its violations.

    The script is evaluated through the DevTools protocol, which the page's
    Content-Security-Policy does not govern; the app's own scripts still run under the policy.
    """
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(axe_source)
    return page.evaluate(
        """async (tags) => {
            const results = await axe.run(document, {
                runOnly: {type: "tag", values: tags},
                resultTypes: ["violations"],
            });
            return results.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map(n => ({target: n.target.join(" "), summary: n.failureSummary})),
            }));
        }""",
        WCAG_21_AA,
    )


def describe(violations) -> str:
    lines = []
    for v in violations:
        lines.append(f"{v['id']} ({v['impact']}): {v['help']}")
        for node in v["nodes"][:8]:
            reason = (node["summary"] or "").splitlines()[1:2] or [""]
            lines.append(f"    {node['target']}  [{reason[0].strip():.160}]")
        if len(v["nodes"]) > 8:
            lines.append(f"    … and {len(v['nodes']) - 8} more")
    return "\n".join(lines)
