"""Who may read, publish and download the consolidated plan, role × round state, denials included.

Each table reads across: one row per action, one cell per person, and in each cell the states of
the round in which that person may do it: U = nothing published yet, P = a version published
(and changes made since, so that publishing again is due) ("" = never).
"""

from contextlib import contextmanager

import pytest
from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import reverse

from core.models import AuditEvent
from directory.roles import Role
from plans import permissions, services
from plans.models import PlanExport, PlanVersion
from plans.services import publish_plan
from tests.factories import make_user

from .factories import make_plan

pytestmark = pytest.mark.django_db

PEOPLE = ("submitter", "screener", "secretary", "committee", "budget", "admin")
STATES = ("U", "P")

# fmt: off
# --- the pure rules (plans.permissions): they do not depend on the round --------------------
#                        submitter screener secretary committee budget admin
PURE_RULES = {
    "can_view_plan":     ("",      "UP",    "UP",     "UP",     "UP",  "UP"),
    "can_download_plan": ("",      "UP",    "UP",     "UP",     "UP",  "UP"),
    "can_publish_plan":  ("",      "",      "UP",     "",       "",    "UP"),
}

# --- what each person gets from the pages ---------------------------------------------------
# The plan page shows the round's approved projects before anything is published; its files
# exist only for a published version (before: a clear 404 page), and so do background exports.
#                        submitter screener secretary committee budget admin
PAGE_RULES = {
    "list of plans":     ("",      "UP",    "UP",     "UP",     "UP",  "UP"),
    "read plan":         ("",      "UP",    "UP",     "UP",     "UP",  "UP"),
    "read agencies":     ("",      "UP",    "UP",     "UP",     "UP",  "UP"),
    "compare versions":  ("",      "UP",    "UP",     "UP",     "UP",  "UP"),
    "publish":           ("",      "",      "UP",     "",       "",    "UP"),
    "download xlsx":     ("",      "P",     "P",      "P",      "P",   "P"),
    "download pdf":      ("",      "P",     "P",      "P",      "P",   "P"),
    "download csv":      ("",      "P",     "P",      "P",      "P",   "P"),
    "download json":     ("",      "P",     "P",      "P",      "P",   "P"),
    "export status":     ("",      "P",     "P",      "P",      "P",   "P"),
    "export progress":   ("",      "P",     "P",      "P",      "P",   "P"),
    "export download":   ("",      "P",     "P",      "P",      "P",   "P"),
}
# fmt: on


def allowed(table, action, person, state) -> bool:
    return state in table[action][PEOPLE.index(person)]


def test_the_tables_are_whole():
    for table in (PURE_RULES, PAGE_RULES):
        for action, cells in table.items():
            assert len(cells) == len(PEOPLE), action
            assert all(set(cell) <= set(STATES) for cell in cells), action
    assert set(PURE_RULES) == {name for name in dir(permissions) if name.startswith("can_")}
    assert set(ACTIONS) == set(PAGE_RULES)


class World:
    """A round with five approved projects, nothing published (U) or version 1 published, a
    finished background export of it kept, and a project changed since (P)."""

    def __init__(self, state):
        self.plan = make_plan()
        self.round = self.plan.plan_round
        self.people = {
            "submitter": make_user(Role.SUBMITTER),
            "screener": make_user(Role.SCREENER),
            "secretary": make_user(Role.SECRETARY),
            "committee": make_user(Role.COMMITTEE),
            "budget": make_user(Role.BUDGET_OFFICE),
            "admin": make_user(Role.ADMIN),
        }
        self.export_pk = 999999  # no version, no export: what a guessed address finds
        if state == "P":
            version = publish_plan(plan_round=self.round, actor=self.people["secretary"])
            export = PlanExport.objects.create(
                version=version, file_format="xlsx", language="th",
                status=PlanExport.State.DONE, progress=100, size=4,
            )  # fmt: skip
            export.file.save("plan.xlsx", ContentFile(b"PK\x03\x04"), save=True)
            self.export_pk = export.pk
            project = self.plan.approved[0]
            project.title_th = "ชื่อโครงการที่แก้ไขหลังเผยแพร่"
            project.save(update_fields=["title_th"])


@pytest.fixture(params=STATES)
def state(request):
    return request.param


@pytest.fixture
def world(state, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return World(state)


def test_pure_rules(world, state):
    for person, user in world.people.items():
        answers = {
            "can_view_plan": permissions.can_view_plan(user),
            "can_download_plan": permissions.can_download_plan(user),
            "can_publish_plan": permissions.can_publish_plan(user),
        }
        expected = {rule: allowed(PURE_RULES, rule, person, state) for rule in PURE_RULES}
        # bool(): a rule may answer with a truthy or falsy decision that carries its reason.
        assert {rule: bool(a) for rule, a in answers.items()} == expected, (person, state)


def test_publishing_is_refused_by_the_service_too(world):
    """Not only the page: the service itself refuses whoever may not publish."""
    for person, user in world.people.items():
        with undone():
            try:
                publish_plan(plan_round=world.round, actor=user)
            except services.PlanError:
                published = False
            else:
                published = True
        assert published == permissions.can_publish_plan(user), person


# --- the pages ------------------------------------------------------------------------------


def _get(path):
    def action(world, client):
        response = client.get(path(world))
        assert response.status_code in (200, 403, 404), (path(world), response.status_code)
        if response.streaming:
            b"".join(response.streaming_content)  # read to the end, which closes the file
        return response.status_code == 200

    return action


def _year(name, **query):
    def path(world):
        url = reverse(f"plans:{name}", args=[world.round.fiscal_year])
        return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")

    return path


def _export(name):
    return lambda world: reverse(f"plans:{name}", args=[world.round.fiscal_year, world.export_pk])


def publish(world, client):
    before = PlanVersion.objects.count()
    response = client.post(reverse("plans:publish", args=[world.round.fiscal_year]), {"note": ""})
    assert response.status_code in (302, 403), response.status_code
    return PlanVersion.objects.count() == before + 1


ACTIONS = {
    "list of plans": _get(lambda world: reverse("plans:index")),
    "read plan": _get(_year("detail")),
    "read agencies": _get(_year("agencies")),
    "compare versions": _get(_year("compare")),
    "publish": publish,
    "download xlsx": _get(_year("download_xlsx")),
    "download pdf": _get(_year("download_pdf")),
    "download csv": _get(_year("download_csv")),
    "download json": _get(_year("download_json")),
    "export status": _get(_export("export_status")),
    "export progress": _get(_export("export_progress")),
    "export download": _get(_export("export_download")),
}


class _Undo(Exception):
    pass


@contextmanager
def undone():
    """Run the block, then roll back everything it wrote, so that each person starts afresh."""
    try:
        with transaction.atomic():
            yield
            raise _Undo
    except _Undo:
        pass


@pytest.mark.parametrize("action", list(PAGE_RULES))
def test_what_each_person_gets(world, state, action, client, monkeypatch):
    # Who may have the PDF, not what it says (tests/plans/test_exports.py, slow: it renders).
    monkeypatch.setitem(services.EXPORT_BUILDERS, "pdf", lambda doc, **kwargs: b"%PDF-1.7 plan")
    answers = {}
    for person, user in world.people.items():
        with undone():
            client.force_login(user)
            answers[person] = ACTIONS[action](world, client)
    expected = {person: allowed(PAGE_RULES, action, person, state) for person in PEOPLE}
    wrong = [
        f"{person} {'could' if answers[person] else 'could not'}"
        for person in PEOPLE if answers[person] != expected[person]
    ]  # fmt: skip
    assert answers == expected, f"{action!r} in state {state}: " + ", ".join(wrong)


def test_a_refused_download_is_not_audited_and_a_refused_publish_publishes_nothing(
    world, state, client
):
    client.force_login(world.people["submitter"])
    for name in ("download_xlsx", "download_csv", "download_json", "download_pdf"):
        assert client.get(_year(name)(world)).status_code == 403
    client.force_login(world.people["budget"])
    assert client.post(reverse("plans:publish", args=[world.round.fiscal_year])).status_code == 403
    assert PlanVersion.objects.count() == (1 if state == "P" else 0)
    assert (
        not AuditEvent.objects.filter(code__in=["plan.downloaded", "plan.published"])
        .exclude(actor=world.people["secretary"])
        .exists()
    )
