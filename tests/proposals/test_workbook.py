"""The agency's budget workbook (issue 17): downloaded empty or filled, read back with every
problem named by its sheet and cell, hostile files refused before they are expanded."""

import io
import re
import zipfile
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from core.text import strip_invisible
from directory.roles import Role
from proposals.models import KPI, BudgetLine, ExpenseCategory, Proposal
from proposals.selectors import SNAPSHOT_FIELDS
from proposals.workbook import (
    SHEET_ALIGNMENT,
    SHEET_BUDGET,
    SHEET_CONTENT,
    SHEET_GENERAL,
    SHEET_INSTRUCTIONS,
    SHEET_KPIS,
    SHEET_LISTS,
    SHEET_META,
    TEMPLATE_VERSION,
    build_template,
    read_workbook,
)
from proposals.workflow import Status
from tests.factories import make_agency, make_reference_data, make_round, make_user
from tests.proposals.factories import make_complete_draft
from tests.security import hostile

pytestmark = pytest.mark.django_db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def plan_round():
    make_reference_data()
    return make_round(2569, open_now=True)


@pytest.fixture
def submitter():
    return make_user(Role.SUBMITTER, agency=make_agency())


@pytest.fixture
def proposal(submitter, plan_round):
    proposal = make_complete_draft(
        agency=submitter.agency, plan_round=plan_round, duration_years=2,
        title_en="=HYPERLINK(\"http://evil.example\",\"click\")",
        summary="+cmd|' /C calc'!A0",
    )  # fmt: skip
    BudgetLine.objects.create(
        proposal=proposal, fiscal_year=2569, category=ExpenseCategory.INVESTMENT,
        amount=Decimal("1234567.50"),
    )  # fmt: skip
    BudgetLine.objects.create(
        proposal=proposal, fiscal_year=2570, category=ExpenseCategory.PERSONNEL,
        amount=Decimal("0.10"),
    )  # fmt: skip
    KPI.objects.create(proposal=proposal, order=1, indicator="ผู้ใช้", unit="คน", target="=100")
    return Proposal.objects.get(pk=proposal.pk)


def _download(client, user, url):
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == XLSX
    assert response["Content-Disposition"].startswith("attachment;")
    return response.content


def _open(content):
    return load_workbook(io.BytesIO(content))


def _edit(content, change):
    """The workbook after ``change(workbook)``, as a user's spreadsheet program would save it."""
    workbook = _open(content)
    change(workbook)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _cells(parsed):
    return {error.cell for error in parsed.errors}


# --- the download ----------------------------------------------------------------------------


def test_the_empty_workbook_has_a_sheet_per_section_lists_formulas_and_protection(
    client, submitter, plan_round
):
    workbook = _open(_download(client, submitter, reverse("proposals:template")))
    assert workbook.sheetnames == [
        SHEET_INSTRUCTIONS, SHEET_GENERAL, SHEET_ALIGNMENT, SHEET_CONTENT, SHEET_KPIS,
        SHEET_BUDGET, SHEET_LISTS, SHEET_META,
    ]  # fmt: skip
    assert workbook[SHEET_META].sheet_state == "hidden"
    assert workbook[SHEET_LISTS].sheet_state == "hidden"
    assert all(workbook[t].sheet_state == "visible" for t in workbook.sheetnames[:6])
    assert workbook.security.lockStructure

    # Lists: stage and benefit from the reference tables, as data validation.
    lists = workbook[SHEET_LISTS]
    assert [lists.cell(row=r, column=1).value for r in (1, 2, 3)] == ["ต้นน้ำ", "กลางน้ำ", "ปลายน้ำ"]
    alignment = workbook[SHEET_ALIGNMENT]
    validations = {str(v.sqref): v for v in alignment.data_validations.dataValidation}
    assert validations["C2"].type == "list"
    assert validations["C2"].formula1 == f"'{SHEET_LISTS}'!$A$1:$A$3"  # stage
    assert validations["C3"].formula1 == f"'{SHEET_LISTS}'!$B$1:$B$3"  # benefit
    assert validations["C4"].formula1 == f"'{SHEET_LISTS}'!$C$1:$C$1"  # DG strategy
    assert validations["C5"].formula1 == f"'{SHEET_LISTS}'!$D$1:$D$1"  # national strategy
    general = workbook[SHEET_GENERAL]
    general_validations = {str(v.sqref): v for v in general.data_validations.dataValidation}
    assert general_validations["C4"].formula1 == f"'{SHEET_LISTS}'!$E$1:$E$2"  # project type
    assert [lists.cell(row=r, column=5).value for r in (1, 2)] == ["โครงการใหม่", "โครงการต่อเนื่อง"]

    # Budget: years × the five categories, totals as formulas.
    budget = workbook[SHEET_BUDGET]
    assert [budget.cell(row=r, column=1).value for r in range(3, 8)] == list(range(2569, 2574))
    assert [budget.cell(row=1, column=c).value for c in range(2, 7)] == ExpenseCategory.values
    assert budget["G3"].value == "=SUM(B3:F3)"
    assert budget["G7"].value == "=SUM(B7:F7)"
    assert budget["B8"].value == "=SUM(B3:B7)"
    assert budget["G8"].value == "=SUM(G3:G7)"
    assert budget["B3"].value is None

    # Locked labels, unlocked inputs, every sheet protected (no password).
    for sheet in workbook.worksheets:
        assert sheet.protection.sheet, sheet.title
        assert not sheet.protection.password, sheet.title
    assert general["B2"].protection.locked and not general["C2"].protection.locked
    assert budget["A3"].protection.locked and not budget["D5"].protection.locked
    assert budget["G3"].protection.locked
    assert not workbook[SHEET_KPIS]["A3"].protection.locked

    # Instructions in Thai and in English.
    texts = " ".join(str(c.value) for c in workbook[SHEET_INSTRUCTIONS]["A"] if c.value)
    assert "เซลล์สีเหลือง" in texts and "yellow cells" in texts

    # The hidden signature: version, round, agency, no proposal.
    meta = workbook[SHEET_META]
    assert meta["B1"].value == TEMPLATE_VERSION
    assert meta["B3"].value == 2569
    parsed = read_workbook(_edit(_download(client, submitter, reverse("proposals:template")),
                                 lambda wb: None))  # fmt: skip
    assert parsed.round_year == 2569
    assert parsed.agency_id == submitter.agency_id
    assert parsed.proposal_id is None


def test_the_filled_workbook_holds_what_is_saved_and_text_stays_text(client, submitter, proposal):
    content = _download(client, submitter, reverse("proposals:workbook", args=[proposal.pk]))
    workbook = _open(content)
    general = workbook[SHEET_GENERAL]
    assert general["C2"].value == proposal.title_th
    assert general["C3"].value == proposal.title_en
    assert general["C3"].data_type == "s"  # a string, not a formula
    assert workbook[SHEET_CONTENT]["C2"].data_type == "s"
    assert workbook[SHEET_KPIS]["C4"].value == "=100"
    assert workbook[SHEET_KPIS]["C4"].data_type == "s"
    budget = workbook[SHEET_BUDGET]
    assert budget["C3"].value == Decimal("2500000.00")  # operating, FY2569
    assert budget["D3"].value == Decimal("1234567.50")  # investment, FY2569
    assert Decimal(str(budget["B4"].value)) == Decimal("0.10")  # personnel, FY2570
    assert workbook[SHEET_META]["B4"].value == proposal.code
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        sheets = "".join(archive.read(n).decode() for n in archive.namelist() if "worksheets/" in n)
    assert '<t>=HYPERLINK("http://evil.example","click")</t>' in sheets  # a string
    assert "<f>HYPERLINK" not in sheets and "<f>=HYPERLINK" not in sheets
    assert sheets.count("<f>") == 5 + 6  # the totals, nothing else


def test_round_trip_gives_the_same_fields_kpis_and_budget(client, submitter, proposal):
    content = _download(client, submitter, reverse("proposals:workbook", args=[proposal.pk]))
    parsed = read_workbook(
        io.BytesIO(content), plan_round=proposal.round, agency_id=submitter.agency_id
    )
    assert parsed.ok, parsed.errors
    assert parsed.proposal_id == proposal.pk
    for name in SNAPSHOT_FIELDS:
        assert parsed.fields[name] == getattr(proposal, name), name
    assert parsed.kpis == [(k.indicator, k.unit, k.target) for k in proposal.kpis.all()]
    assert parsed.budget == {
        (b.fiscal_year, b.category): b.amount for b in proposal.budget_lines.all()
    }
    content_obj = parsed.to_content()
    assert content_obj.fields["stage"] == proposal.stage


def test_the_workbook_is_the_own_agencys_only(client, proposal, plan_round):
    url = reverse("proposals:workbook", args=[proposal.pk])
    other = make_user(Role.SUBMITTER, agency=make_agency())
    client.force_login(other)
    assert client.get(url).status_code == 404
    Proposal.objects.filter(pk=proposal.pk).update(status=Status.SUBMITTED)
    client.force_login(make_user(Role.SCREENER))
    assert client.get(url).status_code == 404  # DGA reads the proposal, not its workbook
    client.force_login(make_user(Role.SCREENER))
    assert client.get(reverse("proposals:template")).status_code == 403


def test_without_an_open_round_the_empty_workbook_sends_back_to_the_list(client, submitter):
    make_round(2560, open_now=False)
    client.force_login(submitter)
    response = client.get(reverse("proposals:template"))
    assert response.status_code == 302
    assert response["Location"] == reverse("proposals:list")


def test_the_pages_offer_the_downloads_to_the_agency(client, submitter, proposal):
    client.force_login(submitter)
    listing = client.get(reverse("proposals:list")).content.decode()
    assert reverse("proposals:template") in listing
    detail = client.get(reverse("proposals:detail", args=[proposal.pk])).content.decode()
    assert reverse("proposals:workbook", args=[proposal.pk]) in detail
    Proposal.objects.filter(pk=proposal.pk).update(status=Status.SUBMITTED)
    client.force_login(make_user(Role.SCREENER))
    detail = client.get(reverse("proposals:detail", args=[proposal.pk])).content.decode()
    assert "template.xlsx" not in detail


# --- reading what people type ----------------------------------------------------------------


@pytest.fixture
def blank(submitter, plan_round):
    return build_template(plan_round=plan_round, agency_id=submitter.agency_id)


def _with_cached_formula(content, formula, cached):
    """Give the formula ``formula`` the cached result ``cached``, as Excel saves it."""
    source = zipfile.ZipFile(io.BytesIO(content))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename.startswith("xl/worksheets/"):
                text = data.decode()
                text = re.sub(
                    rf"<f>{re.escape(formula)}</f>(<v\s*/>|<v></v>)?",
                    f"<f>{formula}</f><v>{cached}</v>",
                    text,
                )
                data = text.encode()
            target.writestr(item, data)
    return buffer.getvalue()


def test_amounts_are_read_as_people_type_them(blank, plan_round, submitter):
    def fill(workbook):
        general, budget = workbook[SHEET_GENERAL], workbook[SHEET_BUDGET]
        general["C2"] = "โครงการจากสมุดงาน"
        general["C5"] = 2
        budget["B3"] = "1,234,567.50"  # text with separators
        budget["C3"] = "๑๒๓"  # Thai digits
        budget["D3"] = "1000"  # a number stored as text
        budget["E3"] = 2500000  # a number
        budget["F3"] = 0.1 + 0.2  # a float Excel shows as 0.3
        budget["B4"] = "=1000+2000"  # a formula, with its result cached below

    content = _with_cached_formula(_edit(blank, fill), "1000+2000", "3000")
    parsed = read_workbook(content, plan_round=plan_round, agency_id=submitter.agency_id)
    assert parsed.ok, parsed.errors
    assert parsed.fields["title_th"] == "โครงการจากสมุดงาน"
    assert parsed.fields["duration_years"] == 2
    assert parsed.budget == {
        (2569, "personnel"): Decimal("1234567.50"),
        (2569, "operating"): Decimal("123.00"),
        (2569, "investment"): Decimal("1000.00"),
        (2569, "subsidy"): Decimal("2500000.00"),
        (2569, "other"): Decimal("0.30"),
        (2570, "personnel"): Decimal("3000.00"),
    }


def _titled(workbook):
    workbook[SHEET_GENERAL]["C2"] = "โครงการ"


@pytest.mark.parametrize(
    ("cell", "value", "words"),
    [
        ("D7", -5, "negative"),
        ("D7", "-1,000", "negative"),
        ("C5", "หนึ่งพันบาท", "Enter an amount"),
        ("B3", "1.234", "decimal places"),
        ("F4", "=SUM(1,2)", "no calculated value"),
    ],
)
def test_a_refused_amount_names_its_cell(blank, plan_round, cell, value, words):
    def fill(workbook):
        _titled(workbook)
        workbook[SHEET_GENERAL]["C5"] = 5
        workbook[SHEET_BUDGET][cell] = value

    parsed = read_workbook(_edit(blank, fill), plan_round=plan_round)
    assert [e.cell for e in parsed.errors] == [f"{SHEET_BUDGET}!{cell}"]
    assert words in parsed.errors[0].message
    assert str(parsed.errors[0]).startswith(f"งบประมาณ!{cell}: ")
    assert parsed.budget.get((2569 + int(cell[1:]) - 3, "x")) is None
    with pytest.raises(ValueError):
        parsed.to_content()


def test_an_amount_beyond_the_duration_names_its_cell(blank, plan_round):
    def fill(workbook):
        _titled(workbook)
        workbook[SHEET_BUDGET]["C4"] = 100  # FY2570, but the duration is one year

    parsed = read_workbook(_edit(blank, fill), plan_round=plan_round)
    assert _cells(parsed) == {f"{SHEET_BUDGET}!C4"}
    assert "FY2570" in parsed.errors[0].message


def test_form_errors_name_their_cell_in_thai_and_english(blank, plan_round):
    def fill(workbook):
        workbook[SHEET_GENERAL]["C9"] = "not an e-mail"  # title (C2) left empty
        workbook[SHEET_ALIGNMENT]["C2"] = "ไม่มีในรายการ"
        workbook[SHEET_KPIS]["A4"] = "ตัวชี้วัดไม่มีหน่วย"

    parsed = read_workbook(_edit(blank, fill), plan_round=plan_round)
    by_cell = {e.cell: e.message for e in parsed.errors}
    assert set(by_cell) == {
        f"{SHEET_GENERAL}!C2", f"{SHEET_GENERAL}!C9", f"{SHEET_ALIGNMENT}!C2", f"{SHEET_KPIS}!B4",
    }  # fmt: skip
    assert " / " in by_cell[f"{SHEET_GENERAL}!C9"]  # Thai, then English
    assert "e-mail" in by_cell[f"{SHEET_GENERAL}!C9"] or "email" in by_cell[f"{SHEET_GENERAL}!C9"]


def test_a_moved_or_merged_header_is_refused_with_its_cell(blank, plan_round):
    def insert_a_row(workbook):
        _titled(workbook)
        workbook[SHEET_BUDGET].insert_rows(1)

    parsed = read_workbook(_edit(blank, insert_a_row), plan_round=plan_round)
    assert f"{SHEET_BUDGET}!A1" in _cells(parsed)
    assert "layout" in parsed.errors[0].message

    def merge(workbook):
        _titled(workbook)
        workbook[SHEET_KPIS].merge_cells("A1:C1")

    parsed = read_workbook(_edit(blank, merge), plan_round=plan_round)
    assert _cells(parsed) == {f"{SHEET_KPIS}!B1", f"{SHEET_KPIS}!C1"}


# --- wrong workbooks -------------------------------------------------------------------------


def test_another_rounds_or_agencys_workbook_is_refused(blank, plan_round, submitter):
    other_round = make_round(2570, open_now=False)
    parsed = read_workbook(blank, plan_round=other_round, agency_id=submitter.agency_id)
    assert _cells(parsed) == {f"{SHEET_META}!B2"}
    assert "FY2569" in parsed.errors[0].message and "FY2570" in parsed.errors[0].message
    parsed = read_workbook(blank, plan_round=plan_round, agency_id=make_agency().pk)
    assert _cells(parsed) == {f"{SHEET_META}!B2"}
    assert "another agency" in parsed.errors[0].message
    assert parsed.fields == {} and parsed.budget == {}


def test_a_forged_signature_is_refused(blank, plan_round, submitter):
    other = build_template(plan_round=make_round(2570), agency_id=submitter.agency_id)
    forged_token = _open(other)[SHEET_META]["B2"].value
    tampered = forged_token[:-3] + ("aaa" if not forged_token.endswith("aaa") else "bbb")

    def forge(workbook):
        workbook[SHEET_META]["B2"] = tampered
        workbook[SHEET_META]["B3"] = 2570

    parsed = read_workbook(_edit(blank, forge), plan_round=plan_round)
    assert _cells(parsed) == {f"{SHEET_META}!B2"}
    assert "signature" in parsed.errors[0].message

    def drop(workbook):
        del workbook[SHEET_META]

    parsed = read_workbook(_edit(blank, drop), plan_round=plan_round)
    assert _cells(parsed) == {SHEET_META}


def _zip(members, *, compression=zipfile.ZIP_DEFLATED):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _members(content):
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return {n: archive.read(n) for n in archive.namelist()}


class _Named(io.BytesIO):
    name = "budget.xlsm"


@pytest.mark.parametrize(
    ("make", "words"),
    [
        (lambda blank: b"not a zip at all", "not an Excel workbook"),
        (lambda blank: _zip({"word/document.xml": b"<x/>"}), "not an Excel workbook"),
        (lambda blank: _zip({**_members(blank), "xl/vbaProject.bin": b"\0" * 10}), "macros"),
        (
            lambda blank: _zip({**_members(blank), "xl/externalLinks/externalLink1.xml": b"<x/>"}),
            "links to other files",
        ),
        (
            # A zip bomb: 60 MB of zeros in a few kilobytes.
            lambda blank: _zip({**_members(blank), "xl/media/image1.png": b"\0" * (60 << 20)}),
            "too large once uncompressed",
        ),
        (
            lambda blank: _zip(
                {
                    **_members(blank),
                    "xl/sharedStrings.xml": b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aa">'
                    b'<!ENTITY b "&a;&a;&a;&a;">]><sst>&b;</sst>',
                }
            ),
            "XML declarations",
        ),
    ],
)
def test_hostile_files_are_refused_before_they_are_opened(blank, plan_round, make, words):
    parsed = read_workbook(make(blank), plan_round=plan_round)
    assert len(parsed.errors) == 1
    assert parsed.errors[0].cell == ""
    assert words in parsed.errors[0].message
    assert " / " in parsed.errors[0].message  # Thai and English


def test_a_macro_workbook_is_refused_by_its_name_too(blank, plan_round):
    parsed = read_workbook(_Named(blank), plan_round=plan_round)
    assert "macros" in parsed.errors[0].message


@pytest.mark.parametrize("dimension", ["honest", "lying", "missing"])
def test_a_sheet_with_too_many_columns_is_refused(blank, plan_round, dimension):
    def widen(workbook):
        _titled(workbook)
        workbook[SHEET_CONTENT]["GS1"] = "x"  # column 201

    content = _sized(_edit(blank, widen), dimension)
    parsed = read_workbook(content, plan_round=plan_round)
    assert len(parsed.errors) == 1
    assert "200" in parsed.errors[0].message
    assert parsed.fields == {}


def _sized(content, dimension):
    """The sheets' <dimension> as it was, lying (a small sheet) or removed."""
    if dimension == "lying":
        return _rewrite_sheets(
            content, lambda x: re.sub(rb'ref="[A-Z]+\d+:[A-Z]+\d+"', b'ref="A1:C7"', x)
        )
    if dimension == "missing":
        return _rewrite_sheets(content, lambda x: re.sub(rb"<dimension [^>]*/>", b"", x))
    return content


def _rewrite_sheets(content, change):
    members = _members(content)
    for name in members:
        if name.startswith("xl/worksheets/"):
            members[name] = change(members[name])
    return _zip(members)


@pytest.mark.parametrize("dimension", ["honest", "lying", "missing"])
def test_a_sheet_with_too_many_rows_is_refused_whatever_its_dimension_says(
    blank, plan_round, dimension
):
    def lengthen(workbook):
        _titled(workbook)
        workbook[SHEET_CONTENT]["B10001"] = "x"  # row 10,001

    content = _sized(_edit(blank, lengthen), dimension)
    parsed = read_workbook(content, plan_round=plan_round)
    assert len(parsed.errors) == 1
    assert "10000" in parsed.errors[0].message
    assert parsed.fields == {}


def test_a_dtd_in_a_part_with_another_name_is_refused(blank, plan_round):
    members = _members(blank)
    sheet = members.pop("xl/worksheets/sheet2.xml")
    assert sheet.startswith(b"<worksheet")
    members["xl/worksheets/sheet2.dat"] = b'<!DOCTYPE w [<!ENTITY a "a">]>' + sheet
    members["xl/_rels/workbook.xml.rels"] = members["xl/_rels/workbook.xml.rels"].replace(
        b"sheet2.xml", b"sheet2.dat"
    )
    parsed = read_workbook(_zip(members), plan_round=plan_round)
    assert [e.cell for e in parsed.errors] == [""]
    assert "XML declarations" in parsed.errors[0].message


def test_a_dtd_hidden_in_utf16_is_refused(blank, plan_round):
    xml = '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE x [<!ENTITY a "a">]><sst>&a;</sst>'
    members = {**_members(blank), "xl/sharedStrings.xml": xml.encode("utf-16")}
    parsed = read_workbook(_zip(members), plan_round=plan_round)
    assert [e.cell for e in parsed.errors] == [""]
    assert "XML declarations" in parsed.errors[0].message


def test_text_inputs_are_text_cells_so_numbers_keep_their_zeros(blank):
    workbook = _open(blank)
    assert workbook[SHEET_GENERAL]["C8"].number_format == "@"  # the official's phone
    assert workbook[SHEET_GENERAL]["C5"].number_format != "@"  # the duration: a number
    assert workbook[SHEET_KPIS]["C3"].number_format == "@"
    validations = {str(v.sqref): v for v in workbook[SHEET_GENERAL].data_validations.dataValidation}
    assert validations["C5"].formula1 == f"'{SHEET_LISTS}'!$F$1:$F$5"  # 1–5 fiscal years


@pytest.mark.parametrize("name", sorted(hostile.INERT) + ["newlines", "control", "long"])
def test_hostile_text_goes_out_as_text_and_comes_back_as_the_form_reads_it(
    client, submitter, proposal, name
):
    value = {
        "newlines": hostile.NEWLINES,
        "control": "ระฆัง\x07\x0cหน้าใหม่",
        "long": hostile.LONG,
    }.get(name) or hostile.INERT[name]
    Proposal.objects.filter(pk=proposal.pk).update(rationale=value, official_position=value[:255])
    content = _download(client, submitter, reverse("proposals:workbook", args=[proposal.pk]))
    cell = _open(content)[SHEET_CONTENT]["C3"]  # the rationale
    assert cell.data_type == "s"
    parsed = read_workbook(content, plan_round=proposal.round, agency_id=submitter.agency_id)
    assert parsed.ok, parsed.errors
    expected = strip_invisible(ILLEGAL_CHARACTERS_RE.sub("", value))[0].strip()
    expected = re.sub(r"\r?\n", "\r\n", expected)  # line breaks as a browser sends them
    assert parsed.fields["rationale"] == expected


# --- the upload: preview, confirm --------------------------------------------------------------


def _upload(client, content, name="budget.xlsx"):
    return client.post(reverse("proposals:import"), {"file": SimpleUploadedFile(name, content)})


def _token(response):
    match = re.search(r'name="confirm" value="([^"]+)"', response.content.decode())
    assert match, "no confirmation offered"
    return match.group(1)


def test_an_empty_workbook_filled_in_becomes_a_new_draft_once_confirmed(client, submitter, blank):
    def fill(workbook):
        workbook[SHEET_GENERAL]["C2"] = "ระบบจากสมุดงาน"
        workbook[SHEET_ALIGNMENT]["C2"] = "กลางน้ำ"
        workbook[SHEET_BUDGET]["C3"] = "1,500,000"

    client.force_login(submitter)
    before = Proposal.objects.count()
    response = _upload(client, _edit(blank, fill))
    assert response.status_code == 200
    page = response.content.decode()
    assert "ระบบจากสมุดงาน" in page and "1,500,000.00" in page  # the changes, shown
    assert Proposal.objects.count() == before  # nothing saved yet
    token = _token(response)

    response = client.post(reverse("proposals:import"), {"confirm": token})
    created = Proposal.objects.exclude(pk__in=[]).order_by("-id").first()
    assert response.status_code == 302
    assert response["Location"] == reverse("proposals:edit", args=[created.pk])
    assert Proposal.objects.count() == before + 1
    assert created.agency_id == submitter.agency_id
    assert created.status == Status.DRAFT
    assert created.title_th == "ระบบจากสมุดงาน"
    assert created.stage.code == "midstream"
    assert created.requested_amount == Decimal("1500000.00")

    # The same confirmation again (a double click, a replay) creates nothing more.
    response = client.post(reverse("proposals:import"), {"confirm": token})
    assert response.status_code == 302
    assert Proposal.objects.count() == before + 1


def test_the_agencys_draft_is_updated_with_the_changes_shown_field_by_field(
    client, submitter, proposal
):
    content = _download(client, submitter, reverse("proposals:workbook", args=[proposal.pk]))

    def change(workbook):
        workbook[SHEET_GENERAL]["C2"] = "ชื่อใหม่จากสมุดงาน"
        workbook[SHEET_BUDGET]["C3"] = 3000000

    response = _upload(client, _edit(content, change))
    assert response.status_code == 200
    page = response.content.decode()
    assert proposal.title_th in page and "ชื่อใหม่จากสมุดงาน" in page
    assert page.count('<th scope="row">') == 2  # the title and one budget cell, nothing else
    token = _token(response)
    lock_version = proposal.lock_version

    response = client.post(reverse("proposals:import"), {"confirm": token})
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.title_th == "ชื่อใหม่จากสมุดงาน"
    assert proposal.requested_amount == Decimal("4234567.50")  # 3,000,000 + 1,234,567.50
    assert proposal.lock_version == lock_version + 1
    assert proposal.kpis.count() == 2 and proposal.status == Status.DRAFT

    # Replayed: the draft has moved on, so the old confirmation is stale and changes nothing.
    Proposal.objects.filter(pk=proposal.pk).update(title_th="แก้ในเว็บ")
    response = client.post(reverse("proposals:import"), {"confirm": token})
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.title_th == "แก้ในเว็บ"


def test_a_save_in_between_makes_the_confirmation_stale(client, submitter, proposal):
    content = _download(client, submitter, reverse("proposals:workbook", args=[proposal.pk]))
    response = _upload(client, _edit(content, lambda wb: wb[SHEET_GENERAL].__setitem__("C2", "ก")))
    token = _token(response)
    Proposal.objects.filter(pk=proposal.pk).update(lock_version=proposal.lock_version + 1)
    response = client.post(reverse("proposals:import"), {"confirm": token}, follow=True)
    proposal.refresh_from_db()
    assert proposal.title_th != "ก"
    assert "ระหว่างที่ท่านกำลังแก้ไข" in response.content.decode()  # the form's own message


def test_a_wrong_workbook_shows_its_errors_and_saves_nothing(client, submitter, proposal, blank):
    other = make_user(Role.SUBMITTER, agency=make_agency())
    client.force_login(other)
    before = Proposal.objects.count()
    response = _upload(client, blank)  # the first agency's workbook
    assert response.status_code == 200
    page = response.content.decode()
    assert f"{SHEET_META}!B2" in page and "another agency" in page
    assert 'name="confirm"' not in page
    assert Proposal.objects.count() == before

    client.force_login(submitter)
    response = _upload(client, _edit(blank, lambda wb: wb[SHEET_BUDGET].__setitem__("D7", -1)))
    page = response.content.decode()
    assert f"{SHEET_BUDGET}!D7" in page and 'name="confirm"' not in page
    assert Proposal.objects.count() == before


def test_a_sent_proposals_workbook_and_a_closed_rounds_are_refused(client, submitter, proposal):
    content = _download(client, submitter, reverse("proposals:workbook", args=[proposal.pk]))
    Proposal.objects.filter(pk=proposal.pk).update(status=Status.SUBMITTED)
    page = _upload(client, content).content.decode()
    assert "can no longer be edited" in page and "จึงแก้ไขไม่ได้แล้ว" in page  # both languages
    assert 'name="confirm"' not in page

    old_round = make_round(2560, open_now=False)
    stale = build_template(plan_round=old_round, agency_id=submitter.agency_id)
    page = _upload(client, _edit(stale, _titled)).content.decode()
    assert "FY2560" in page and 'name="confirm"' not in page


def test_a_confirmation_is_the_uploaders_own_and_cannot_be_forged(client, submitter, blank):
    client.force_login(submitter)
    token = _token(_upload(client, _edit(blank, _titled)))
    before = Proposal.objects.count()
    colleague = make_user(Role.SUBMITTER, agency=submitter.agency)
    client.force_login(colleague)
    response = client.post(reverse("proposals:import"), {"confirm": token})
    assert response["Location"] == reverse("proposals:import")
    client.force_login(submitter)
    response = client.post(reverse("proposals:import"), {"confirm": token[:-2] + "xx"})
    assert response["Location"] == reverse("proposals:import")
    assert Proposal.objects.count() == before


def test_the_upload_page_is_for_submitters_and_is_linked_from_the_list(client, submitter):
    client.force_login(submitter)
    assert reverse("proposals:import") in client.get(reverse("proposals:list")).content.decode()
    page = client.get(reverse("proposals:import")).content.decode()
    assert 'name="file"' in page and 'enctype="multipart/form-data"' in page
    client.force_login(make_user(Role.SCREENER))
    assert client.get(reverse("proposals:import")).status_code == 403
