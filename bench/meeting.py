"""The live meeting at any round size (issue 20): the meeting view with the same agenda at
every size, and the unchanged ``state.json`` poll (304).

``build_same_agenda`` adds a second meeting to the bench data whose agenda is the first
``SAME_AGENDA`` items of the bench meeting, with their votes and the same attendance, so that
the view's figures at 1,000 and 10,000 proposals differ only by the round's size.
"""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from committee.models import AgendaItem, Attendance, Meeting, Membership, Vote

from .pages import _get, client_for, measure
from .stats import ms, percentile

SAME_AGENDA = 52
WARMUP = 3


def build_same_agenda(ds) -> Meeting:
    """A meeting of the same committee and round with the first 52 items of the bench meeting
    (their votes copied), everyone present."""
    source = ds.meeting
    meeting = Meeting.objects.create(
        committee_id=source.committee_id, round_id=source.round_id, number=source.number + 1,
        year_be=source.year_be, date=source.date, status=source.status, place=source.place,
        minute_taker_id=source.minute_taker_id,
    )  # fmt: skip
    Attendance.objects.bulk_create(
        Attendance(meeting=meeting, membership=m, presence=Attendance.Presence.PRESENT)
        for m in Membership.objects.filter(committee_id=source.committee_id)
        if m.is_voting
    )
    items = list(AgendaItem.objects.filter(meeting=source).order_by("order")[:SAME_AGENDA])
    copies = AgendaItem.objects.bulk_create(
        AgendaItem(meeting=meeting, proposal_id=i.proposal_id, order=i.order) for i in items
    )
    new_pk = {i.pk: c.pk for i, c in zip(items, copies, strict=True)}
    Vote.objects.bulk_create(
        Vote(agenda_item_id=new_pk[v.agenda_item_id], member_id=v.member_id, choice=v.choice,
             amount=v.amount, cast_at=v.cast_at, updated_at=v.updated_at)
        for v in Vote.objects.filter(agenda_item_id__in=list(new_pk))
    )  # fmt: skip
    return meeting


def measure_unchanged_state(client, url, *, requests):
    """p50/p95 server time of ``state.json`` polled with the ETag of its current version (304),
    and the queries of one such poll."""
    _elapsed, first = _get(client, url)
    headers = {"If-None-Match": first["ETag"]}
    for _ in range(WARMUP):
        _get(client, url, headers=headers, status=304)
    with CaptureQueriesContext(connection) as captured:
        _get(client, url, headers=headers, status=304)
    queries = len(captured.captured_queries)
    taken = [_get(client, url, headers=headers, status=304)[0] for _ in range(requests)]
    taken = [t for t in taken if t is not None]
    return {
        "url": url,
        "requests": len(taken),
        "p50_ms": ms(percentile(taken, 50)),
        "p95_ms": ms(percentile(taken, 95)),
        "queries": queries,
        "status": 304,
    }


def measure_meeting(ds, *, requests):
    """The same-agenda meeting view and its live state, 200 and 304."""
    meeting = build_same_agenda(ds)
    secretary, member = client_for(ds.secretary), client_for(ds.members[2])
    base = f"/meetings/{meeting.pk}/"
    return {
        "items": SAME_AGENDA,
        "view": measure(secretary, base, requests=requests),
        "state": measure(member, f"{base}state.json", requests=requests),
        "state_304": measure_unchanged_state(member, f"{base}state.json", requests=requests),
    }


def report_rows(out, scales, t):
    """The table's rows and verdicts for the live meeting (``report.table`` calls this)."""
    from .report import _fig, _p95

    measured = [s for s in scales if s.get("meeting_same_agenda")]
    for s in measured:
        m, n = s["meeting_same_agenda"], s["n"]
        size = f"{n:,} ({m['items']} items)"
        out.add(
            "meeting view, same agenda, p50/p95 ms",
            size,
            _fig(m["view"]),
            f"p95 ≤ {t['meeting_p95_ms']} ms at 1,000",
            _p95(m["view"]) <= t["meeting_p95_ms"] if n == 1000 else None,
        )
        out.add("  its state.json (changed: 200)", size, _fig(m["state"]))
        out.add(
            "  its state.json unchanged (304) p50/p95 ms",
            size,
            _fig(m["state_304"]),
            f"p95 ≤ {t['state_304_p95_ms']} ms",
            _p95(m["state_304"]) <= t["state_304_p95_ms"],
        )
    by_n = {s["n"]: s["meeting_same_agenda"]["view"] for s in measured}
    if 1000 in by_n and 10000 in by_n and by_n[1000].get("requests"):
        ratio = round(_p95(by_n[10000]) / by_n[1000]["p95_ms"], 2)
        out.add(
            "meeting view p95 10,000 / 1,000 (same agenda)",
            "1,000, 10,000",
            f"×{ratio}; queries {by_n[1000]['queries']} / {by_n[10000].get('queries')}",
            f"≤ {t['meeting_size_ratio']}",
            ratio <= t["meeting_size_ratio"],
        )
