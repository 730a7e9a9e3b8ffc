"""The audit chain: append-only in the database, keyed, and anchored outside the database.

The attacks below are made as the database owner would (triggers lifted), on both databases:
each must make ``verify_audit`` fail, naming the first bad sequence number.
"""

import hashlib
import hmac
import json
from contextlib import contextmanager
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from core.audit import _digest, record_event, verify_chain
from core.audit_triggers import install_triggers, remove_triggers
from core.models import AuditEvent
from tests.factories import make_proposal, make_user

pytestmark = pytest.mark.django_db

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="TRUNCATE and database roles exist on PostgreSQL only"
)


def _record(django_capture_on_commit_callbacks, count, **kwargs):
    """``count`` events, each in a transaction of its own that commits (anchors are written)."""
    for n in range(count):
        with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
            record_event("proposal.edited", extra={"n": n}, **kwargs)


@pytest.fixture
def chain(settings, django_capture_on_commit_callbacks):
    """30 events, anchored at 1 (the first keyed event), 10, 20 and 30."""
    settings.AUDIT_ANCHOR_EVERY = 10
    _record(django_capture_on_commit_callbacks, 30, target=make_proposal())
    assert [a["seq"] for a in _anchors(settings)] == [1, 10, 20, 30]
    return settings.AUDIT_ANCHOR_PATH


def _anchors(settings):
    return [json.loads(line) for line in settings.AUDIT_ANCHOR_PATH.read_text().splitlines()]


@contextmanager
def as_owner():
    """What the owner of the table can do: lift the append-only triggers."""
    remove_triggers(connection)
    try:
        yield
    finally:
        install_triggers(connection)


def _settle_deferred_checks():
    """The test's rows were written in the transaction the test runs in; PostgreSQL refuses to
    TRUNCATE a table with foreign-key checks still deferred, so run them now."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def _verify_fails(*, first_bad, says):
    """verify_audit exits non-zero, names ``first_bad`` and explains with ``says``."""
    stderr = StringIO()
    with pytest.raises(CommandError) as failure:
        call_command("verify_audit", stderr=stderr)
    assert failure.value.returncode != 0  # manage.py exits with it
    assert f"first bad sequence number: {first_bad}" in str(failure.value)
    assert f"audit event {first_bad}: " in stderr.getvalue()
    assert says in stderr.getvalue()
    return stderr.getvalue()


def _verify_passes(**options):
    stdout = StringIO()
    call_command("verify_audit", stdout=stdout, **options)
    return stdout.getvalue()


def _rehash_from(seq, key, *, scheme=AuditEvent.Scheme.HMAC_SHA256):
    """Change event ``seq`` and re-hash it and every later event, relinking the chain."""
    prev_hash = AuditEvent.objects.get(seq=seq - 1).hash
    for event in AuditEvent.objects.filter(seq__gte=seq).order_by("seq"):
        if event.seq == seq:
            event.extra = {"forged": True}
        event.scheme = scheme
        event.prev_hash = prev_hash
        if scheme == AuditEvent.Scheme.HMAC_SHA256:
            event.hash = _digest(event, key)
        else:
            event.hash = _digest(event)
        event.save(update_fields=["extra", "scheme", "prev_hash", "hash"])
        prev_hash = event.hash


# --- writing ------------------------------------------------------------------------------


def test_events_are_chained_numbered_keyed_and_verified(
    settings, django_capture_on_commit_callbacks
):
    actor = make_user()
    proposal = make_proposal()
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        first = record_event("proposal.submitted", actor=actor, target=proposal, extra={"a": 1})
        second = record_event("vote.cast", actor=actor, target=proposal)
    assert (first.seq, second.seq) == (1, 2)
    assert second.prev_hash == first.hash
    assert first.target_type == "proposals.proposal"
    assert second.scheme == AuditEvent.Scheme.HMAC_SHA256
    # The hash is an HMAC under the key from the settings, not a plain digest.
    settings.AUDIT_KEY = "another-key"
    assert _digest(second) != second.hash
    settings.AUDIT_KEY = "test-only-audit-key-not-secret"
    assert _digest(second) == second.hash
    # The first keyed event is anchored, after commit.
    assert [(a["seq"], a["id"], a["hash"]) for a in _anchors(settings)] == [
        (1, first.pk, first.hash)
    ]
    assert "audit chain intact: 2 events" in _verify_passes()


def test_a_rolled_back_event_is_never_anchored(settings, django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(ZeroDivisionError),
        transaction.atomic(),
    ):
        record_event("proposal.submitted")
        1 / 0  # noqa: B018
    assert not AuditEvent.objects.exists()
    assert not settings.AUDIT_ANCHOR_PATH.exists()


def test_an_anchor_that_cannot_be_written_is_logged_and_the_change_kept(
    settings, tmp_path, caplog, django_capture_on_commit_callbacks
):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    settings.AUDIT_ANCHOR_PATH = blocker / "anchors.jsonl"  # its folder is a file
    with caplog.at_level("ERROR", logger="budgetscreen.audit"):
        _record(django_capture_on_commit_callbacks, 1)
    assert AuditEvent.objects.count() == 1
    assert "could not append the audit anchor" in caplog.text


def test_anchors_every_n_events(settings, django_capture_on_commit_callbacks):
    settings.AUDIT_ANCHOR_EVERY = 5
    _record(django_capture_on_commit_callbacks, 12)
    assert [a["seq"] for a in _anchors(settings)] == [1, 5, 10]


def test_the_database_refuses_to_change_or_delete_events():
    with transaction.atomic():
        record_event("proposal.submitted", target=make_proposal())
    events = AuditEvent.objects.all()
    for change in (lambda: events.update(code="forged"), events.delete):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            change()
    # SQLite has no TRUNCATE: a DELETE without WHERE is refused by the same trigger.
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM core_auditevent")
    assert AuditEvent.objects.get().code == "proposal.submitted"


@postgresql_only
def test_postgresql_refuses_to_truncate_the_audit_table():
    with transaction.atomic():
        record_event("proposal.submitted")
    _settle_deferred_checks()
    for statement in ("TRUNCATE core_auditevent", "TRUNCATE core_auditevent CASCADE"):
        with (
            pytest.raises(DatabaseError, match="append-only: TRUNCATE refused"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(statement)
    assert AuditEvent.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_record_event_refuses_to_run_outside_a_transaction():
    with pytest.raises(RuntimeError):
        record_event("proposal.submitted")
    # Inside one it works, and the test runner's flush afterwards can still empty the table
    # (on PostgreSQL through the TRUNCATE trigger, which our flush lifts and puts back).
    with transaction.atomic():
        record_event("proposal.submitted")
    assert AuditEvent.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_flush_empties_the_table_and_puts_the_triggers_back():
    with transaction.atomic():
        record_event("proposal.submitted")
    call_command("flush", interactive=False, verbosity=0)
    assert not AuditEvent.objects.exists()
    with transaction.atomic():
        record_event("proposal.submitted")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.all().delete()


# --- attacks by the owner of the table ----------------------------------------------------


def test_an_intact_anchored_chain_verifies(chain):
    out = _verify_passes()
    assert "audit chain intact: 30 events" in out
    assert "(event 30)" in out


def test_erasing_the_whole_table_is_detected(chain):
    if connection.vendor == "postgresql":
        _settle_deferred_checks()
        erase = "TRUNCATE core_auditevent"
    else:
        erase = "DELETE FROM core_auditevent"  # SQLite has no TRUNCATE
    with as_owner(), connection.cursor() as cursor:
        cursor.execute(erase)
    assert not AuditEvent.objects.exists()
    _verify_fails(first_bad=1, says="the table ends at 0 but the anchor")


def test_deleting_the_newest_events_is_detected(chain):
    with as_owner():
        AuditEvent.objects.filter(seq__gt=25).delete()
    _verify_fails(first_bad=26, says="events 26–30 were removed")


def test_deleting_an_event_in_the_middle_is_detected(chain):
    with as_owner():
        AuditEvent.objects.filter(seq=15).delete()
    out = _verify_fails(first_bad=15, says="event 15 is missing from the table")
    assert "audit event 16: does not link to the event before it" in out


def test_renumbering_after_a_deletion_is_detected(chain):
    """The gap closed by hand: the renumbered events' keyed hashes no longer hold."""
    with as_owner():
        AuditEvent.objects.filter(seq=15).delete()
        for event in AuditEvent.objects.filter(seq__gt=15).order_by("seq"):
            AuditEvent.objects.filter(pk=event.pk).update(seq=event.seq - 1)
    _verify_fails(first_bad=15, says="does not link to the event before it")


def test_editing_one_event_is_detected(chain):
    with as_owner():
        AuditEvent.objects.filter(seq=12).update(extra={"forged": True})
    _verify_fails(first_bad=12, says="content does not match its keyed hash")


def test_rehashing_the_tail_without_the_key_is_detected(chain):
    with as_owner():
        _rehash_from(21, b"the attacker's guess")
    _verify_fails(first_bad=21, says="re-hashed without the audit key")


def test_rehashing_the_tail_as_unkeyed_events_is_detected(chain):
    """A downgrade: the tail re-hashed with the old plain SHA-256, which needs no key."""
    with as_owner():
        _rehash_from(21, None, scheme=AuditEvent.Scheme.SHA256)
    _verify_fails(first_bad=21, says="unkeyed event after the keyed ones")


def test_rewriting_the_whole_chain_as_unkeyed_is_detected(chain):
    with as_owner():
        for event in AuditEvent.objects.order_by("seq"):
            event.scheme = AuditEvent.Scheme.SHA256
            event.prev_hash = (
                AuditEvent.objects.filter(seq=event.seq - 1).values_list("hash", flat=True).first()
                or ""
            )
            event.hash = _digest(event)
            event.save(update_fields=["scheme", "prev_hash", "hash"])
    _verify_fails(first_bad=1, says="differs from its anchor")


def test_rehashing_with_the_key_is_caught_by_the_next_anchor(chain):
    """Even a holder of the key cannot rewrite anchored history."""
    with as_owner():
        _rehash_from(21, b"test-only-audit-key-not-secret")
    _verify_fails(first_bad=30, says="audit event 30: differs from its anchor")


def test_without_the_anchors_file_verification_fails_unless_given_a_copy(chain, tmp_path):
    copy = tmp_path / "shipped-anchors.jsonl"
    copy.write_bytes(chain.read_bytes())
    chain.unlink()
    _verify_fails(first_bad=1, says="no anchor in")
    assert "intact: 30 events" in _verify_passes(anchors=str(copy))


def test_a_damaged_anchors_file_is_reported(chain):
    with chain.open("a") as anchors:
        anchors.write("not an anchor\n")
    with pytest.raises(CommandError, match="broken in 1 place"):
        call_command("verify_audit", stderr=StringIO())


# --- events from before the chain was keyed -----------------------------------------------


def _legacy_digest(event):
    """The first version's hash, copied verbatim: old events must still verify."""
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


def _make_legacy_events(count):
    """Rows as the first version wrote them (scheme 1), numbered as migration 0004 does."""
    with as_owner():
        for event in AuditEvent.objects.order_by("seq"):
            event.scheme = AuditEvent.Scheme.SHA256
            event.prev_hash = (
                AuditEvent.objects.filter(seq=event.seq - 1).values_list("hash", flat=True).first()
                or ""
            )
            event.hash = _legacy_digest(event)
            event.save(update_fields=["scheme", "prev_hash", "hash"])
    assert AuditEvent.objects.filter(scheme=AuditEvent.Scheme.SHA256).count() == count


def test_old_unkeyed_events_still_verify_and_the_first_keyed_one_is_anchored(
    settings, django_capture_on_commit_callbacks
):
    with transaction.atomic():  # not committed: the old version wrote no anchors
        for n in range(3):
            record_event("proposal.edited", extra={"n": n})
    _make_legacy_events(3)
    assert "intact: 3 events, no anchor yet" in _verify_passes()
    _record(django_capture_on_commit_callbacks, 2)
    assert [a["seq"] for a in _anchors(settings)] == [4]
    assert "intact: 5 events, keyed from event 4" in _verify_passes()
    with as_owner():
        AuditEvent.objects.filter(seq=2).update(code="forged")
    _verify_fails(first_bad=2, says="audit event 2: content does not match its hash")


def test_the_digest_of_old_events_is_the_first_versions():
    with transaction.atomic():
        event = record_event("proposal.edited", target=make_proposal(), extra={"ก": "ข"})
    event.scheme = AuditEvent.Scheme.SHA256
    assert _digest(event) == _legacy_digest(event)
    event.scheme = AuditEvent.Scheme.HMAC_SHA256
    assert _digest(event) != _legacy_digest(event)
    payload = json.dumps(
        [event.prev_hash, event.code, None, event.target_type, event.target_id, event.extra,
         event.created_at.isoformat(), event.seq],
        sort_keys=True, ensure_ascii=False,
    ).encode()  # fmt: skip
    expected = hmac.new(b"test-only-audit-key-not-secret", payload, hashlib.sha256).hexdigest()
    assert event.hash == expected


def test_verify_chain_reports_every_problem_in_order(chain):
    with as_owner():
        AuditEvent.objects.filter(seq=7).update(code="forged")
        AuditEvent.objects.filter(seq=28).delete()
    result = verify_chain()
    assert result.first_bad_seq == 7
    assert [p.seq for p in result.problems] == [7, 28, 29]


@pytest.mark.django_db(transaction=True)
def test_migrating_an_existing_chain_numbers_its_events_and_keeps_it_verifiable(
    settings, django_capture_on_commit_callbacks
):
    """A database of the first version (migration 0003, plain SHA-256 events) is upgraded."""
    before, after = [("core", "0003_audit_append_only")], [("core", "0004_audit_keyed_chain")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    try:
        _upgrade_an_old_chain(executor, before, after, django_capture_on_commit_callbacks)
    finally:  # the rest of the suite runs on every app's newest schema (later core migrations)
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())


def _upgrade_an_old_chain(executor, before, after, django_capture_on_commit_callbacks):
    OldEvent = executor.loader.project_state(before).apps.get_model("core", "AuditEvent")
    prev_hash = ""
    for n in range(3):
        event = OldEvent(code="proposal.edited", extra={"n": n}, created_at=timezone.now())
        event.prev_hash = prev_hash
        event.hash = prev_hash = _legacy_digest(event)
        event.save()
    executor = MigrationExecutor(connection)
    executor.migrate(after)
    events = list(AuditEvent.objects.order_by("id").values_list("seq", "scheme"))
    assert events == [(1, AuditEvent.Scheme.SHA256), (2, 1), (3, 1)]
    assert "intact: 3 events, no anchor yet" in _verify_passes()
    # The triggers are back (SQLite rebuilt the table), with TRUNCATE's on PostgreSQL.
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(seq=1).update(code="forged")
    _record(django_capture_on_commit_callbacks, 1)
    assert "intact: 4 events, keyed from event 4, matches the anchor" in _verify_passes()
