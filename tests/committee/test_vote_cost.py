"""A vote's cost (issue 20): its queries, and the audit chain's work under its lock."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.urls import reverse

from committee.models import Vote
from core.audit import _digest, _payload, record_event, verify_chain
from core.models import AuditEvent

from .factories import add_item, mark_present

pytestmark = pytest.mark.django_db


def vote_url(setup, item):
    return reverse("committee:vote", kwargs={"pk": setup.meeting.pk, "item_pk": item.pk})


def test_a_vote_is_a_dozen_statements_and_a_retry_writes_nothing(
    client, setup, django_assert_num_queries
):
    mark_present(setup, setup.voters)
    item = add_item(setup)
    client.force_login(setup.chair)
    client.get(reverse("committee:list"))  # the session's first touches are not the vote's
    # session, user, roles, the item with its meeting and proposal, the membership (403 for
    # a non-member); savepoint (BEGIN outside tests); the locks with the membership
    # (PostgreSQL) or the membership (SQLite); the item with every check and the previous
    # vote; the vote; the meeting's state version; the chain's lock (PostgreSQL), head and
    # event; release (COMMIT). Before issue 20: 15 on PostgreSQL, without the version.
    writes = 13 + (connection.vendor == "postgresql")
    with django_assert_num_queries(writes):
        response = client.post(vote_url(setup, item), {"choice": "approve"})
    assert response.status_code == 302 and Vote.objects.get().choice == "approve"
    with django_assert_num_queries(writes):  # changed: the same statements
        client.post(vote_url(setup, item), {"choice": "reject"})
    events = AuditEvent.objects.filter(code="vote.cast").count()
    with django_assert_num_queries(9):  # the same vote again: read, nothing written
        client.post(vote_url(setup, item), {"choice": "reject"})
    assert AuditEvent.objects.filter(code="vote.cast").count() == events
    vote = Vote.objects.get()
    assert vote.choice == "reject" and vote.cast_at <= vote.updated_at


@pytest.mark.parametrize(
    "extra",
    [
        {},
        {"meeting": "1/2567", "item": 7, "choice": "approve_reduced",
         "amount": Decimal("1250000.50"), "previous": None},
        {"reason": "ญาติเป็นผู้บริหาร \\ \"quoted\" \u2028 ✓", "nested": {"b": [1, 2], "a": None},
         "when": datetime.date(2024, 1, 31)},
    ],
)  # fmt: skip
def test_events_hash_as_verify_chain_reads_them(setup, extra, settings, tmp_path):
    """The payload built around the lock is byte for byte ``_payload`` of the stored event."""
    settings.AUDIT_ANCHOR_PATH = tmp_path / "anchors.jsonl"
    with transaction.atomic():
        event = record_event("test.event", actor=setup.chair, target=setup.meeting, extra=extra)
    stored = AuditEvent.objects.get(pk=event.pk)
    assert _payload(stored) == _payload(event)
    assert stored.hash == _digest(stored)
    # Hashes and links hold (the anchors file is written after commit, which tests never reach).
    assert not [p for p in verify_chain().problems if "anchor" not in p.message]
