"""The downloads hold exactly the rows and totals the page shows."""

import csv
import io
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse

PARAMS = [
    {},
    {"stage": "upstream"},
    {"ministry": "m-one", "sort": "-requested"},
    {"q": "ข้อมูล", "max_amount": "1,000,000"},
    {"round": "all", "status": ["submitted", "forwarded"]},
    {"stage": "nowhere"},  # ignored on the page, ignored in the file
]


@pytest.fixture
def screener_client(client, screener):
    client.force_login(screener)
    return client


def page_of(client, params):
    response = client.get(reverse("screening:inbox"), {**params, "size": 200})
    assert response.status_code == 200
    return [p.code for p in response.context["proposals"]], response.context["totals"]


@pytest.mark.parametrize("params", PARAMS)
def test_csv_equals_the_page(screener_client, inbox_data, params):
    codes, totals = page_of(screener_client, params)
    response = screener_client.get(reverse("screening:export_csv"), params)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    header, body, total = rows[0], rows[1:-1], rows[-1]
    assert len(header) == 15
    assert [row[1] for row in body] == codes
    assert sum(Decimal(row[11]) for row in body) == totals.requested
    assert Decimal(total[11]) == totals.requested
    assert Decimal(total[12] or 0) == totals.recommended
    assert str(totals.count) in total[5]


@pytest.mark.parametrize("params", PARAMS)
def test_xlsx_equals_the_page(screener_client, inbox_data, params):
    codes, totals = page_of(screener_client, params)
    response = screener_client.get(reverse("screening:export_xlsx"), params)
    assert response.status_code == 200
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    sheet = workbook.worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    body, total = rows[1:-1], rows[-1]
    assert [row[1] for row in body] == codes
    assert Decimal(str(total[11])) == totals.requested
    assert Decimal(str(total[12])) == totals.recommended
    stages = list(workbook.worksheets[1].iter_rows(values_only=True))
    assert [row[1] for row in stages[1:-1]] == [g.count for g in totals.by_stage]
    assert stages[-1][1] == totals.count
    assert Decimal(str(stages[-1][2])) == totals.requested


def test_formula_text_is_not_a_formula(screener_client, inbox_data):
    proposal = inbox_data.p["A1"]
    proposal.title_th = '=HYPERLINK("http://evil")'
    proposal.save(update_fields=["title_th"])
    response = screener_client.get(reverse("screening:export_csv"), {"q": "HYPERLINK"})
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[1][5].startswith("'=")
    response = screener_client.get(reverse("screening:export_xlsx"), {"q": "HYPERLINK"})
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).worksheets[0]
    assert sheet.cell(row=2, column=6).data_type == "s"
