"""plan.xlsx, plan.csv and plan.pdf against their floors, each run in its own process."""

import csv
import io
import json
import os
import pickle
import statistics
import subprocess
import sys
import tempfile
from html.parser import HTMLParser
from pathlib import Path

from django.template.loader import render_to_string
from django.utils import translation

from plans.exports.document import plan_document
from plans.models import PlanVersion

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 900


class ProbeCutOff(Exception):
    pass


def _probe(kind, year, out, data_path="", timeout=TIMEOUT):
    """One measurement in a fresh process; None when it ran longer than ``timeout``."""
    command = [sys.executable, "-m", "bench.export_probe", kind, str(year), str(out)]
    if data_path:
        command.append(str(data_path))
    try:
        done = subprocess.run(  # noqa: S603 (our own interpreter and module)
            command, cwd=ROOT, env=os.environ.copy(), capture_output=True, text=True,
            timeout=timeout, check=False,
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        return None
    if done.returncode != 0:
        raise RuntimeError(f"{kind} probe failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _summary(runs):
    return {
        "seconds": statistics.median(r["seconds"] for r in runs),
        "seconds_all": [r["seconds"] for r in runs],
        "peak_rss_mb": max(r["peak_rss_mb"] for r in runs),
        "added_rss_mb": max(r["added_rss_mb"] for r in runs),
        "bytes": runs[-1]["bytes"],
    }


def _xlsx_cells(path):
    """Every sheet of the workbook at ``path``: its title and its rows of cells, each cell a
    plain value or, where it has one, ``(value, number format, bold)``."""
    from openpyxl import load_workbook

    def cell(c):
        if c.value is None:
            return None
        bold = bool(c.font and c.font.b)
        if c.number_format == "General" and not bold and not str(c.value).startswith("="):
            return c.value
        return (c.value, c.number_format, bold)

    workbook = load_workbook(path, read_only=True)
    sheets = [(ws.title, [[cell(c) for c in row] for row in ws.iter_rows()]) for ws in workbook]
    workbook.close()
    return sheets


def _csv_rows(path):
    return list(csv.reader(io.StringIO(Path(path).read_bytes().decode("utf-8-sig"))))


class _TableRows(HTMLParser):
    """The text of every table row of an HTML document, one list of cell texts per <tr>."""

    def __init__(self):
        super().__init__()
        self.rows, self._row, self._cell = [], None, None

    def handle_starttag(self, tag, attrs):
        if tag == "tr":
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []
        elif tag == "br" and self._cell is not None:
            self._cell.append(" ")

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.rows.append(self._row)
            self._row = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def _pdf_rows(year):
    """Every table row our plan.pdf prints (summaries, ministries, agencies, projects), as text.

    The PDF floor lays these rows out as one bare table: the same rows as ours, without the
    cover, the headings, the charts, the page margins and the styling.
    """
    version = PlanVersion.objects.filter(round__fiscal_year=year).order_by("-number").first()
    with translation.override("th"):
        doc = plan_document(version)
        html = render_to_string(
            "plans/pdf/plan.html",
            {"doc": doc, "charts": {}, "fonts_css": "", "published_iso": "", "static_base": ""},
        )
    parser = _TableRows()
    parser.feed(html)
    width = max(len(row) for row in parser.rows)
    return [row + [""] * (width - len(row)) for row in parser.rows]


def measure_exports(year, projects, *, repeats, timeout=TIMEOUT):
    """Ours and the floor for each format, ``repeats`` fresh processes each (median time).

    Ours runs first (the floor needs its output), then the floor and ours take turns, so that
    a machine whose speed drifts during the run slows both alike. A process that runs longer
    than ``timeout`` is stopped and reported as cut off.
    """
    results = {"projects": projects}
    with tempfile.TemporaryDirectory(prefix="bench-exports-") as tmp:
        tmp = Path(tmp)
        for kind in ("xlsx", "csv", "pdf"):
            out = tmp / f"plan.{kind}"
            first = _probe(kind, year, out, timeout=timeout)
            if first is None:
                results[kind] = {"cut_off_after_s": timeout}
                continue
            if kind == "xlsx":
                data = _xlsx_cells(out)
            elif kind == "csv":
                data = _csv_rows(out)
            else:
                data = _pdf_rows(year)
            data_path = tmp / f"{kind}.pickle"
            data_path.write_bytes(pickle.dumps(data))
            ours_runs, floor_runs = [first], []
            for turn in range(repeats):
                floor_runs.append(
                    _probe(f"floor-{kind}", year, tmp / f"floor.{kind}", data_path, timeout=timeout)
                )
                if turn < repeats - 1:
                    ours_runs.append(_probe(kind, year, out, timeout=timeout))
            if None in ours_runs:
                results[kind] = {"cut_off_after_s": timeout}
                continue
            ours = _summary(ours_runs)
            if None in floor_runs:
                results[kind] = {"ours": ours, "floor": {"cut_off_after_s": timeout}}
                continue
            floor = _summary(floor_runs)
            results[kind] = {
                "ours": ours,
                "floor": floor,
                "ratio_time": (
                    round(ours["seconds"] / floor["seconds"], 2) if floor["seconds"] else None
                ),
                "ratio_added_rss": (
                    round(ours["added_rss_mb"] / floor["added_rss_mb"], 2)
                    if floor["added_rss_mb"] > 0
                    else None
                ),
            }
    return results


def measure_stored_download(year, *, requests=50):
    """The download of a published version's PDF once its files are made (as the worker does
    after publication): in-process through Django's test client, server time only, like the
    pages; p50/p95 of ``requests`` after 3 warm-up requests, and the queries of one request."""
    import time

    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from directory.models import User
    from directory.roles import Role
    from plans.services import make_version_files

    from .stats import ms, percentile

    version = PlanVersion.objects.filter(round__fiscal_year=year).order_by("-number").first()
    make_version_files(version_id=version.pk)
    client = Client()
    client.force_login(User.objects.filter(groups__name=Role.BUDGET_OFFICE).first())
    path = f"/plans/{year}/plan.pdf"
    for _ in range(3):
        client.get(path, HTTP_ACCEPT_LANGUAGE="th")
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path, HTTP_ACCEPT_LANGUAGE="th")
    queries = len(captured)  # now: the next request's start empties the log
    times = []
    for _ in range(requests):
        t0 = time.perf_counter()
        response = client.get(path, HTTP_ACCEPT_LANGUAGE="th")
        times.append(time.perf_counter() - t0)
        if response.status_code != 200 or not response.has_header("ETag"):
            raise RuntimeError(f"stored PDF answered {response.status_code}")
    return {
        "projects": version.project_count,
        "requests": requests,
        "p50_ms": ms(percentile(times, 50)),
        "p95_ms": ms(percentile(times, 95)),
        "queries": queries,
        "bytes": len(response.content),
    }
