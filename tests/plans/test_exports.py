"""Each download read back the way its users read it, and checked against the database."""

import csv
import dataclasses
import io
import itertools
import json
import re
import subprocess
import time
from decimal import Decimal

import openpyxl
import pytest
from django.db.models import Sum
from django.urls import reverse

from plans.exports.document import plan_document
from plans.exports.pdf import build_plan_pdf
from plans.services import publish_plan
from proposals.models import Benefit, Proposal, Stage
from proposals.workflow import APPROVED_STATES

from .factories import APPROVED_PROJECTS, APPROVED_TOTAL, make_plan

pytestmark = pytest.mark.django_db

FORMULAS = {
    1: '=HYPERLINK("http://budgetscreen.invalid/","click")',
    2: "+1+2",
    3: "-3+4",
    4: "@SUM(A1:A2)",
}
HTML_TITLE = '<b>bold</b><img src="http://127.0.0.1:9/x">'


def download(client, plan_round, file_format, **params):
    url = reverse(f"plans:download_{file_format}", args=[plan_round.fiscal_year])
    response = client.get(url, params)
    assert response.status_code == 200, response.content[:300]
    return response


def db_approved(plan_round):
    return Proposal.objects.filter(round=plan_round, status__in=APPROVED_STATES).aggregate(
        total=Sum("approved_amount")
    )["total"]


def pdf_text(content: bytes, mode="-layout") -> str:
    result = subprocess.run(
        ["pdftotext", mode, "-", "-"], input=content, capture_output=True, check=True
    )
    return result.stdout.decode("utf-8")


@pytest.fixture
def logged_in(client, budget_officer, published):
    client.force_login(budget_officer)
    return client


def test_xlsx_read_back(logged_in, published, plan):
    response = download(logged_in, plan.plan_round, "xlsx")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert 'filename="plan-2568-v1.xlsx"' in response["Content-Disposition"]
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    properties = workbook.properties
    assert published.checksum in properties.keywords
    assert "version=1" in properties.keywords
    custom = {p.name: p.value for p in workbook.custom_doc_props.props}
    assert custom["PlanChecksum"] == published.checksum
    assert custom["PlanVersion"] == "1"
    assert len(workbook.sheetnames) == 8

    projects = workbook.worksheets[1]
    assert projects.freeze_panes == "A2"
    assert projects.auto_filter.ref == f"A1:O{APPROVED_PROJECTS + 1}"
    assert projects.print_title_rows == "$1:$1"
    assert projects.page_setup.orientation == "landscape"
    assert projects.page_setup.paperSize == 9  # A4
    rows = list(projects.iter_rows(values_only=True))
    body, footer = rows[1:-1], rows[-1]
    assert len(body) == APPROVED_PROJECTS
    approved_cells = [projects.cell(row=i, column=9) for i in range(2, len(rows))]
    assert all(c.data_type == "n" and c.number_format == "#,##0.00" for c in approved_cells)
    total = sum(Decimal(str(row[8])) for row in body)
    assert total == db_approved(plan.plan_round) == APPROVED_TOTAL
    assert Decimal(str(footer[8])) == APPROVED_TOTAL
    # the five expense-category columns add up to the approved amounts, row by row
    for row in body:
        assert sum(Decimal(str(v)) for v in row[9:14]) == Decimal(str(row[8]))
    codes = {row[1] for row in body}
    assert codes == {p.code for p in plan.approved}

    summary = workbook.worksheets[0]
    values = [row for row in summary.iter_rows(values_only=True) if row[0]]
    headline = {row[0]: row[1] for row in values}
    assert published.checksum in {row[1] for row in values}
    million = [c for row in summary.iter_rows() for c in row if c.number_format == "#,##0.0000"]
    assert million and all(c.data_type == "n" for c in million)
    assert APPROVED_TOTAL in {Decimal(str(v)) for v in headline.values() if isinstance(v, float)}

    by_stage = workbook.worksheets[2]
    rows = list(by_stage.iter_rows(values_only=True))
    assert sum(Decimal(str(r[7])) for r in rows[1:-1]) == APPROVED_TOTAL
    assert Decimal(str(rows[-1][8])) == APPROVED_TOTAL / Decimal(1000000)


def test_csv_read_back(logged_in, plan):
    response = download(logged_in, plan.plan_round, "csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    header, body = rows[0], rows[1:]
    assert len(body) == APPROVED_PROJECTS
    approved = header.index(next(h for h in header if "(baht)" in h or "บาท" in h)) + 1
    assert sum(Decimal(row[approved]) for row in body) == db_approved(plan.plan_round)
    assert {row[0] for row in body} == {p.code for p in plan.approved}
    assert any("สำนักงานสถิติแห่งชาติ" in row for row in body)


def test_json_read_back(logged_in, published, plan):
    response = download(logged_in, plan.plan_round, "json")
    data = json.loads(response.content)
    assert data["fiscal_year"] == 2568
    assert data["version"] == 1
    assert data["checksum"] == published.checksum
    assert data["totals"]["approved"] == "9623457.28"
    assert sum(Decimal(p["approved_amount"]) for p in data["projects"]) == db_approved(
        plan.plan_round
    )
    project = next(p for p in data["projects"] if p["id"] == plan.approved[1].pk)
    assert project["approved_amount"] == "1500000.50"
    assert project["requested_amount"] == "2000000.00"
    assert project["agency"] == "สำนักงานสถิติแห่งชาติ"
    assert project["ministry"] == "กระทรวงดิจิทัลเพื่อเศรษฐกิจและสังคม"
    assert project["stage"] == "midstream"
    assert project["budget_lines"] == [
        {"fiscal_year": 2568, "category": "operating", "amount": "1200000.00",
         "approved_amount": "900000.25"},
        {"fiscal_year": 2568, "category": "personnel", "amount": "800000.00",
         "approved_amount": "600000.25"},
    ]  # fmt: skip
    no_ministry = next(p for p in data["projects"] if p["id"] == plan.approved[3].pk)
    assert no_ministry["ministry"] is None
    for amount in [p["approved_amount"] for p in data["projects"]]:
        assert re.fullmatch(r"\d+\.\d\d", amount)


@pytest.mark.slow
def test_pdf_read_back(logged_in, published, plan):
    response = download(logged_in, plan.plan_round, "pdf")
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    text = pdf_text(response.content)
    assert published.checksum in text
    assert "9,623,457.28" in text  # the plan's total, in baht
    assert "1,500,000.50" in text and "3,333,333.33" in text
    for project in plan.approved:
        assert project.code in text
    for project in plan.others:
        assert project.code not in text
    pages = re.findall(r"(\d+) / (\d+)\n", text)  # "หน้า x / y" in the footer of every page
    last = int(pages[-1][1])
    assert last > 1
    assert pages == [(str(n), str(last)) for n in range(1, last + 1)]
    info = subprocess.run(["pdfinfo", "-"], input=response.content, capture_output=True, check=True)
    assert published.checksum in info.stdout.decode()


@pytest.mark.slow
def test_pdf_draws_every_text_in_sarabun_charts_included(logged_in, plan):
    content = download(logged_in, plan.plan_round, "pdf").content
    listing = subprocess.run(["pdffonts", "-"], input=content, capture_output=True, check=True)
    fonts = {line.split()[0].split("+")[-1] for line in listing.stdout.decode().splitlines()[2:]}
    # Chart labels once fell back to the machine's sans-serif (DejaVu, no Sarabun).
    assert fonts == {"Sarabun", "Sarabun-Bold"}


@pytest.mark.slow
def test_pdf_charts_fit_their_page_however_many_ministries(published):
    doc = plan_document(published)
    row = doc.by_ministry[0]
    doc.by_ministry = [dataclasses.replace(row, label=f"Ministry {n:02}") for n in range(1, 31)]
    text = pdf_text(build_plan_pdf(doc))
    # Each ministry once in the chart and once in the table: a chart taller than the page was
    # cut at its bottom (the last ministries never printed).
    assert all(text.count(f"Ministry {n:02}") == 2 for n in range(1, 31))


@pytest.mark.slow
def test_a_versions_bytes_never_change(client, budget_officer, published, plan, secretary):
    client.force_login(budget_officer)
    before = {
        f: download(client, plan.plan_round, f).content for f in ["xlsx", "pdf", "csv", "json"]
    }
    project = plan.approved[0]
    project.approved_amount = Decimal("1000000.00")
    project.title_th = "ชื่อใหม่"
    project.save(update_fields=["approved_amount", "title_th"])
    Stage.objects.filter(code="upstream").update(name_th="ต้นน้ำ (แก้ไข)")
    second = publish_plan(plan_round=plan.plan_round, actor=secretary)
    time.sleep(1.1)  # a later second: nothing inside the files may carry the time of the download
    for file_format, content in before.items():
        again = download(client, plan.plan_round, file_format, version=1).content
        assert again == content, file_format
    latest = json.loads(download(client, plan.plan_round, "json").content)
    assert latest["version"] == second.number == 2
    assert latest["totals"]["approved"] == str(APPROVED_TOTAL - Decimal("234567.89"))


def test_formulas_stay_text(client, budget_officer, secretary):
    plan = make_plan(2570, titles=FORMULAS)
    publish_plan(plan_round=plan.plan_round, actor=secretary)
    client.force_login(budget_officer)
    workbook = openpyxl.load_workbook(io.BytesIO(download(client, plan.plan_round, "xlsx").content))
    sheet = workbook.worksheets[1]
    cells = {c.value: c for row in sheet.iter_rows(min_col=5, max_col=5) for c in row}
    for title in FORMULAS.values():
        assert cells[title].data_type == "s", title
    rows = list(
        csv.reader(
            io.StringIO(download(client, plan.plan_round, "csv").content.decode("utf-8-sig"))
        )
    )
    titles = {row[3] for row in rows[1:]}
    for title in FORMULAS.values():
        assert "'" + title in titles
    data = json.loads(download(client, plan.plan_round, "json").content)
    assert {p["title_th"] for p in data["projects"]} >= set(FORMULAS.values())


@pytest.mark.slow
def test_html_in_a_title_is_printed_as_text(client, budget_officer, secretary):
    plan = make_plan(2571, titles={1: HTML_TITLE})
    publish_plan(plan_round=plan.plan_round, actor=secretary)
    client.force_login(budget_officer)
    # In content order, a table cell's wrapped lines follow each other.
    text = pdf_text(download(client, plan.plan_round, "pdf").content, "-raw").replace("\n", "")
    assert HTML_TITLE in text


SEARCHED_TITLE = "ระบบบริหารจัดการน้ำของสำนักงาน กำหนดการใหม่ 🚀 😀"


@pytest.mark.slow
def test_pdf_text_is_what_was_typed_thai_and_emoji(client, budget_officer, secretary):
    plan = make_plan(2572, titles={1: SEARCHED_TITLE})
    publish_plan(plan_round=plan.plan_round, actor=secretary)
    client.force_login(budget_officer)
    content = download(client, plan.plan_round, "pdf").content
    text = pdf_text(content, "-raw")
    # Ctrl-F finds the commonest Thai words as typed (ำ is U+0E33, not ํ + า).
    assert "สำนักงาน" in text and "กำหนด" in text and "น้ำ" in text
    assert text.count("สำนักงานสถิติแห่งชาติ") >= 3  # the agency: by-agency table, projects
    assert "\u0e4d" not in text
    # The title's cell wraps: its lines follow each other, the space at the wrap gone.
    assert SEARCHED_TITLE.replace(" ", "") in re.sub(r"\s", "", text)
    # Emoji are drawn: no font of the PDF draws an empty box (WeasyPrint then encodes it
    # with a custom CMap instead of Identity-H).
    listing = subprocess.run(["pdffonts", "-"], input=content, capture_output=True, check=True)
    encodings = {line.split()[-6] for line in listing.stdout.decode().splitlines()[2:]}
    assert encodings == {"Identity-H"}


WORD = re.compile(
    r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="[\d.]+">([^<]*)</word>'
)


def pdf_words(content: bytes) -> list[list[tuple[float, float, float, str]]]:
    """Each page's words as (x min, y min, x max, text), in points."""
    html = subprocess.run(
        ["pdftotext", "-bbox", "-", "-"], input=content, capture_output=True, check=True
    ).stdout.decode("utf-8")
    return [
        [(float(a), float(b), float(c), word) for a, b, c, word in WORD.findall(page)]
        for page in html.split("<page ")[1:]
    ]


@pytest.mark.slow
def test_pdf_project_rows_stay_short_and_amounts_apart(secretary):
    with open("fixtures/reference.json", encoding="utf-8") as file:
        benefits = json.load(file)["benefits"]
    for row in benefits:  # the real names: the longest is some 150 characters
        Benefit.objects.update_or_create(
            code=row["code"], defaults={"name_th": row["name_th"], "order": row["order"]}
        )
    plan = make_plan(2573)
    doc = plan_document(publish_plan(plan_round=plan.plan_round, actor=secretary))
    content = build_plan_pdf(doc)
    text = pdf_text(content, "-raw").replace("\n", "")
    # The benefit is a number in the table; the legend names each number.
    for number, name in doc.benefit_legend:
        assert f"{number} {name}".replace(" ", "") in text.replace(" ", "")
    assert [n for n, _ in doc.benefit_legend] == [1, 2, 3]
    legend = dict(doc.benefit_legend)
    assert all(legend[p.benefit_number] == p.benefit for p in doc.projects)

    words = [
        (page, *word) for page, page_words in enumerate(pdf_words(content)) for word in page_words
    ]
    where = {word: (page, top) for page, _, top, _, word in words}
    measured = 0
    for group in doc.stage_groups:
        codes = [p.code for p in group.projects]
        for above, below in itertools.pairwise(codes):
            (page, top), (next_page, next_top) = where[above], where[below]
            if page == next_page:
                # Two lines (agency, ministry): the benefit's name made rows 5 to 12 lines tall.
                assert next_top - top < 45, (above, below)
                measured += 1
        for project in group.projects:
            page, top = where[project.code]
            amounts = sorted(
                w[1:] for w in words if w[0] == page and abs(w[2] - top) < 1 and "," in w[4]
            )
            requested, approved = amounts
            assert approved[0] - requested[2] > 12  # points between the two amounts (over 4mm)
    assert measured == 2  # upstream and midstream have two projects each
