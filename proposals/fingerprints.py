"""Stored fingerprints of proposals, so that the live meeting's duplicate hints are a lookup.

The duplicate search (``proposals.duplicates``) weighs every trigram by its document frequency
over the round: a proposal's score against another depends on the whole round. Finding one
proposal's look-alikes therefore reads and indexes the round (O(n)); the meeting page used to
do that on every view. Here what it depends on is stored and versioned instead:

- each proposal's **fingerprint** (``Fingerprint``): the SHA-256 of its compared texts and
  whether the round's comparisons count it (sent to DGA, not withdrawn), written by the
  services that save a proposal's text (``store_fingerprint``) or move it in or out of the
  counted states (``proposals.services.apply_transition``), in their transaction;
- each round's **version** (``DuplicateState``), bumped in that same transaction whenever a
  counted proposal's fingerprint changes or a proposal enters or leaves the counted set:
  exactly the changes that can change a score of the round;
- each proposal's **hints** (its most similar proposals, as the meeting shows them), stored on
  its fingerprint with the version they were found at (``meeting_hints``).

A meeting view reads the version (one row by key) and the agenda's hints (rows by key); only
the hints found at an older version (or never) are searched again, once, through
``duplicates.find_similar_in_round``, which gives exactly what the meeting showed before.
While nothing in the round changes (a meeting: the round is closed), every view is the same
three indexed queries whatever the round's size. The duplicates page and the proposal page do
not use the hints: they search the round as before and give the same answers.

Versions and race: the version is read *before* the round is searched, so hints are never
stored under a version newer than the data they were found in; a change committed during the
search bumps the version, and the next view searches again.

Proposals written behind the services' back (fixtures, ``COPY`` loads) have no fingerprint or
a stale one: ``python manage.py refresh_fingerprints`` recomputes them and bumps every round.
"""

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import connection

from .duplicates import FIELD_CHARS, FIELDS, SimilarInRound, find_similar_in_round
from .models import DuplicateState, Fingerprint, PlanRound, Proposal
from .workflow import SENT_TO_DGA, Status

COUNTED = frozenset(SENT_TO_DGA - {Status.WITHDRAWN})

_UPSERT = (
    "INSERT INTO proposals_fingerprint"
    " (proposal_id, round_id, digest, counted, hints, hints_more, hints_version)"
    " VALUES (%s, %s, %s, %s, '[]', false, NULL)"
    " ON CONFLICT (proposal_id) DO UPDATE"
    " SET digest = excluded.digest, counted = excluded.counted, round_id = excluded.round_id"
    " WHERE proposals_fingerprint.digest <> excluded.digest"
    " OR proposals_fingerprint.counted <> excluded.counted"
    " OR proposals_fingerprint.round_id <> excluded.round_id"
)
_BUMP = (
    "INSERT INTO proposals_duplicatestate (round_id, version) VALUES (%s, 1)"
    " ON CONFLICT (round_id) DO UPDATE SET version = proposals_duplicatestate.version + 1"
)


def text_digest(texts: Iterable[str]) -> str:
    """The SHA-256 of the compared texts as the search reads them (the first FIELD_CHARS)."""
    joined = "\x1f".join((text or "")[:FIELD_CHARS] for text in texts)
    return hashlib.sha256(joined.encode()).hexdigest()


def digest_of(proposal: Proposal) -> str:
    return text_digest(getattr(proposal, f.name) or "" for f in FIELDS)


def is_counted(status: str) -> bool:
    return status in COUNTED


def store_fingerprint(proposal: Proposal, *, was_counted: bool | None = None) -> bool:
    """Store ``proposal``'s fingerprint as it is now; call in the transaction that saved it.

    ``was_counted``: whether the round counted it before this change (default: as now). One
    statement when nothing the search compares changed; a second one, the round's version
    bump, when a counted proposal changed or the counted set did. Returns whether it bumped.
    """
    counted = is_counted(proposal.status)
    with connection.cursor() as cursor:
        cursor.execute(_UPSERT, [proposal.pk, proposal.round_id, digest_of(proposal), counted])
        changed = cursor.rowcount == 1
    if changed and (counted or (counted if was_counted is None else was_counted)):
        bump_round(proposal.round_id)
        return True
    return False


def store_new_fingerprints(proposals: list[Proposal]) -> None:
    """The fingerprints of proposals created in bulk (an import), in one statement, and one
    bump of each round where one of them counts."""
    Fingerprint.objects.bulk_create(
        Fingerprint(
            proposal_id=p.pk, round_id=p.round_id, digest=digest_of(p),
            counted=is_counted(p.status),
        )
        for p in proposals
    )  # fmt: skip
    for round_id in sorted({p.round_id for p in proposals if is_counted(p.status)}):
        bump_round(round_id)


def bump_round(round_id: int) -> None:
    """Every stored hint of the round is stale from now (in the caller's transaction)."""
    with connection.cursor() as cursor:
        cursor.execute(_BUMP, [round_id])


def round_version(round_id: int) -> int:
    """The round's version: one row by primary key (0 before the first change)."""
    version = DuplicateState.objects.filter(pk=round_id).values_list("version", flat=True).first()
    return version or 0


def refresh_fingerprints(rounds: Iterable[PlanRound] | None = None) -> int:
    """Recompute the fingerprints of every proposal (of ``rounds``) and bump their rounds:
    for proposals written without the services. Returns the number of proposals."""
    proposals = Proposal.objects.only("id", "round_id", "status", *(f.name for f in FIELDS))
    if rounds is not None:
        proposals = proposals.filter(round__in=list(rounds))
    count = 0
    round_ids = set()
    for proposal in proposals.order_by("pk").iterator(chunk_size=2000):
        store_fingerprint(proposal)
        round_ids.add(proposal.round_id)
        count += 1
    for round_id in sorted(round_ids):
        bump_round(round_id)
    return count


@dataclass(frozen=True)
class _Stored:
    hints: list  # [[proposal id, score], …], best first
    more: bool


def meeting_hints(
    plan_round: PlanRound, proposals: list[Proposal], *, limit: int, budget: int
) -> dict[int, SimilarInRound]:
    """For each of ``proposals`` (loaded with their texts and status), its most similar
    proposals of other agencies in the round with their scores (floats), best first
    (``find_similar_in_round`` with ``limit`` and ``budget``), from the stored hints: three
    queries by key when they are current, whatever the round's size. Hints stored at an older
    round version (or never) are searched again, once, and stored (two more queries)."""
    version = round_version(plan_round.pk)
    stored = {
        pk: _Stored(hints, more)
        for pk, hints, more, at in Fingerprint.objects.filter(
            proposal_id__in=[p.pk for p in proposals]
        ).values_list("proposal_id", "hints", "hints_more", "hints_version")
        if at == version
    }
    stale = [p for p in proposals if p.pk not in stored]
    if stale:
        stored.update(_search_and_store(plan_round, stale, version, limit=limit, budget=budget))
    others = _others(pk for found in stored.values() for pk, _score in found.hints)
    found = {}
    for pk, hint in stored.items():
        matches = [(others[o], score) for o, score in hint.hints if o in others]
        if matches:
            found[pk] = SimilarInRound(matches, hint.more)
    return found


def _search_and_store(
    plan_round: PlanRound, proposals: list[Proposal], version: int, *, limit: int, budget: int
) -> dict[int, _Stored]:
    """Search the round for ``proposals`` and store what was found under ``version``."""
    found = find_similar_in_round(plan_round, [p.pk for p in proposals], limit=limit, budget=budget)
    stored = {}
    for p in proposals:
        similar = found.get(p.pk)
        stored[p.pk] = _Stored(
            [[other.pk, float(score)] for other, score in similar.matches] if similar else [],
            similar.more if similar else False,
        )
    Fingerprint.objects.bulk_create(
        [
            Fingerprint(
                proposal_id=p.pk, round_id=p.round_id, digest=digest_of(p),
                counted=is_counted(p.status), hints=stored[p.pk].hints,
                hints_more=stored[p.pk].more, hints_version=version,
            )
            for p in proposals
        ],
        update_conflicts=True,
        unique_fields=["proposal"],
        update_fields=["hints", "hints_more", "hints_version"],
    )  # fmt: skip
    return stored


def _others(ids: Iterable[int]) -> dict[int, Proposal]:
    """The proposals the hints name, with what the meeting page shows of them (one query)."""
    wanted = set(ids)
    if not wanted:
        return {}
    return {
        p.pk: p
        for p in Proposal.objects.filter(pk__in=wanted)
        .select_related("agency")
        .only(
            "id", "code", "title_th", "title_en", "agency__name_th", "agency__name_en",
            "agency__abbreviation",
        )
    }  # fmt: skip
