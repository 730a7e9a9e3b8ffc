"""The audit chain: append-only in the database, each event carrying the previous one's hash."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from core.audit import record_event
from core.audit_triggers import install_triggers, remove_triggers
from core.models import AuditEvent
from tests.factories import make_proposal, make_user

pytestmark = pytest.mark.django_db


def test_events_are_chained_and_verified():
    actor = make_user()
    proposal = make_proposal()
    with transaction.atomic():
        first = record_event("proposal.submitted", actor=actor, target=proposal, extra={"a": 1})
        second = record_event("vote.cast", actor=actor, target=proposal)
    assert second.prev_hash == first.hash
    assert first.target_type == "proposals.proposal"
    call_command("verify_audit")


@pytest.mark.parametrize("change", ["update", "delete"])
def test_the_database_refuses_to_change_or_delete_events(change):
    with transaction.atomic():
        record_event("proposal.submitted", target=make_proposal())
    events = AuditEvent.objects.all()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        if change == "update":
            events.update(code="forged")
        else:
            events.delete()
    assert AuditEvent.objects.get().code == "proposal.submitted"


def test_a_row_changed_behind_the_application_is_detected():
    """Someone with the database owner's rights lifts the triggers and edits a row."""
    proposal = make_proposal()
    with transaction.atomic():
        record_event("proposal.submitted", target=proposal)
        record_event("proposal.forwarded", target=proposal)
    remove_triggers(connection)
    try:
        AuditEvent.objects.filter(code="proposal.submitted").update(extra={"forged": True})
    finally:
        install_triggers(connection)
    with pytest.raises(CommandError, match="broken"):
        call_command("verify_audit")


@pytest.mark.django_db(transaction=True)
def test_record_event_refuses_to_run_outside_a_transaction():
    with pytest.raises(RuntimeError):
        record_event("proposal.submitted")
    # Inside one it works, and the test runner's flush afterwards can still empty the table.
    with transaction.atomic():
        record_event("proposal.submitted")
    assert AuditEvent.objects.count() == 1
