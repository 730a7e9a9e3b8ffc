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
from pathlib import Path

from django.utils import translation

from core.formatting import format_baht
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
    from openpyxl import load_workbook

    workbook = load_workbook(path, read_only=True)
    sheets = [(ws.title, [list(row) for row in ws.iter_rows(values_only=True)]) for ws in workbook]
    workbook.close()
    return sheets


def _csv_rows(path):
    return list(csv.reader(io.StringIO(Path(path).read_bytes().decode("utf-8-sig"))))


def _pdf_rows(year):
    version = PlanVersion.objects.filter(round__fiscal_year=year).order_by("-number").first()
    with translation.override("th"):
        doc = plan_document(version)
        return [
            [n, p.code, p.title, f"{p.agency} {p.ministry}", p.benefit, p.years_label,
             format_baht(p.requested), format_baht(p.approved)]
            for n, p in enumerate(doc.projects, start=1)
        ]  # fmt: skip


def measure_exports(year, projects, *, repeats, timeout=TIMEOUT):
    """Ours and the floor for each format, ``repeats`` fresh processes each (median time).

    A process that runs longer than ``timeout`` is stopped and reported as cut off.
    """
    results = {"projects": projects}
    with tempfile.TemporaryDirectory(prefix="bench-exports-") as tmp:
        tmp = Path(tmp)
        for kind in ("xlsx", "csv", "pdf"):
            out = tmp / f"plan.{kind}"
            runs = [_probe(kind, year, out, timeout=timeout) for _ in range(repeats)]
            if None in runs:
                results[kind] = {"cut_off_after_s": timeout}
                continue
            ours = _summary(runs)
            if kind == "xlsx":
                data = _xlsx_cells(out)
            elif kind == "csv":
                data = _csv_rows(out)
            else:
                data = _pdf_rows(year)
            data_path = tmp / f"{kind}.pickle"
            data_path.write_bytes(pickle.dumps(data))
            runs = [
                _probe(f"floor-{kind}", year, tmp / f"floor.{kind}", data_path, timeout=timeout)
                for _ in range(repeats)
            ]
            if None in runs:
                results[kind] = {"ours": ours, "floor": {"cut_off_after_s": timeout}}
                continue
            floor = _summary(runs)
            results[kind] = {
                "ours": ours,
                "floor": floor,
                "ratio_time": round(ours["seconds"] / floor["seconds"], 2) if floor["seconds"] else None,
                "ratio_added_rss": round(ours["added_rss_mb"] / floor["added_rss_mb"], 2)
                if floor["added_rss_mb"] > 0 else None,
            }  # fmt: skip
    return results
