"""Writers for tabular downloads. Exporters only yield rows; these write XLSX or CSV safely.

Text typed by users goes into the files as text: a cell that begins with ``= + - @`` (or a tab
or carriage return) never becomes a formula — in CSV it gets a leading apostrophe (the OWASP
advice), in XLSX the cell's type is forced to string.
"""

import csv
import io
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal

from django.http import HttpResponse
from openpyxl import Workbook
from openpyxl.cell import Cell, WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
BAHT_FORMAT = "#,##0.00"
MILLION_BAHT_FORMAT = "#,##0.0000"
BOLD = Font(bold=True)
# Text that openpyxl would store as a formula ("=…") or as an error value ("#REF!" …).
_FORMULA_OR_ERROR = ("=", "#")
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def csv_safe(value):
    """The value as it should stand in a CSV cell."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def write_csv(rows: Iterable[Iterable], *, header: Iterable[str]) -> bytes:
    """UTF-8 with a BOM, so that Excel shows Thai."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([csv_safe(h) for h in header])
    for row in rows:
        writer.writerow([csv_safe(v) for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def xlsx_cell(sheet, value, *, number_format=BAHT_FORMAT, bold=False):
    """A write-only cell whose strings are always strings and whose money is a number."""
    if isinstance(value, float):
        raise TypeError("money must be Decimal, never float")
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str):
        cell.data_type = "s"  # never a formula, whatever the first character
    elif isinstance(value, Decimal):
        cell.number_format = number_format
    elif isinstance(value, datetime | date):
        cell.number_format = "yyyy-mm-dd"
    if bold:
        cell.font = BOLD
    return cell


def xlsx_value(sheet, value, number_format, styles=None):
    """``value`` itself where openpyxl writes it as it is (a number with no format, text that
    cannot turn into a formula or an error code), else a cell as ``xlsx_cell`` makes it.

    A plain value costs openpyxl far less than a cell object (rows of plain values are its
    fastest path); only money, dates and risky text need the cell. ``styles``, a dict kept for
    one sheet, remembers the style of each money format, so that a money cell is made with its
    style at once instead of looking the format up in the workbook cell by cell.
    """
    if value is None or type(value) is int:
        return value
    if type(value) is str and not value.startswith(_FORMULA_OR_ERROR):
        return value
    if styles is not None and type(value) is Decimal:
        style = styles.get(number_format)
        if style is None:
            # openpyxl keeps a cell's style indices in ``_style``; a new cell copies them.
            style = styles[number_format] = xlsx_cell(
                sheet, value, number_format=number_format
            )._style
        return Cell(sheet, row=1, column=1, value=value, style_array=style)
    return xlsx_cell(sheet, value, number_format=number_format)


def write_xlsx_sheet(workbook, title, rows, *, header, footer=None, widths=None, formats=None):
    """Append one sheet to a write-only workbook: bold header, frozen, filtered, printable."""
    sheet = workbook.create_sheet(title=title[:31])
    formats = formats or {}
    header = list(header)
    if widths:
        for index, width in enumerate(widths, start=1):
            sheet.column_dimensions[_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    sheet.print_title_rows = "1:1"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = Worksheet.PAPERSIZE_A4  # write-only sheets lack the constant
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.append([xlsx_cell(sheet, h, bold=True) for h in header])
    count = 0
    styles = {}
    for row in rows:
        sheet.append(
            [xlsx_value(sheet, v, formats.get(i, BAHT_FORMAT), styles) for i, v in enumerate(row)]
        )
        count += 1
    if header:
        sheet.auto_filter.ref = f"A1:{_column_letter(len(header))}{count + 1}"
    if footer is not None:
        sheet.append(
            [
                xlsx_cell(sheet, v, number_format=formats.get(i, BAHT_FORMAT), bold=True)
                for i, v in enumerate(footer)
            ]
        )
    return sheet


def new_workbook(*, title="", subject="", keywords="") -> Workbook:
    workbook = Workbook(write_only=True)
    workbook.properties.title = title
    workbook.properties.subject = subject
    workbook.properties.keywords = keywords
    workbook.properties.creator = "budgetscreen"
    return workbook


def workbook_bytes(workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def download_response(content: bytes, *, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _column_letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index)
