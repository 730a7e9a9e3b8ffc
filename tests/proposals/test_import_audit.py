"""The round import's audit events are written to the chain in a batch (``record_events``):
the same chain as one event at a time, links, keyed hashes and anchors, and verify_audit
passes; a change to a batch-written event is found as for any other."""

import json

import pytest
from django.db import transaction

from core.audit import _digest, audit_key, record_event, record_events, verify_chain
from core.models import AuditEvent
from tests.factories import make_proposal, make_user

pytestmark = pytest.mark.django_db


def _anchors(settings):
    return [json.loads(line) for line in settings.AUDIT_ANCHOR_PATH.read_text().splitlines()]


def test_a_batch_continues_the_chain_and_is_anchored(settings, django_capture_on_commit_callbacks):
    settings.AUDIT_ANCHOR_EVERY = 5
    actor, target = make_user("admin"), make_proposal()
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        record_event("proposal.edited", actor=actor, target=target)
        record_event("proposal.edited", actor=actor, target=target)
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        batch = record_events(
            ("proposal.imported", actor, target, {"n": n, "amount": n * 1.5}) for n in range(9)
        )
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        record_event("proposal.edited", actor=actor, target=target)
    events = list(AuditEvent.objects.order_by("seq"))
    assert [e.seq for e in events] == list(range(1, 13))
    for before, after in zip(events, events[1:], strict=False):
        assert after.prev_hash == before.hash
    key = audit_key()
    assert all(e.hash == _digest(e, key) for e in events)  # as read back from the database
    assert [e.hash for e in batch] == [e.hash for e in events[2:11]]
    # anchored at the first keyed event and every fifth, batch or not, with the right ids
    anchors = _anchors(settings)
    assert [a["seq"] for a in anchors] == [1, 5, 10]
    by_seq = {e.seq: e for e in events}
    assert all((a["id"], a["hash"]) == (by_seq[a["seq"]].pk, by_seq[a["seq"]].hash)
               for a in anchors)  # fmt: skip
    result = verify_chain()
    assert result.problems == [] and result.events == 12


def test_an_empty_batch_writes_nothing():
    with transaction.atomic():
        assert record_events([]) == []
    assert not AuditEvent.objects.exists()


def test_a_batch_written_event_changed_afterwards_is_found(
    settings, django_capture_on_commit_callbacks
):
    from django.db import connection

    from core.audit_triggers import install_triggers, remove_triggers

    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        record_events(("proposal.imported", None, None, {"n": n}) for n in range(5))
    remove_triggers(connection)
    try:
        AuditEvent.objects.filter(seq=3).update(extra={"n": 99})
    finally:
        install_triggers(connection)
    assert verify_chain().first_bad_seq == 3
