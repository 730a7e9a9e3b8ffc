"""Writing and verifying the hash-chained audit trail."""

import hashlib
import json

from django.db import connection, transaction
from django.utils import timezone

from .models import AuditEvent

# Any constant works; it names the lock that serialises writers of the chain on PostgreSQL.
_AUDIT_LOCK_KEY = 25_680_001


def _digest(event: AuditEvent) -> str:
    """SHA-256 of the event's content and of the link to the event before it."""
    payload = json.dumps(
        [
            event.prev_hash, event.code, event.actor_id, event.target_type, str(event.target_id),
            event.extra, event.created_at.isoformat(),
        ],
        sort_keys=True,
        ensure_ascii=False,
        default=str,
    )  # fmt: skip
    return hashlib.sha256(payload.encode()).hexdigest()


def record_event(code, *, actor=None, target=None, extra=None) -> AuditEvent:
    """Append one event to the chain. Call inside the transaction of the change it records."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("record_event must run inside the transaction of the change")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_AUDIT_LOCK_KEY])
    event = AuditEvent(
        code=code,
        actor_id=actor.pk if actor is not None and actor.is_authenticated else None,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        # Stored as JSON gives back: what the hash covers must be what verify_chain reads.
        extra=json.loads(json.dumps(extra or {}, default=str)),
        created_at=timezone.now(),
        prev_hash=AuditEvent.objects.order_by("-id").values_list("hash", flat=True).first() or "",
    )
    event.hash = _digest(event)
    event.save(force_insert=True)
    return event


def verify_chain():
    """Yield (event, problem) for every event whose link or hash does not hold."""
    prev = ""
    for event in AuditEvent.objects.order_by("id").iterator(chunk_size=2000):
        if event.prev_hash != prev:
            yield event, "prev_hash does not match the previous event"
        if _digest(event) != event.hash:
            yield event, "content does not match its hash"
        prev = event.hash
