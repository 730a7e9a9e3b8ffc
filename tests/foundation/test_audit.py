"""The audit chain: each event carries the hash of the one before it."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction

from core.audit import record_event
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


def test_a_row_changed_behind_the_application_is_detected():
    proposal = make_proposal()
    with transaction.atomic():
        record_event("proposal.submitted", target=proposal)
        record_event("proposal.forwarded", target=proposal)
    AuditEvent.objects.filter(code="proposal.submitted").update(extra={"forged": True})
    with pytest.raises(CommandError, match="broken"):
        call_command("verify_audit")


@pytest.mark.django_db(transaction=True)
def test_record_event_refuses_to_run_outside_a_transaction():
    with pytest.raises(RuntimeError):
        record_event("proposal.submitted")
