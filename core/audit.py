"""Writing and verifying the audit trail: a keyed hash chain, anchored outside the database.

Every event has a place in the chain (``seq``: 1, 2, 3… without gaps), the hash of the event
before it (``prev_hash``) and its own ``hash``, computed under one of two schemes:

- ``HMAC_SHA256`` (every event written now): HMAC-SHA256 of the content, ``seq`` and the link,
  under ``settings.AUDIT_KEY``, a key that is never in the database (the environment in
  production; a file generated on first use in development). Whoever can write to the table
  but lacks the key cannot re-hash an event they changed.
- ``SHA256``: the plain SHA-256 of the first version, kept for the events written before the
  chain was keyed (migration 0004 marks them). They can only come first: an unkeyed event after
  a keyed one was written behind the application's back.

The key cannot tell that the newest events were deleted, or the whole table emptied, nor stop
a holder of the key. So the chain's head (``seq``, ``id``, ``hash``) is also appended to an
anchors file outside the database (``settings.AUDIT_ANCHOR_PATH``, which production ships to
separate storage): every ``AUDIT_ANCHOR_EVERY`` events, at the first keyed event (so that
rewriting the whole chain as unkeyed fails too) and at every plan publication. It is written
after the transaction commits, so that a rolled-back event is never anchored. ``verify_chain``
checks the table against every anchor. Events after the newest anchor are guarded by the key
alone: deleting them is noticed only once a later anchor names them.
"""

import functools
import hashlib
import hmac
import json
import logging
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction
from django.utils import timezone

from .models import AuditEvent

logger = logging.getLogger("budgetscreen.audit")

# Any constant works; it names the lock that serialises writers of the chain on PostgreSQL.
_AUDIT_LOCK_KEY = 25_680_001

Scheme = AuditEvent.Scheme


def audit_key() -> bytes:
    """The HMAC key: ``settings.AUDIT_KEY``, else the key file (generated on first use).

    Raises ``ImproperlyConfigured`` when neither is set, or when the key file is empty.
    """
    if settings.AUDIT_KEY:
        return settings.AUDIT_KEY.encode()
    if not settings.AUDIT_KEY_FILE:
        raise ImproperlyConfigured("Set AUDIT_KEY (or AUDIT_KEY_FILE) to sign the audit chain.")
    path = Path(settings.AUDIT_KEY_FILE)
    if not path.exists():
        _create_key_file(path)
    key = path.read_text(encoding="ascii").strip()
    if not key:
        raise ImproperlyConfigured(f"The audit key file {path} is empty.")
    return key.encode()


def _create_key_file(path: Path) -> None:
    """Write a new random key, readable by its owner only; a key another process wrote first
    wins."""
    path.parent.mkdir(parents=True, exist_ok=True)
    draft = path.with_name(f".{path.name}.{secrets.token_hex(8)}")
    fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, f"{secrets.token_hex(32)}\n".encode())
        os.fsync(fd)
    finally:
        os.close(fd)
    try:
        os.link(draft, path)  # never replaces a key that exists
    except FileExistsError:
        pass  # another process made the key first: use theirs
    finally:
        draft.unlink()


def _payload(event: AuditEvent) -> bytes:
    content = [
        event.prev_hash, event.code, event.actor_id, event.target_type, str(event.target_id),
        event.extra, event.created_at.isoformat(),
    ]  # fmt: skip
    if event.scheme != Scheme.SHA256:
        content.append(event.seq)
    return json.dumps(content, sort_keys=True, ensure_ascii=False, default=str).encode()


def _digest(event: AuditEvent, key: bytes | None = None) -> str:
    """The event's hash under its scheme (``key`` is read from the settings when not given)."""
    if event.scheme == Scheme.SHA256:
        return hashlib.sha256(_payload(event)).hexdigest()
    if event.scheme == Scheme.HMAC_SHA256:
        return hmac.new(key or audit_key(), _payload(event), hashlib.sha256).hexdigest()
    raise ValueError(f"unknown audit hash scheme {event.scheme!r}")


def _payload_parts(event: AuditEvent) -> tuple[str, str]:
    """``_payload`` of a keyed event cut around its link: what goes before ``prev_hash`` and
    what goes between it and ``seq`` (both are known only once the chain is locked). The same
    bytes as ``_payload``: a JSON list is its items' JSON joined by ", "."""
    middle = json.dumps(
        [event.code, event.actor_id, event.target_type, str(event.target_id), event.extra,
         event.created_at.isoformat()],
        sort_keys=True, ensure_ascii=False, default=str,
    )  # fmt: skip
    return "[", f", {middle[1:-1]}, "


def record_event(code, *, actor=None, target=None, extra=None) -> AuditEvent:
    """Append one event to the chain. Call inside the transaction of the change it records.

    Anchors the new head after commit every ``AUDIT_ANCHOR_EVERY`` events and at the first
    keyed event. Raises ``RuntimeError`` outside a transaction.

    Writers of the chain queue on one lock until their transaction commits, so everything
    that does not depend on the chain's head (the content, its JSON, the key) is prepared
    before the lock is taken; under it: the head, one HMAC and the insert.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("record_event must run inside the transaction of the change")
    event = AuditEvent(
        code=code,
        actor_id=actor.pk if actor is not None and actor.is_authenticated else None,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        # Stored as JSON gives back: what the hash covers must be what verify_chain reads.
        extra=json.loads(json.dumps(extra or {}, default=str)),
        created_at=timezone.now(),
        scheme=Scheme.HMAC_SHA256,
    )
    opening, middle = _payload_parts(event)
    key = audit_key()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_AUDIT_LOCK_KEY])
    head = AuditEvent.objects.order_by("-seq").values("seq", "hash", "scheme").first()
    event.seq = head["seq"] + 1 if head else 1
    event.prev_hash = head["hash"] if head else ""
    payload = f"{opening}{json.dumps(event.prev_hash)}{middle}{event.seq}]"
    event.hash = hmac.new(key, payload.encode(), hashlib.sha256).hexdigest()
    event.save(force_insert=True)
    first_keyed = head is None or head["scheme"] != Scheme.HMAC_SHA256
    if first_keyed or event.seq % settings.AUDIT_ANCHOR_EVERY == 0:
        anchor_on_commit(event)
    return event


def record_events(events, *, batch_size: int = 1000) -> list[AuditEvent]:
    """Append many events to the chain at once: ``events`` are ``(code, actor, target,
    extra)`` in chain order. The same chain as that many calls of ``record_event`` (the same
    links, hashes and anchors; ``verify_chain`` cannot tell them apart), written with one lock,
    one read of the head and a few multi-row inserts instead of two queries per event. Call
    inside the transaction of the change. Raises ``RuntimeError`` outside a transaction.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("record_events must run inside the transaction of the change")
    events = list(events)
    if not events:
        return []
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_AUDIT_LOCK_KEY])
    head = AuditEvent.objects.order_by("-seq").values("seq", "hash", "scheme").first()
    seq, prev_hash = (head["seq"], head["hash"]) if head else (0, "")
    key = audit_key()
    written = []
    for code, actor, target, extra in events:
        seq += 1
        event = AuditEvent(
            code=code,
            actor_id=actor.pk if actor is not None and actor.is_authenticated else None,
            target_type=target._meta.label_lower if target is not None else "",
            target_id=str(target.pk) if target is not None else "",
            extra=json.loads(json.dumps(extra or {}, default=str)),
            created_at=timezone.now(),
            seq=seq,
            scheme=Scheme.HMAC_SHA256,
            prev_hash=prev_hash,
        )
        event.hash = prev_hash = _digest(event, key)
        written.append(event)
    AuditEvent.objects.bulk_create(written, batch_size=batch_size)
    first_keyed = head is None or head["scheme"] != Scheme.HMAC_SHA256
    anchored = [
        event
        for index, event in enumerate(written)
        if (first_keyed and index == 0) or event.seq % settings.AUDIT_ANCHOR_EVERY == 0
    ]
    if anchored and any(event.pk is None for event in anchored):  # no RETURNING from the insert
        ids = dict(
            AuditEvent.objects.filter(seq__in=[e.seq for e in anchored]).values_list("seq", "id")
        )
        for event in anchored:
            event.pk = ids[event.seq]
    for event in anchored:
        anchor_on_commit(event)
    return written


def anchor_on_commit(event: AuditEvent) -> None:
    """Append ``event`` (the chain's head) to the anchors file once the transaction commits."""
    if getattr(event, "_anchored", False):
        return
    event._anchored = True
    line = json.dumps(
        {"seq": event.seq, "id": event.pk, "hash": event.hash, "at": timezone.now().isoformat()}
    )
    path = Path(settings.AUDIT_ANCHOR_PATH)
    transaction.on_commit(lambda: _append_anchor(path, line))


def _append_anchor(path: Path, line: str) -> None:
    # One write of one line to a file opened for appending: lines from several processes never
    # mix. A failure is logged, not raised: the change it follows is committed already.
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
        try:
            os.write(fd, f"{line}\n".encode())
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError:
        logger.exception("could not append the audit anchor %s to %s", line, path)


@dataclass(frozen=True)
class Anchor:
    seq: int
    id: int
    hash: str
    at: str


@dataclass(frozen=True)
class Problem:
    """Where the chain does not hold: ``seq`` is the first sequence number concerned (None for
    a problem of the anchors file itself)."""

    seq: int | None
    message: str


@dataclass
class Verification:
    events: int = 0
    keyed_from: int | None = None
    newest_anchor: Anchor | None = None
    problems: list[Problem] = field(default_factory=list)

    @property
    def first_bad_seq(self) -> int | None:
        return min((p.seq for p in self.problems if p.seq is not None), default=None)


def read_anchors(path: Path) -> tuple[dict[int, Anchor], list[Problem]]:
    """The anchors in ``path`` by sequence number, and a problem for each line that is not one."""
    anchors, problems = {}, []
    if not path.exists():
        return anchors, problems
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                data = json.loads(line)
                anchor = Anchor(int(data["seq"]), int(data["id"]), str(data["hash"]), data["at"])
            except (ValueError, KeyError, TypeError):
                problems.append(Problem(None, f"line {number} of {path} is not an anchor"))
                continue
            known = anchors.get(anchor.seq, anchor)
            if (known.id, known.hash) != (anchor.id, anchor.hash):
                problems.append(
                    Problem(anchor.seq, f"{path} anchors seq {anchor.seq} twice, differently")
                )
            anchors[anchor.seq] = anchor
    return anchors, problems


_KEYED_MISMATCH = (
    "content does not match its keyed hash: changed, or re-hashed without the audit key "
    "(or AUDIT_KEY is not the key the chain was signed with)"
)


def verify_chain(anchor_path=None) -> Verification:
    """Check every event's link, sequence number and hash, then the table against the anchors.

    ``anchor_path`` defaults to ``settings.AUDIT_ANCHOR_PATH``. The result lists a ``Problem``
    for each place that does not hold, in order of sequence number.
    """
    path = Path(anchor_path or settings.AUDIT_ANCHOR_PATH)
    anchors, problems = read_anchors(path)
    result = Verification(newest_anchor=anchors[max(anchors)] if anchors else None)
    key = functools.cache(audit_key)  # read once, and only when a keyed event comes
    expected, prev_hash = 1, ""
    for event in AuditEvent.objects.order_by("seq").iterator(chunk_size=2000):
        result.events += 1
        if event.seq > expected:
            missing = _span(expected, event.seq - 1, "is", "are")
            problems.append(Problem(expected, f"{missing} missing from the table"))
        if event.prev_hash != prev_hash:
            problems.append(Problem(event.seq, "does not link to the event before it"))
        problems.extend(_hash_problems(event, result, key))
        anchor = anchors.get(event.seq)
        if anchor is not None and (anchor.hash != event.hash or anchor.id != event.pk):
            problems.append(
                Problem(event.seq, f"differs from its anchor of {anchor.at} (rewritten)")
            )
        expected, prev_hash = event.seq + 1, event.hash
    problems.extend(_ending_problems(result, expected, path))
    result.problems = sorted(problems, key=lambda p: (p.seq is None, p.seq or 0))
    return result


def _hash_problems(event, result: Verification, key) -> list[Problem]:
    """The event's own hash, by its scheme; notes in ``result`` where keyed hashing began."""
    if event.scheme == Scheme.HMAC_SHA256:
        if result.keyed_from is None:
            result.keyed_from = event.seq
        if not hmac.compare_digest(_digest(event, key()), event.hash):
            return [Problem(event.seq, _KEYED_MISMATCH)]
        return []
    if event.scheme != Scheme.SHA256:
        return [Problem(event.seq, f"unknown hash scheme {event.scheme}")]
    problems = []
    if result.keyed_from is not None:
        problems.append(
            Problem(
                event.seq,
                f"unkeyed event after the keyed ones (from {result.keyed_from}): "
                "written behind the application's back",
            )
        )
    if _digest(event) != event.hash:
        problems.append(Problem(event.seq, "content does not match its hash"))
    return problems


def _ending_problems(result: Verification, expected: int, path: Path) -> list[Problem]:
    """Events removed from the end of the table, seen against the newest anchor."""
    problems = []
    newest = result.newest_anchor
    if newest is not None and newest.seq >= expected:
        problems.append(
            Problem(
                expected,
                f"the table ends at {expected - 1} but the anchor of {newest.at} "
                f"names event {newest.seq}: {_span(expected, newest.seq, 'was', 'were')} "
                f"removed (or the database is a backup older than the anchor)",
            )
        )
    if result.keyed_from is not None and newest is None:
        problems.append(
            Problem(
                result.keyed_from,
                f"no anchor in {path}: without one, removed events cannot be noticed "
                "(give the anchors file's copy with --anchors)",
            )
        )
    return problems


def _span(first: int, last: int, one: str, more: str) -> str:
    return f"event {first} {one}" if first == last else f"events {first}–{last} {more}"
