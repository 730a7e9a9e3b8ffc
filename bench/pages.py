"""Server time of pages, measured in-process with Django's test client (no network)."""

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


def measure(client, url, *, requests):
    """p50/p95 server time over ``requests`` GETs (bounded by time), and queries per request."""
    for _ in range(WARMUP):
        response = client.get(url)
        if response.status_code != 200:
            raise RuntimeError(f"GET {url} answered {response.status_code}")
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    queries = len(captured.captured_queries)  # read now: the next request clears the log
    times = []
    started = time.monotonic()
    for _ in range(requests):
        t0 = time.perf_counter()
        response = client.get(url)
        times.append(time.perf_counter() - t0)
        if response.status_code != 200:
            raise RuntimeError(f"GET {url} answered {response.status_code}")
        if time.monotonic() - started > MAX_SECONDS_PER_PAGE:
            break
    return {
        "url": url,
        "requests": len(times),
        "p50_ms": ms(percentile(times, 50)),
        "p95_ms": ms(percentile(times, 95)),
        "queries": queries,
        "bytes": len(response.content),
    }


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
    results = {
        "inbox": measure(screener, "/screening/", requests=requests),
        "admin": measure(superuser, admin_base, requests=requests),
        "inbox_filtered": measure(screener, f"/screening/?{filtered}", requests=requests),
        "admin_filtered": measure(superuser, admin_base + admin_filter, requests=requests),
        "plan": measure(
            client_for(ds.budget), f"/plans/{ds.plan_round.fiscal_year}/", requests=requests
        ),
    }
    secretary = client_for(ds.secretary)
    results["meeting"] = measure(secretary, f"/meetings/{ds.meeting.pk}/", requests=requests)
    results["meeting_state"] = measure(
        client_for(ds.members[2]), f"/meetings/{ds.meeting.pk}/state.json", requests=requests
    )
    for name in ("inbox", "inbox_filtered"):
        admin_row = results[name.replace("inbox", "admin")]
        results[name]["admin_ratio_p50"] = round(results[name]["p50_ms"] / admin_row["p50_ms"], 2)
        results[name]["admin_ratio_p95"] = round(results[name]["p95_ms"] / admin_row["p95_ms"], 2)
    return results
