"""The progress files: CSV (with a BOM), XLSX and JSON, all made from ``get_progress``, the
selector the dashboard shows, so that their totals are the page's (and the sums of their rows)."""

from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from core.exports import new_workbook, workbook_bytes, write_csv, write_xlsx_sheet

from .selectors import QUARTERS, Progress, ProgressRow


def _header() -> list[str]:
    header = [_("Reference"), _("Project"), _("Agency"), _("Approved (baht)"), _("Status")]
    for quarter in QUARTERS:
        header += [
            _("Q%(quarter)s disbursed (baht)") % {"quarter": quarter},
            _("Q%(quarter)s committed (baht)") % {"quarter": quarter},
        ]
    return header


def _amounts(row: ProgressRow) -> list[Decimal]:
    return [amount for q in row.quarters for amount in (q.disbursed, q.committed)]


def _rows(progress: Progress) -> list[list[Any]]:
    return [
        [row.code, row.label, row.agency, row.approved, row.progress, *_amounts(row)]
        for row in progress.projects
    ]


def _footer(progress: Progress) -> list[Any]:
    return ["", _("Total"), "", progress.totals.approved, "", *_amounts(progress.totals)]


def build_progress_csv(progress: Progress) -> bytes:
    return write_csv([*_rows(progress), _footer(progress)], header=_header())


def build_progress_xlsx(progress: Progress) -> bytes:
    workbook = new_workbook(
        title=_("Progress of the plan %(year)s") % {"year": progress.fiscal_year},
        subject="budgetscreen",
    )
    text = {0: "@", 1: "@", 2: "@", 4: "@"}
    write_xlsx_sheet(
        workbook, _("Projects"), _rows(progress), header=_header(), footer=_footer(progress),
        widths=[12, 50, 30, 18, 12] + [18] * 8, formats=text,
    )  # fmt: skip
    ministries = [
        [row.label, row.projects, row.approved, *_amounts(row)] for row in progress.by_ministry
    ]
    write_xlsx_sheet(
        workbook, _("By ministry"), ministries,
        header=[_("Ministry"), _("Projects"), *_header()[3:4], *_header()[5:]],
        footer=[_("Total"), progress.totals.projects, progress.totals.approved,
                *_amounts(progress.totals)],
        widths=[40, 10, 18] + [18] * 8, formats={0: "@", 1: "0"},
    )  # fmt: skip
    return workbook_bytes(workbook)


def _figures(row: ProgressRow) -> dict[str, Any]:
    return {
        "approved": str(row.approved),
        "quarters": [
            {"quarter": q.quarter, "disbursed": str(q.disbursed), "committed": str(q.committed)}
            for q in row.quarters
        ],
    }


def build_progress_json(progress: Progress) -> dict[str, Any]:
    totals = _figures(progress.totals)
    for figure, quarter in zip(totals["quarters"], progress.totals.quarters, strict=True):
        figure["disbursement_target_percent"] = (
            None if quarter.target is None else str(quarter.target)
        )
    return {
        "fiscal_year": progress.fiscal_year,
        "projects": [
            {
                "code": row.code,
                "title": row.label,
                "agency": row.agency,
                "status": row.progress,
                **_figures(row),
            }
            for row in progress.projects
        ],  # fmt: skip
        "by_ministry": [
            {"ministry": row.label, "projects": row.projects, **_figures(row)}
            for row in progress.by_ministry
        ],
        "totals": {"projects": progress.totals.projects, **totals},
        "targets_note": progress.targets_note,
    }
