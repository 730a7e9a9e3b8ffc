"""The shared writers: text stays text, money stays exact numbers, Thai opens in Excel."""

import csv
import io
from decimal import Decimal

import openpyxl
import pytest

from core.exports import new_workbook, workbook_bytes, write_csv, write_xlsx_sheet, xlsx_cell

HOSTILE = ['=HYPERLINK("http://127.0.0.1:9")', "+1+1", "-2+3", "@SUM(A1)", "\tx", "ปกติ"]


def test_csv_has_a_bom_and_neutralises_formulas():
    content = write_csv([[text, Decimal("1.5")] for text in HOSTILE], header=["title", "amount"])
    assert content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert rows[0] == ["title", "amount"]
    assert [r[0] for r in rows[1:]] == ["'" + t for t in HOSTILE[:5]] + ["ปกติ"]
    assert {r[1] for r in rows[1:]} == {"1.50"}


def test_xlsx_keeps_text_as_text_and_money_as_numbers():
    workbook = new_workbook(title="ทดสอบ", keywords="checksum")
    write_xlsx_sheet(
        workbook, "Sheet", [[t, Decimal("1234.56")] for t in HOSTILE],
        header=["title", "amount"], footer=["รวม", Decimal("7407.36")],
    )  # fmt: skip
    book = openpyxl.load_workbook(io.BytesIO(workbook_bytes(workbook)))
    sheet = book.active
    assert [sheet.cell(row=r, column=1).value for r in range(2, 8)] == HOSTILE
    assert all(sheet.cell(row=r, column=1).data_type == "s" for r in range(2, 8))
    assert sheet.cell(row=2, column=2).value == 1234.56
    assert sheet.cell(row=2, column=2).number_format == "#,##0.00"
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == "A1:B7"
    assert sheet.page_setup.orientation == "landscape" and str(sheet.page_setup.paperSize) == "9"
    assert book.properties.title == "ทดสอบ" and book.properties.keywords == "checksum"


def test_xlsx_refuses_float_money():
    workbook = new_workbook()
    sheet = workbook.create_sheet("S")
    with pytest.raises(TypeError):
        xlsx_cell(sheet, 0.1)
    assert workbook_bytes(workbook)  # the workbook still closes cleanly


def test_xlsx_writes_safe_values_as_they_are_and_error_codes_as_text():
    workbook = new_workbook()
    write_xlsx_sheet(
        workbook, "Sheet", [["#REF!", 7, None, "ข้อความ", Decimal("2.50")]],
        header=["a", "b", "c", "d", "e"],
    )  # fmt: skip
    sheet = openpyxl.load_workbook(io.BytesIO(workbook_bytes(workbook))).active
    assert [c.value for c in sheet[2]] == ["#REF!", 7, None, "ข้อความ", 2.5]
    assert [c.data_type for c in sheet[2]] == ["s", "n", "n", "s", "n"]
    assert sheet["E2"].number_format == "#,##0.00"
