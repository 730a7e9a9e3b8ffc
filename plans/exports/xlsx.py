"""plan.xlsx: a summary sheet, one row per approved project, and a sheet per breakdown.

Written with openpyxl's write-only mode (constant memory however many projects). Money is
stored as numbers: baht with ``#,##0.00`` and million baht with ``#,##0.0000``. The version
and the checksum are in the document properties; every timestamp inside the file is the
version's publication time, so that the same version always gives the same bytes.
"""

import datetime
from decimal import Decimal

from django.utils.translation import gettext as _
from openpyxl.packaging.custom import StringProperty
from openpyxl.worksheet.worksheet import Worksheet

from core.exports import (
    BAHT_FORMAT,
    MILLION_BAHT_FORMAT,
    new_workbook,
    workbook_bytes,
    write_xlsx_sheet,
    xlsx_cell,
    xlsx_value,
)
from core.formatting import MILLION, format_date_long

from .determinism import fix_zip_timestamps
from .document import CATEGORIES, PlanDocument, category_label


def _million(value: Decimal) -> Decimal:
    return value / MILLION


def _figure_headers(heading):
    return [
        heading,
        _("Projects submitted"),
        _("Agencies submitted"),
        _("Requested (baht)"),
        _("Requested (million baht)"),
        _("Projects approved"),
        _("Agencies approved"),
        _("Approved (baht)"),
        _("Approved (million baht)"),
    ]


def _figure_cells(figures):
    return [
        figures.submitted_projects,
        figures.submitted_agencies,
        figures.requested,
        _million(figures.requested),
        figures.approved_projects,
        figures.approved_agencies,
        figures.approved,
        _million(figures.approved),
    ]


# Column index → number format, for rows laid out as [label, *_figure_cells].
_FIGURE_FORMATS = {4: MILLION_BAHT_FORMAT, 8: MILLION_BAHT_FORMAT}
_AMOUNT_FORMATS = {4: MILLION_BAHT_FORMAT}


def _amount_headers(heading):
    return [
        heading,
        _("Projects approved"),
        _("Requested by the approved projects (baht)"),
        _("Approved (baht)"),
        _("Approved (million baht)"),
    ]


def _amount_cells(row):
    return [row.projects, row.requested, row.approved, _million(row.approved)]


def _amount_total(rows):
    requested = sum((r.requested for r in rows), Decimal("0.00"))
    approved = sum((r.approved for r in rows), Decimal("0.00"))
    return [_("Total"), None, requested, approved, _million(approved)]


def _summary_sheet(workbook, doc: PlanDocument):
    """Headline figures and every breakdown on one printable sheet."""
    sheet = workbook.create_sheet(title=_("Summary")[:31])
    for index, width in enumerate([46, 14, 14, 20, 16, 14, 14, 20, 16], start=1):
        sheet.column_dimensions[chr(64 + index)].width = width
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True

    def line(*values, bold=False, formats=None):
        formats = formats or {}
        sheet.append(
            [
                xlsx_cell(sheet, v, number_format=formats.get(i, BAHT_FORMAT), bold=True)
                if bold and v is not None
                else xlsx_value(sheet, v, formats.get(i, BAHT_FORMAT))
                for i, v in enumerate(values)
            ]
        )

    line(doc.name, bold=True)
    line(_("Version %(number)s, published %(date)s") % {
        "number": doc.version, "date": format_date_long(doc.published_at),
    })  # fmt: skip
    line(_("SHA-256 checksum"), doc.checksum)
    line()
    line(_("Headline figures"), _("Baht"), _("Million baht"), bold=True)
    million = {2: MILLION_BAHT_FORMAT}
    totals = doc.totals
    line(_("Projects submitted"), totals.submitted_projects)
    line(_("Agencies submitted"), totals.submitted_agencies)
    line(_("Requested amount"), totals.requested, _million(totals.requested), formats=million)
    line(_("Projects approved"), totals.approved_projects)
    line(_("Agencies approved"), totals.approved_agencies)
    line(_("Approved amount"), totals.approved, _million(totals.approved), formats=million)
    line(_("Budget frame"), doc.budget_frame, _million(doc.budget_frame), formats=million)
    line(_("Left after approvals"), doc.frame_left, _million(doc.frame_left), formats=million)
    for heading, rows in _breakdowns(doc):
        line()
        line(*_figure_headers(heading), bold=True)
        for row in rows:
            line(row.label, *_figure_cells(row.figures), formats=_FIGURE_FORMATS)
        line(_("Total"), *_figure_cells(totals), bold=True, formats=_FIGURE_FORMATS)
    for heading, rows in _amount_breakdowns(doc):
        line()
        line(*_amount_headers(heading), bold=True)
        for row in rows:
            line(row.label, *_amount_cells(row), formats=_AMOUNT_FORMATS)
        line(*_amount_total(rows), bold=True, formats=_AMOUNT_FORMATS)


def _breakdowns(doc):
    return [
        (_("Value-chain stage"), doc.by_stage),
        (_("Expected benefit"), doc.by_benefit),
        (_("Ministry"), doc.by_ministry),
    ]


def _amount_breakdowns(doc):
    return [
        (_("Expense category (fiscal year %(year)s)") % {"year": doc.fiscal_year}, doc.by_category),
        (_("Fiscal year"), doc.by_fiscal_year),
    ]


# How often (in project rows) a background export reports its progress.
PROGRESS_EVERY = 500
# The share of the work that the project rows stand for; saving the workbook is the rest.
ROWS_SHARE = 0.9


def _project_rows(doc: PlanDocument, progress=None):
    total = len(doc.projects)
    for number, project in enumerate(doc.projects, start=1):
        if progress is not None and number % PROGRESS_EVERY == 0:
            progress(ROWS_SHARE * number / total)
        yield [
            number,
            project.code,
            project.ministry,
            project.agency,
            project.title,
            project.stage,
            project.benefit,
            project.requested,
            project.approved,
            *(project.categories[c] for c in CATEGORIES),
            project.years_label,
        ]


def build_plan_xlsx(doc: PlanDocument, *, progress=None) -> bytes:
    """The workbook; ``progress`` (optional) is called with the fraction done (0–1) every
    ``PROGRESS_EVERY`` project rows and at the end. The bytes are the same with or without it."""
    published_utc = doc.published_at.astimezone(datetime.UTC).replace(tzinfo=None)
    workbook = _plan_workbook(doc, published_utc)
    _summary_sheet(workbook, doc)
    _projects_sheet(workbook, doc, progress)
    _breakdown_sheets(workbook, doc)
    if progress is not None:
        progress(ROWS_SHARE)
    content = fix_zip_timestamps(workbook_bytes(workbook), published_utc)
    if progress is not None:
        progress(1.0)
    return content


def _plan_workbook(doc: PlanDocument, published_utc: datetime.datetime):
    """An empty workbook whose properties name the version, its checksum and fiscal year, dated
    at publication (so that the same version gives the same bytes)."""
    workbook = new_workbook(
        title=doc.name,
        subject=_("Version %(number)s · SHA-256 %(checksum)s")
        % {"number": doc.version, "checksum": doc.checksum},
        keywords=f"version={doc.version}; checksum={doc.checksum}; fiscal_year={doc.fiscal_year}",
    )
    workbook.properties.created = published_utc
    workbook.properties.modified = published_utc
    workbook.properties.version = str(doc.version)
    workbook.custom_doc_props.append(StringProperty(name="PlanVersion", value=str(doc.version)))
    workbook.custom_doc_props.append(StringProperty(name="PlanChecksum", value=doc.checksum))
    workbook.custom_doc_props.append(
        StringProperty(name="PlanFiscalYear", value=str(doc.fiscal_year))
    )
    return workbook


def _projects_sheet(workbook, doc: PlanDocument, progress) -> None:
    """One row per approved project, the plan year's request by expense category, a total."""
    category_totals = doc.category_totals
    write_xlsx_sheet(
        workbook,
        _("Approved projects"),
        _project_rows(doc, progress),
        header=[
            _("No."),
            _("Reference"),
            _("Ministry"),
            _("Agency"),
            _("Project"),
            _("Value-chain stage"),
            _("Expected benefit"),
            _("Requested (baht)"),
            _("Approved (baht)"),
            *(
                _("%(category)s %(year)s (baht)")
                % {"category": category_label(c), "year": doc.fiscal_year}
                for c in CATEGORIES
            ),
            _("Fiscal years"),
        ],  # fmt: skip
        footer=[
            None,
            _("Total"),
            None,
            None,
            None,
            None,
            None,
            doc.requested_total,
            doc.totals.approved,
            *(category_totals[c] for c in CATEGORIES),
            None,
        ],  # fmt: skip
        widths=[6, 14, 30, 32, 60, 14, 28, 18, 18, 16, 16, 16, 16, 16, 12],
    )


def _breakdown_sheets(workbook, doc: PlanDocument) -> None:
    """The roll-ups: by stage, benefit, ministry, agency, expense category and fiscal year."""
    for title, heading, rows in [
        (_("By stage"), _("Value-chain stage"), doc.by_stage),
        (_("By benefit"), _("Expected benefit"), doc.by_benefit),
        (_("By ministry"), _("Ministry"), doc.by_ministry),
    ]:
        write_xlsx_sheet(
            workbook,
            title,
            ([row.label, *_figure_cells(row.figures)] for row in rows),
            header=_figure_headers(heading),
            footer=[_("Total"), *_figure_cells(doc.totals)],
            widths=[46, 14, 14, 20, 16, 14, 14, 20, 16],
            formats=_FIGURE_FORMATS,
        )
    write_xlsx_sheet(
        workbook,
        _("By agency"),
        ([row.parent, row.label, *_figure_cells(row.figures)] for row in doc.by_agency),
        header=[_("Ministry"), *_figure_headers(_("Agency"))],
        footer=[None, _("Total"), *_figure_cells(doc.totals)],
        widths=[34, 46, 14, 14, 20, 16, 14, 14, 20, 16],
        formats={5: MILLION_BAHT_FORMAT, 9: MILLION_BAHT_FORMAT},
    )
    for title, (heading, rows) in zip(
        [_("By expense category"), _("By fiscal year")], _amount_breakdowns(doc), strict=True
    ):
        write_xlsx_sheet(
            workbook,
            title,
            ([row.label, *_amount_cells(row)] for row in rows),
            header=_amount_headers(heading),
            footer=_amount_total(rows),
            widths=[40, 14, 24, 20, 18],
            formats=_AMOUNT_FORMATS,
        )
