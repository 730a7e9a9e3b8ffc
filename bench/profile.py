"""cProfile of one page (or of voting) on a kept bench database, for the misses in SCALING.md.

    BENCH_DB_NAME=budgetscreen_bench python -m bench.profile /screening/ bench_screener0 20
    BENCH_DB_NAME=budgetscreen_bench python -m bench.profile vote bench_member05 20

Build the database first with ``python -m bench.run --scale 10000 --keep``.
"""

import cProfile
import io
import os
import pstats
import sys
import time

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/postgres"


def main(argv):
    from . import db

    url = os.environ.get("DATABASE_URL") or DEFAULT_URL
    os.environ["BENCH_DATABASE_URL"] = db.with_database(url, db.BENCH_NAME)
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    import django

    django.setup()
    from django.test import Client

    from committee.models import AgendaItem, Vote
    from directory.models import User

    target, username, count = argv[0], argv[1], int(argv[2]) if len(argv) > 2 else 20
    user = User.objects.get(username=username)
    client = Client()
    client.force_login(user)
    if target == "vote":
        item = AgendaItem.objects.filter(proposal__code="VOTE-1").select_related("meeting").get()
        path = f"/meetings/{item.meeting_id}/items/{item.pk}/vote/"
        choices = ["approve", "reject"]

        def call(i):
            response = client.post(path, {"choice": choices[i % 2], "amount": ""})
            assert response.status_code == 302, response.status_code
    else:

        def call(i):
            response = client.get(target)
            assert response.status_code == 200, response.status_code

    call(0)
    profiler = cProfile.Profile()
    t0 = time.perf_counter()
    profiler.enable()
    for i in range(1, count + 1):
        call(i)
    profiler.disable()
    elapsed = (time.perf_counter() - t0) / count
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats(os.environ.get("SORT", "cumulative")).print_stats(
        int(os.environ.get("LINES", "45"))
    )
    print(f"{target}: {elapsed * 1000:.1f} ms per request under the profiler")
    print(out.getvalue())
    if target == "vote":
        print("votes on the item:", Vote.objects.filter(agenda_item=item).count())


if __name__ == "__main__":
    main(sys.argv[1:])
