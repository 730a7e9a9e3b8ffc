"""``make bench``: build synthetic rounds at each scale, measure, print one table.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres python -m bench.run --scale 1000,10000

The database DATABASE_URL names is only used to CREATE and DROP the benchmark's own databases
(``budgetscreen_bench`` and its migrated template); its data is never read or written.
Results go to bench/results.json with the machine they were measured on.
"""

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/postgres"
RESULTS = Path(__file__).resolve().parent / (
    "results.json"
    if "BENCH_DB_NAME" not in os.environ
    else f"results-{os.environ['BENCH_DB_NAME']}.json"
)
EXPORT_SIZES = (110, 1000, 10000)

TARGETS = {
    "inbox_p95_ms": 150,  # at 100,000 proposals
    "plan_p95_ms": 200,  # at 10,000 approved projects
    "admin_ratio": 1.0,
    "xlsx_110_s": 0.5,
    "xlsx_floor_ratio": 1.3,
    "pdf_110_s": 3.0,
    "pdf_floor_ratio": 1.5,
    "vote_p95_ms": 200,
    "vote_floor_ratio": 2.0,  # vote p95 over the floor's (a bare insert + audit row), same run
    "meeting_p95_ms": 150,  # the meeting view, 52 items, at 1,000 proposals
    "meeting_size_ratio": 1.2,  # its p95 at 10,000 proposals over 1,000, the same agenda
    "state_304_p95_ms": 10,  # state.json unchanged (304)
    "progress_p95_ms": 300,  # the dashboard and progress.json at 10,000 projects × 4 quarters
    "stored_pdf_p95_ms": 100,  # issue 20: a published version's plan.pdf, served stored
    "deadline_save_p95_ms": 500,
    "deadline_submit_p95_ms": 1000,
}


def _parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--scale", default="1000,10000", help="proposal counts, e.g. 1000,10000,100000"
    )
    parser.add_argument("--requests", type=int, default=50, help="requests per page (at least 50)")
    parser.add_argument("--keep", action="store_true", help="keep the bench database at the end")
    parser.add_argument("--skip-exports", action="store_true")
    parser.add_argument("--skip-voting", action="store_true")
    parser.add_argument("--skip-pages", action="store_true")
    parser.add_argument("--skip-progress", action="store_true")
    parser.add_argument("--skip-meeting", action="store_true", help="skip the same-agenda meeting")
    parser.add_argument("--skip-import", action="store_true", help="skip import_round (issue 17)")
    parser.add_argument("--export-timeout", type=int, default=900, help="seconds per export run")
    parser.add_argument("--repeats", type=int, default=3, help="export runs below 10,000 projects")
    parser.add_argument("--no-110", action="store_true", help="skip the 110-project downloads")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers for voting")
    # Issue 20: the deadline day (Locust, at the first size only) and the stored plan.pdf.
    parser.add_argument("--skip-deadline", action="store_true")
    parser.add_argument("--deadline-duration", type=int, default=600, help="seconds (trials: 60)")
    parser.add_argument("--deadline-agencies", type=int, default=300, help="agency users")
    args = parser.parse_args(argv)
    args.sizes = [int(s.replace("_", "")) for s in args.scale.split(",") if s.strip()]
    args.requests = max(50, args.requests)
    return args


def machine(server_version):
    import django
    import openpyxl
    import weasyprint

    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem_kb = next(
            int(line.split()[1])
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        )
    except OSError:
        mem_kb = 0
    return {
        "cpu": cpu or platform.processor(),
        "cores": os.cpu_count(),
        "memory_gb": round(mem_kb / 1024 / 1024, 1),
        "os": platform.platform(),
        "python": platform.python_version(),
        "django": django.get_version(),
        "postgresql": server_version,
        "openpyxl": openpyxl.__version__,
        "weasyprint": weasyprint.__version__,
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
    }


def _publish(ds, plan_round):
    from plans.services import publish_plan

    return publish_plan(plan_round=plan_round, actor=ds.secretary, note="bench")


def _measure_progress(ds, scale, *, requests):
    """Four quarters of reports for the plan's projects under way, then the dashboard and
    progress.json beside the plan page."""
    from . import progress

    print("bench: progress reports and dashboard …", flush=True)
    scale["progress_counts"] = progress.build_reports(ds.plan_round)
    scale["progress_pages"] = progress.measure_progress(ds, requests=requests)


def _measure_deadline(ds, scale, args):
    """Deadline day through gunicorn under Locust (bench/deadline.py)."""
    from . import deadline

    print(f"bench: deadline day, {args.deadline_duration} s under Locust …", flush=True)
    try:
        scale["deadline"] = deadline.measure_deadline(
            ds, duration_s=args.deadline_duration, agencies=args.deadline_agencies,
            workers=args.workers,
        )  # fmt: skip
    except (RuntimeError, OSError, subprocess.SubprocessError) as error:
        print(f"bench: deadline day failed: {error}", flush=True)
        scale["deadline_error"] = str(error)


def _measure_scale(ds, n, scale, results, args):
    """Everything measured at one scale but the exports: pages, progress, the meeting, the
    import (once), voting, the stored download and deadline day (at the first scale)."""
    from . import exports, imports, meeting, pages, voting

    print("bench: pages …", flush=True)
    scale["pages"] = {} if args.skip_pages else pages.measure_pages(ds, requests=args.requests)
    if not args.skip_progress:
        _measure_progress(ds, scale, requests=args.requests)
    if not args.skip_meeting:
        print("bench: meeting view, same agenda, and state.json 304 …", flush=True)
        scale["meeting_same_agenda"] = meeting.measure_meeting(ds, requests=args.requests)
    if not args.skip_import and "import" not in results:
        print("bench: import_round of 1,000 proposals …", flush=True)
        results["import"] = imports.measure_import(ds.secretary)
    results["scales"].append(scale)
    if not args.skip_voting:
        print("bench: voting through gunicorn …", flush=True)
        try:
            scale["voting"] = voting.measure_voting(ds, workers=args.workers)
        except (RuntimeError, OSError) as error:
            print(f"bench: voting failed: {error}", flush=True)
            scale["voting_error"] = str(error)
    if n == args.sizes[0] and not (args.skip_deadline and args.skip_exports):
        print("bench: the published plan.pdf served stored …", flush=True)
        results["stored_download"] = exports.measure_stored_download(
            ds.small_round.fiscal_year, requests=args.requests
        )
    if not args.skip_deadline and n == args.sizes[0]:
        _measure_deadline(ds, scale, args)


def main(argv=None):
    args = _parse_args(sys.argv[1:] if argv is None else argv)
    url = os.environ.get("DATABASE_URL") or DEFAULT_URL
    from . import db
    from .stats import cpu_check_ms

    db.check_loopback_or_named(url)
    bench_url = db.with_database(url, db.BENCH_NAME)
    os.environ["BENCH_DATABASE_URL"] = bench_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connections
    from django.utils import translation

    from . import data, deadline, exports, imports, report

    translation.activate("th")
    results = {"machine": machine(db.server_version(url)), "targets": TARGETS, "scales": [],
               "exports": {}, "args": {"scale": args.sizes, "requests": args.requests}}  # fmt: skip
    print(f"bench: migrating {db.BENCH_NAME} …", flush=True)
    db.create(url, db.BENCH_NAME)
    try:
        call_command("migrate", verbosity=0, interactive=False)
        connections.close_all()
        db.create(url, db.TEMPLATE_NAME, template=db.BENCH_NAME)
        for n in args.sizes:
            connections.close_all()
            db.create(url, db.BENCH_NAME, template=db.TEMPLATE_NAME)
            t0 = time.perf_counter()
            print(f"bench: building {n:,} proposals …", flush=True)
            ds = data.build(n)
            scale = {
                "n": n,
                "build_seconds": round(time.perf_counter() - t0, 1),
                "counts": ds.counts,
                "load_average_before": os.getloadavg(),
                "cpu_check_ms_before": cpu_check_ms(),
            }
            print(f"bench: built in {scale['build_seconds']} s {ds.counts}", flush=True)
            t0 = time.perf_counter()
            _publish(ds, ds.plan_round)
            _publish(ds, ds.small_round)
            scale["publish_seconds"] = round(time.perf_counter() - t0, 1)
            _measure_scale(ds, n, scale, results, args)
            RESULTS.write_text(json.dumps(results, indent=2, ensure_ascii=False, default=str))
            if not args.skip_exports:
                todo = [(size, ds.plan_round.fiscal_year) for size in EXPORT_SIZES if size == n]
                if not results["exports"].get("110") and not args.no_110:
                    todo.insert(0, (data.SMALL_PLAN, ds.small_round.fiscal_year))
                for size, year in todo:
                    print(f"bench: exports of {size:,} projects …", flush=True)
                    results["exports"][str(size)] = exports.measure_exports(
                        year,
                        size,
                        repeats=1 if size >= 10000 else args.repeats,
                        timeout=args.export_timeout,
                    )
                    RESULTS.write_text(
                        json.dumps(results, indent=2, ensure_ascii=False, default=str)
                    )
            RESULTS.write_text(json.dumps(results, indent=2, ensure_ascii=False, default=str))
            scale["load_average_after"] = os.getloadavg()
            scale["cpu_check_ms_after"] = cpu_check_ms()
            RESULTS.write_text(json.dumps(results, indent=2, ensure_ascii=False, default=str))
    finally:
        connections.close_all()
        db.drop(url, db.TEMPLATE_NAME)
        if not args.keep:
            db.drop(url, db.BENCH_NAME)
    rows, verdicts = report.table(results)
    plan_rows, plan_verdicts = deadline.table(results)
    results["verdicts"] = verdicts + plan_verdicts + imports.verdicts(results.get("import", {}))
    RESULTS.write_text(json.dumps(results, indent=2, ensure_ascii=False, default=str))
    print(rows)
    print(f"\nissue 20: plan files and deadline day\n{plan_rows}")
    print(f"\nwritten to {RESULTS}")


if __name__ == "__main__":
    main()
