"""Server time of pages, measured in-process with Django's test client (no network)."""

import signal
import time

from django.contrib import admin
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from proposals.models import Proposal
from proposals.workflow import SENT_TO_DGA

from .stats import ms, percentile

WARMUP = 3
MAX_SECONDS_PER_PAGE = 120
MAX_SECONDS_PER_REQUEST = 60


class RequestTooSlow(Exception):
    pass


def _on_alarm(signum, frame):
    raise RequestTooSlow


def _get(client, url, *, headers=None, status=200):
    """One GET, cut off after MAX_SECONDS_PER_REQUEST (SIGALRM; the bench runs in the main
    thread). Returns (seconds, response), or (None, None) when cut off; a status other than
    ``status`` is an error."""
    previous = signal.signal(signal.SIGALRM, _on_alarm)
    signal.alarm(MAX_SECONDS_PER_REQUEST)
    t0 = time.perf_counter()
    try:
        response = client.get(url, headers=headers)
    except RequestTooSlow:
        return None, None
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    elapsed = time.perf_counter() - t0
    if response.status_code != status:
        raise RuntimeError(f"GET {url} answered {response.status_code}")
    return elapsed, response


def _warm(client, url):
    """Warm-up requests, then one with its SQL captured: (queries, None) or (None, cut-off row)."""
    for _ in range(WARMUP):
        elapsed, response = _get(client, url)
        if elapsed is None:
            return None, {"url": url, "requests": 0, "cut_off_after_s": MAX_SECONDS_PER_REQUEST}
        if elapsed > 5:
            break  # a slow page is warm after one request
    with CaptureQueriesContext(connection) as captured:
        _get(client, url)
    return len(captured.captured_queries), None  # read now: the next request clears the log


def measure_in_turns(pages, *, requests):
    """p50/p95 server time over ``requests`` GETs of each ``(client, url)`` (bounded by time),
    and queries per request. The pages take turns (a, b, a, b …), so that a machine whose speed
    drifts during the run slows each alike and their ratio holds.

    A page slower than MAX_SECONDS_PER_REQUEST is reported as cut off, with no percentile.
    """
    rows, times, sizes = [], [], []
    for client, url in pages:
        queries, cut_off = _warm(client, url)
        rows.append(cut_off or {"url": url, "queries": queries})
        times.append([])
        sizes.append(0)
    started = time.monotonic()
    for _ in range(requests):
        for index, (client, url) in enumerate(pages):
            if "cut_off_after_s" in rows[index]:
                continue
            elapsed, response = _get(client, url)
            if elapsed is None:
                rows[index]["cut_off_after_s"] = MAX_SECONDS_PER_REQUEST
                continue
            times[index].append(elapsed)
            sizes[index] = len(response.content)
        if time.monotonic() - started > MAX_SECONDS_PER_PAGE * len(pages):
            break
    results = []
    for row, taken, size in zip(rows, times, sizes, strict=True):
        if not taken:
            results.append({"url": row["url"], "requests": 0,
                            "cut_off_after_s": MAX_SECONDS_PER_REQUEST})  # fmt: skip
            continue
        results.append({
            "url": row["url"],
            "requests": len(taken),
            "p50_ms": ms(percentile(taken, 50)),
            "p95_ms": ms(percentile(taken, 95)),
            "queries": row["queries"],
            "bytes": size,
        })  # fmt: skip
    return results


def measure(client, url, *, requests):
    """One page, as ``measure_in_turns``."""
    return measure_in_turns([(client, url)], requests=requests)[0]


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


def measure_pages(ds, *, requests):
    """The inbox (plain and filtered), the admin changelist on the same rows, the plan page,
    the meeting view and its live state."""
    # Same page size as the inbox (the admin's default is 100 rows).
    admin.site._registry[Proposal].list_per_page = 50
    screener, superuser = client_for(ds.screener), client_for(ds.admin)
    sent = ",".join(sorted(SENT_TO_DGA))
    admin_base = f"/admin/proposals/proposal/?round__id__exact={ds.open_round.pk}&status__in={sent}"
    filtered = "stage=downstream&min_amount=1000000"
    admin_filter = f"&stage__id__exact={ds.stage_downstream.pk}&requested_amount__gte=1000000"
    # Ours and the admin in turns, so that their ratio does not depend on the machine's drift.
    results = {}
    results["inbox"], results["admin"] = measure_in_turns(
        [(screener, "/screening/"), (superuser, admin_base)], requests=requests
    )
    results["inbox_filtered"], results["admin_filtered"] = measure_in_turns(
        [(screener, f"/screening/?{filtered}"), (superuser, admin_base + admin_filter)],
        requests=requests,
    )
    results["plan"] = measure(
        client_for(ds.budget), f"/plans/{ds.plan_round.fiscal_year}/", requests=requests
    )
    secretary = client_for(ds.secretary)
    results["meeting"] = measure(secretary, f"/meetings/{ds.meeting.pk}/", requests=requests)
    results["meeting_state"] = measure(
        client_for(ds.members[2]), f"/meetings/{ds.meeting.pk}/state.json", requests=requests
    )
    for name in ("inbox", "inbox_filtered"):
        if not results[name].get("requests") or not results[name.replace("inbox", "admin")].get(
            "requests"
        ):
            continue
        admin_row = results[name.replace("inbox", "admin")]
        results[name]["admin_ratio_p50"] = round(results[name]["p50_ms"] / admin_row["p50_ms"], 2)
        results[name]["admin_ratio_p95"] = round(results[name]["p95_ms"] / admin_row["p95_ms"], 2)
    return results
