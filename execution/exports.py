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
    return [*header, _("KPIs met"), _("KPIs assessed")]


def _amounts(row: ProgressRow) -> list[Decimal]:
    return [amount for q in row.quarters for amount in (q.disbursed, q.committed)]


def _rows(progress: Progress) -> list[list[Any]]:
    return [
        [
            row.code,
            row.label,
            row.agency,
            row.approved,
            row.progress,
            *_amounts(row),
            row.kpis_met,
            row.kpis_assessed,
        ]
        for row in progress.projects
    ]


def _footer(progress: Progress) -> list[Any]:
    totals = progress.totals
    return [
        "",
        _("Total"),
        "",
        totals.approved,
        "",
        *_amounts(totals),
        totals.kpis_met,
        totals.kpis_assessed,
    ]


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
        widths=[12, 50, 30, 18, 12] + [18] * 8 + [10, 10], formats=text,
    )  # fmt: skip
    amounts_header = [*_header()[3:4], *_header()[5:13]]
    for title, heading, rows, total in _groups(progress):
        counts = total is progress.totals  # a category has amounts, not projects
        write_xlsx_sheet(
            workbook, title, [_group_cells(row, counts) for row in rows],
            header=[heading, *([_("Projects")] if counts else []), *amounts_header],
            footer=_group_cells(total, counts, label=_("Total")),
            widths=[40] + ([10] if counts else []) + [18] * 9,
            formats={0: "@", 1: "0"} if counts else {0: "@"},
        )  # fmt: skip
    return workbook_bytes(workbook)


def _groups(progress: Progress) -> list[tuple[str, str, list[ProgressRow], ProgressRow]]:
    """(sheet, heading, rows, total) of each breakdown, as the dashboard shows them."""
    return [
        (_("By ministry"), _("Ministry"), progress.by_ministry, progress.totals),
        (_("By agency"), _("Agency"), progress.by_agency, progress.totals),
        (_("By stage"), _("Value-chain stage"), progress.by_stage, progress.totals),
        (_("By category"), _("Expense category"), progress.by_category,
         progress.category_totals),
    ]  # fmt: skip


def _group_cells(row: ProgressRow, counts: bool, label: str = "") -> list[Any]:
    return [label or row.label, *([row.projects] if counts else []), row.approved, *_amounts(row)]


def _kpi_figures(row: ProgressRow) -> dict[str, Any]:
    percent = row.kpi_percent
    return {
        "kpis_met": row.kpis_met,
        "kpis_assessed": row.kpis_assessed,
        "kpi_achievement_percent": None if percent is None else str(percent),
    }


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
                **_kpi_figures(row),
                "kpis": [
                    {
                        "indicator": k.indicator,
                        "unit": k.unit,
                        "target": k.target,
                        "actual": k.actual,
                        "met": k.met,
                    }
                    for k in row.kpis
                ],
            }
            for row in progress.projects
        ],  # fmt: skip
        "by_ministry": [
            {"ministry": row.label, "projects": row.projects, **_figures(row)}
            for row in progress.by_ministry
        ],
        "by_agency": [
            {"agency": row.label, "projects": row.projects, **_figures(row), **_kpi_figures(row)}
            for row in progress.by_agency
        ],
        "by_stage": [
            {"stage": row.label, "projects": row.projects, **_figures(row)}
            for row in progress.by_stage
        ],
        "by_category": [
            {"category": row.code, "label": row.label, **_figures(row)}
            for row in progress.by_category
        ],
        "category_totals": _figures(progress.category_totals),
        "totals": {"projects": progress.totals.projects, **totals, **_kpi_figures(progress.totals)},
        "targets_note": progress.targets_note,
    }
