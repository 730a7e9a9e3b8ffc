"""DGA's bulk import (issue 17): a round of ``size`` proposals in the screening inbox's
``export.xlsx`` format, imported into an empty round as ``manage.py import_round`` does,
beside the floor of openpyxl reading the same cells in read-only mode.

Target: the 1,000-proposal import under 10 s here. The workbook is written with openpyxl
(write-only) from the bench's agencies, with the exporter's own headers (in Thai, as the app
writes them), so that the reader meets what it meets in real files. Each run imports into a
round of its own fiscal year, emptied of what the run before created, inside one transaction
rolled back at the end, so that the bench database is left as it was.
"""

import io
import time
import tracemalloc
from decimal import Decimal

from django.db import transaction
from django.utils import timezone, translation
from openpyxl import Workbook, load_workbook

TARGET_S = 10.0
FISCAL_YEAR = 2599  # a round no other measure uses
STATUSES = ["submitted", "forwarded", "approved", "approved_reduced", "rejected", "ineligible"]
COLUMNS = ["Reference", "Round (fiscal year)", "Agency", "Title", "Value-chain stage",
           "Expected benefit", "Status", "Requested (baht)", "Recommended (baht)"]  # fmt: skip


class _Rollback(Exception):
    pass


def build_workbook(size: int) -> bytes:
    """``size`` proposals of the bench's agencies, stages and benefits, as export.xlsx has
    them: the status by its Thai label, amounts as numbers."""
    from directory.models import Agency
    from proposals.models import Benefit, Stage
    from proposals.workflow import Status

    agencies = list(Agency.objects.values_list("code", flat=True)[:200])
    stages = list(Stage.objects.values_list("code", flat=True)) or [""]
    benefits = list(Benefit.objects.values_list("code", flat=True)) or [""]
    labels = dict(Status.choices)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("ข้อเสนอโครงการ")
    with translation.override("th"):
        from django.utils.translation import gettext

        sheet.append([gettext(c) for c in COLUMNS])
        status_labels = [str(labels[s]) for s in STATUSES]
    for n in range(1, size + 1):
        requested = Decimal(1_000_000 + n * 1_234) + Decimal("0.50")
        sheet.append([
            f"{FISCAL_YEAR}-{n:04d}", FISCAL_YEAR, agencies[n % len(agencies)],
            f"โครงการพัฒนาระบบบริการดิจิทัลที่ {n} (bench)", stages[n % len(stages)],
            benefits[n % len(benefits)], status_labels[n % len(status_labels)],
            float(requested), float(requested * Decimal("0.9")),
        ])  # fmt: skip
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def read_floor(content: bytes) -> tuple[float, int]:
    """openpyxl alone, read-only, every cell of every sheet: (seconds, cells)."""
    t0 = time.perf_counter()
    workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    cells = 0
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows(values_only=True):
            cells += sum(1 for value in row if value is not None)
    workbook.close()
    return time.perf_counter() - t0, cells


def _import_once(content: bytes, actor, *, traced: bool = False) -> tuple[float, int, int]:
    """One import in a transaction rolled back afterwards: (seconds, created, peak bytes; the
    peak only when ``traced``, a run that tracemalloc slows down and is not timed)."""
    from proposals.imports import import_round
    from proposals.models import PlanRound

    created, seconds, peak = 0, 0.0, 0
    try:
        with transaction.atomic():
            PlanRound.objects.get_or_create(
                fiscal_year=FISCAL_YEAR,
                defaults={
                    "name_th": f"bench {FISCAL_YEAR}",
                    "name_en": f"bench {FISCAL_YEAR}",
                    "submission_opens_at": timezone.now(),
                    "submission_closes_at": timezone.now(),
                },  # fmt: skip
            )
            if traced:
                tracemalloc.start()
            t0 = time.perf_counter()
            result = import_round([("export.xlsx", content)], fiscal_year=FISCAL_YEAR, actor=actor)
            seconds = time.perf_counter() - t0
            if traced:
                peak = tracemalloc.get_traced_memory()[1]
            if not result.ok:
                raise RuntimeError("; ".join(result.errors[:5]))
            created = len(result.created)
            raise _Rollback
    except _Rollback:
        pass
    finally:
        if tracemalloc.is_tracing():
            tracemalloc.stop()
    return seconds, created, peak


def measure_import(actor, *, size: int = 1000, repeats: int = 3) -> dict:
    """The import of ``size`` proposals (best of ``repeats``) and the read floor."""
    content = build_workbook(size)
    floors = [read_floor(content) for _n in range(repeats)]
    runs = [_import_once(content, actor) for _n in range(repeats)]
    best = min(runs)
    peak = _import_once(content, actor, traced=True)[2]
    floor = min(f[0] for f in floors)
    return {
        "size": size,
        "workbook_bytes": len(content),
        "cells": floors[0][1],
        "floor_s": round(floor, 3),
        "import_s": round(best[0], 3),
        "import_runs_s": [round(r[0], 3) for r in runs],
        "created": best[1],
        "peak_mib": round(peak / 2**20, 1),  # Python allocations, one extra traced run
        "floor_ratio": round(best[0] / floor, 1) if floor else None,
        "target_s": TARGET_S,
        "verdict": "pass"
        if best[0] <= TARGET_S and size >= 1000
        else ("n/a" if size < 1000 else "MISS"),
    }


def verdicts(measured: dict) -> list[dict]:
    """The row of ``results["verdicts"]`` for the import."""
    if not measured:
        return []
    return [{
        "measure": "import_round of export.xlsx (s); openpyxl read-only floor",
        "size": f"{measured['size']:,} proposals",
        "figure": f"{measured['import_s']} s (floor {measured['floor_s']} s, "
                  f"×{measured['floor_ratio']}; peak {measured['peak_mib']} MiB)",
        "target": f"≤ {TARGET_S:g} s at 1,000",
        "verdict": measured["verdict"],
    }]  # fmt: skip
