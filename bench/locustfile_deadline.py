"""Locust users of the deadline-day benchmark (``bench.deadline`` starts it, headless).

No Django here: the users only speak HTTP to the loopback gunicorn. ``bench.deadline`` writes
the plan of the run to the JSON file named by ``DEADLINE_PLAN``: the host, the run's duration,
the agency users (username, proposal id, the attachment's size and seed), the screeners and the
budget users. Each agency user, at its own moment of the run, opens its draft, saves sections
three times, attaches a 2 MB PDF and submits, then idles; screeners page and filter the inbox,
budget users download the published plan, until the run ends. Every request has a ``name``
(its kind) and is a failure unless it answers what the app answers on success.
"""

import json
import os
import random
from html.parser import HTMLParser

import gevent
from locust import HttpUser, constant, events, task

from bench.deadline_files import pdf_of

PLAN = json.loads(open(os.environ["DEADLINE_PLAN"], encoding="utf-8").read())  # noqa: SIM115
SCALE = PLAN["duration_s"] / 600  # think times are those of a 10-minute deadline, scaled
JOURNEYS = []  # one per agency user that started: {"proposal", "attached", "submitted"}


class FormFields(HTMLParser):
    """The fields of every form of a page, as a browser would send them (files left out)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms, self._form, self._textarea, self._select, self._first_option = (
            [],
            None,
            None,
            None,
            None,
        )

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._form = {"action": a.get("action", ""), "fields": []}
            self.forms.append(self._form)
        elif self._form is None:
            return
        elif tag == "input" and a.get("name"):
            kind = (a.get("type") or "text").lower()
            if kind in ("submit", "button", "file", "image", "reset"):
                return
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            self._form["fields"].append(
                [a["name"], a.get("value", "on" if kind == "checkbox" else "")]
            )
        elif tag == "textarea" and a.get("name"):
            self._textarea = [a["name"], ""]
            self._form["fields"].append(self._textarea)
        elif tag == "select" and a.get("name"):
            self._select = [a["name"], None]
            self._first_option = None
            self._form["fields"].append(self._select)
        elif tag == "option" and self._select is not None:
            value = a.get("value", "")
            if self._first_option is None:
                self._first_option = value
            if "selected" in a:
                self._select[1] = value

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "select" and self._select is not None:
            if self._select[1] is None:
                self._select[1] = self._first_option or ""
            self._select = None

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data


def form_with(html, field_name):
    parser = FormFields()
    parser.feed(html)
    for form in parser.forms:
        if any(name == field_name for name, _ in form["fields"]):
            return form["fields"]
    return None


class SignedIn(HttpUser):
    abstract = True
    host = PLAN["host"]

    def sign_in(self, username):
        page = self.client.get("/accounts/login/", name="login page")
        fields = form_with(page.text, "csrfmiddlewaretoken") or []
        token = dict(fields).get("csrfmiddlewaretoken", "")
        with self.client.post(
            "/accounts/login/", name="sign in", allow_redirects=False, catch_response=True,
            data={"username": username, "password": PLAN["password"], "csrfmiddlewaretoken": token},
        ) as response:  # fmt: skip
            if response.status_code != 302:
                response.failure(f"sign-in answered {response.status_code}")

    def expect_redirect(self, response, *, to_contains=None, not_contains=None):
        location = response.headers.get("Location", "")
        if response.status_code != 302:
            response.failure(f"answered {response.status_code}, not a redirect")
        elif (to_contains and to_contains not in location) or (
            not_contains and not_contains in location
        ):
            response.failure(f"redirected to {location}")
        else:
            response.success()
            return True
        return False


class AgencyUser(SignedIn):
    """One agency's submitter on the last day: edits, attaches, submits, once."""

    fixed_count = len(PLAN["agencies"])
    wait_time = constant(1)
    _next = iter(PLAN["agencies"])

    def on_start(self):
        self.me = next(AgencyUser._next)
        self.done = False
        # Arrivals spread over the first 60 % of the run; each journey takes about a third.
        gevent.sleep(random.uniform(0, 0.6) * PLAN["duration_s"])
        self.sign_in(self.me["username"])

    def think(self, low, high):
        gevent.sleep(random.uniform(low, high) * SCALE)

    def editor(self):
        edit = f"/proposals/{self.me['proposal']}/edit/"
        page = self.client.get(edit, name="edit page")
        return edit, form_with(page.text, "lock_version")

    def save(self, step):
        edit, fields = self.editor()
        if fields is None:
            return
        data = [(k, v) for k, v in fields if k != "action"]
        data = [
            (k, f"{v.rstrip()} (แก้ไขครั้งที่ {step})" if k == "content-rationale" else v)
            for k, v in data
        ]
        with self.client.post(
            edit, data=[*data, ("action", "save")], name="section save",
            allow_redirects=False, catch_response=True,
        ) as response:  # fmt: skip
            self.expect_redirect(response, to_contains=edit)

    def attach(self):
        edit, fields = self.editor()
        if fields is None:
            return False
        data = [(k, v) for k, v in fields if k != "action"]
        content = pdf_of(self.me["attachment_size"], self.me["attachment_seed"])
        with self.client.post(
            edit, data=[*data, ("action", "attachments"), ("attachment-description", "TOR")],
            files={"attachment-file": ("tor.pdf", content, "application/pdf")},
            name="attachment upload (2 MB)", allow_redirects=False, catch_response=True,
        ) as response:  # fmt: skip
            return self.expect_redirect(response, to_contains="#section-attachments")

    def submit(self):
        page = self.client.get(f"/proposals/{self.me['proposal']}/", name="proposal page")
        token = dict(form_with(page.text, "csrfmiddlewaretoken") or []).get(
            "csrfmiddlewaretoken", ""
        )
        with self.client.post(
            f"/proposals/{self.me['proposal']}/submit/", name="submit",
            data={"csrfmiddlewaretoken": token}, allow_redirects=False, catch_response=True,
        ) as response:  # fmt: skip
            return self.expect_redirect(
                response, to_contains=f"/proposals/{self.me['proposal']}/", not_contains="edit"
            )

    @task
    def journey(self):
        if self.done:
            gevent.sleep(5)
            return
        outcome = {"proposal": self.me["proposal"], "attached": False, "submitted": False}
        JOURNEYS.append(outcome)
        for step in (1, 2, 3):
            self.save(step)
            self.think(20, 40)
        outcome["attached"] = self.attach()
        self.think(10, 30)
        outcome["submitted"] = self.submit()
        self.done = True


class ScreenerUser(SignedIn):
    """A DGA screener paging and filtering the inbox while the proposals arrive."""

    fixed_count = len(PLAN["screeners"])
    wait_time = constant(0)
    _next = iter(PLAN["screeners"])

    def on_start(self):
        self.sign_in(next(ScreenerUser._next))

    @task(3)
    def inbox_page(self):
        self.client.get(f"/screening/?page={random.randint(1, 5)}", name="inbox page")
        gevent.sleep(random.uniform(2, 6))

    @task(2)
    def inbox_filtered(self):
        query = random.choice(["stage=downstream&min_amount=1000000", "status=submitted", "q=ระบบ"])
        self.client.get(f"/screening/?{query}", name="inbox filtered")
        gevent.sleep(random.uniform(2, 6))


class BudgetUser(SignedIn):
    """The budget office downloading the published plan."""

    fixed_count = len(PLAN["budget"])
    wait_time = constant(0)
    _next = iter(PLAN["budget"])

    def on_start(self):
        self.sign_in(next(BudgetUser._next))

    @task
    def download(self):
        for file_format in ("pdf", "xlsx"):
            with self.client.get(
                f"/plans/{PLAN['plan_year']}/plan.{file_format}", name=f"plan.{file_format}",
                catch_response=True,
            ) as response:  # fmt: skip
                if response.status_code != 200 or len(response.content) < 1000:
                    response.failure(f"answered {response.status_code}")
            gevent.sleep(random.uniform(5, 10))


@events.quitting.add_listener
def _write_journeys(environment, **kwargs):
    """What each agency user was told (attached, submitted), for bench.deadline's count check;
    failures are judged there from the stats, not by Locust's exit code."""
    with open(os.environ["DEADLINE_JOURNEYS"], "w", encoding="utf-8") as handle:
        json.dump(JOURNEYS, handle)
    environment.process_exit_code = 0
