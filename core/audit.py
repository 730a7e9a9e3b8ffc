"""Writing and verifying the hash-chained audit trail."""

import hashlib
import json

from django.db import connection, transaction
from django.utils import timezone

from .models import AuditEvent

# Any constant works; it names the lock that serialises writers of the chain on PostgreSQL.
_AUDIT_LOCK_KEY = 25_680_001


def _digest(*, prev_hash, code, actor_id, target_type, target_id, extra, created_at):
    payload = json.dumps(
        [prev_hash, code, actor_id, target_type, str(target_id), extra, created_at.isoformat()],
        sort_keys=True,
        ensure_ascii=False,
        default=str,
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def record_event(code, *, actor=None, target=None, extra=None) -> AuditEvent:
    """Append one event to the chain. Call inside the transaction of the change it records."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("record_event must run inside the transaction of the change")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_AUDIT_LOCK_KEY])
    last = AuditEvent.objects.order_by("-id").values_list("hash", flat=True).first() or ""
    target_type = target._meta.label_lower if target is not None else ""
    target_id = str(target.pk) if target is not None else ""
    extra = json.loads(json.dumps(extra or {}, default=str))
    created_at = timezone.now()
    actor_id = actor.pk if actor is not None and actor.is_authenticated else None
    event_hash = _digest(
        prev_hash=last,
        code=code,
        actor_id=actor_id,
        target_type=target_type,
        target_id=target_id,
        extra=extra,
        created_at=created_at,
    )
    return AuditEvent.objects.create(
        code=code,
        actor_id=actor_id,
        target_type=target_type,
        target_id=target_id,
        extra=extra,
        created_at=created_at,
        prev_hash=last,
        hash=event_hash,
    )


def verify_chain():
    """Yield (event, problem) for every event whose link or hash does not hold."""
    prev = ""
    for event in AuditEvent.objects.order_by("id").iterator(chunk_size=2000):
        if event.prev_hash != prev:
            yield event, "prev_hash does not match the previous event"
        expected = _digest(
            prev_hash=event.prev_hash,
            code=event.code,
            actor_id=event.actor_id,
            target_type=event.target_type,
            target_id=event.target_id,
            extra=event.extra,
            created_at=event.created_at,
        )
        if expected != event.hash:
            yield event, "content does not match its hash"
        prev = event.hash
