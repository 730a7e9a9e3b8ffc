"""Production's two database roles (README): the owner migrates; the application's role, with
the privileges of scripts/postgres-app-grants.sql, can append to the audit trail and read it,
and cannot change, empty, alter or drop it."""

import uuid
from contextlib import contextmanager

import pytest
from django.conf import settings
from django.db import DatabaseError, connection, transaction

from core.audit import record_event
from core.models import AuditEvent
from tests.factories import make_proposal

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="database roles and GRANTs are PostgreSQL's"
    ),
]

GRANTS = settings.BASE_DIR / "scripts" / "postgres-app-grants.sql"


@pytest.fixture
def app_role():
    """A role of the application's kind, granted exactly as the README says (a unique name:
    roles belong to the whole server, which other test runs share)."""
    name = f"budgetscreen_app_{uuid.uuid4().hex[:12]}"
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE ROLE "{name}" NOLOGIN')
        cursor.execute(GRANTS.read_text().replace("budgetscreen_app", f'"{name}"'))
    yield name
    with connection.cursor() as cursor:
        cursor.execute("RESET ROLE")
        cursor.execute(f'DROP OWNED BY "{name}"')
        cursor.execute(f'DROP ROLE "{name}"')


@contextmanager
def acting_as(role):
    with connection.cursor() as cursor:
        cursor.execute(f'SET ROLE "{role}"')
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET ROLE")


def test_the_application_role_works_and_appends_to_the_audit_trail(app_role):
    with acting_as(app_role):
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_user")
            assert cursor.fetchone()[0] == app_role
        with transaction.atomic():
            # Ordinary tables: insert and update; the audit table: read the head and append.
            proposal = make_proposal()
            proposal.title_th = "เปลี่ยนชื่อ"
            proposal.save(update_fields=["title_th"])
            first = record_event("proposal.submitted", target=proposal)
            second = record_event("proposal.forwarded", target=proposal)
        assert list(AuditEvent.objects.values_list("seq", flat=True)) == [first.seq, second.seq]
        assert second.prev_hash == first.hash


@pytest.mark.parametrize(
    ("statement", "refusal"),
    [
        ("UPDATE core_auditevent SET code = 'forged'", "permission denied for table"),
        ("DELETE FROM core_auditevent", "permission denied for table"),
        ("TRUNCATE core_auditevent", "permission denied for table"),
        ("ALTER TABLE core_auditevent DISABLE TRIGGER ALL", "must be owner of table"),
        ("ALTER TABLE core_auditevent ADD COLUMN note text", "must be owner of table"),
        ("DROP TRIGGER core_auditevent_no_delete ON core_auditevent", "must be owner of relation"),
        ("DROP TABLE core_auditevent", "must be owner of table"),
    ],
)
def test_the_application_role_cannot_change_or_erase_the_audit_trail(app_role, statement, refusal):
    with transaction.atomic():
        record_event("proposal.submitted")
    with connection.cursor() as cursor:
        # Foreign-key checks of this test's rows would otherwise block TRUNCATE for another
        # reason than privileges.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    with (
        acting_as(app_role),
        pytest.raises(DatabaseError, match=f"{refusal} core_auditevent"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(statement)
    assert AuditEvent.objects.get().code == "proposal.submitted"
