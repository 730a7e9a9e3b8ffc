"""The agency's budget workbook: written for one round (empty) or one proposal (filled), and read
back with every problem named by its sheet and cell (``งบประมาณ!D7``).

Layout (template version ``TEMPLATE_VERSION``): one sheet per section of the form. The sheets of
fields (general, alignment, content) hold a hidden column A with the field's name, its label in
column B and the input in column C. The KPI and budget sheets hold a hidden first row with the
names of their columns; the budget grid is the fiscal years (rows 3–7) × the five expense
categories (columns B–F) with totals as formulas. Labels are locked, inputs are not; sheets are
protected without a password (protection keeps labels from being typed over by mistake; it is
no security measure). The hidden ``meta`` sheet holds the version and a signature (HMAC with
``SECRET_KEY``, ``django.core.signing``) of the round, the agency and the proposal.

Reading is defensive: the archive is checked from its zip directory before openpyxl opens it
(size, member count, compression ratio, macros, external links, DTDs), then openpyxl reads it
in read-only mode, only the cells of the layout. Text that begins with ``=`` is written as text
(never a formula), like every export of the project (``core.exports``).
"""

import io
import re
import secrets
import warnings
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core import signing
from django.core.exceptions import ValidationError
from django.db.models import Model
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import override
from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils import column_index_from_string, get_column_letter
from openpyxl.workbook.protection import WorkbookProtection
from openpyxl.worksheet.datavalidation import DataValidation

from core.exports import BAHT_FORMAT, workbook_bytes

from .forms import (
    MAX_DURATION,
    WORKBOOK_MAX_BYTES,
    AlignmentForm,
    BudgetForm,
    ContentForm,
    GeneralForm,
    KPIForm,
)
from .models import (
    Benefit,
    DGStrategy,
    ExpenseCategory,
    NationalStrategy,
    PlanRound,
    ProjectType,
    Proposal,
    Stage,
)
from .selectors import diff_snapshots, get_open_round, proposal_snapshot
from .services import ProposalContent

TEMPLATE_VERSION = "1"
_SIGNING_SALT = "proposals.workbook"

SHEET_INSTRUCTIONS = "คำแนะนำ"
SHEET_GENERAL = "ข้อมูลทั่วไป"
SHEET_ALIGNMENT = "ความสอดคล้อง"
SHEET_CONTENT = "สาระสำคัญ"
SHEET_KPIS = "ตัวชี้วัด"
SHEET_BUDGET = "งบประมาณ"
SHEET_LISTS = "lists"
SHEET_META = "meta"

GENERAL_FIELDS = [
    "title_th", "title_en", "project_type", "duration_years",
    "official_name", "official_position", "official_phone", "official_email",
]  # fmt: skip
ALIGNMENT_FIELDS = [
    "stage", "benefit", "dg_strategy", "national_strategy", "alignment_justification"
]  # fmt: skip
CONTENT_FIELDS = ["summary", "rationale", "objectives", "target_group", "outputs", "outcomes"]
FIELD_SHEETS = [
    (SHEET_GENERAL, GENERAL_FIELDS, GeneralForm),
    (SHEET_ALIGNMENT, ALIGNMENT_FIELDS, AlignmentForm),
    (SHEET_CONTENT, CONTENT_FIELDS, ContentForm),
]
FIRST_FIELD_ROW = 2  # row 1: the header
KPI_COLUMNS = ["indicator", "unit", "target"]
KPI_FIRST_ROW = 3  # row 1: hidden names, row 2: the header
MAX_KPIS = 50  # as the form's formset
BUDGET_FIRST_ROW = 3  # row 1: hidden names, row 2: the header; rows 3–7: the years
BUDGET_TOTAL_ROW = BUDGET_FIRST_ROW + MAX_DURATION
CATEGORIES = list(ExpenseCategory)
BUDGET_TOTAL_COLUMN = 2 + len(CATEGORIES)  # G

# Limits of what is read at all (checked before openpyxl parses anything).
MAX_FILE_BYTES = WORKBOOK_MAX_BYTES
MAX_UNCOMPRESSED_BYTES = 50 * 1024 * 1024
MAX_MEMBERS = 500
MAX_RATIO = 100  # uncompressed / compressed, for members over 1 MB
MAX_ROWS = 10_000
MAX_COLUMNS = 200
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

_HEADER = Font(bold=True)
_INPUT_FILL = PatternFill("solid", fgColor="FFF9E5")
_UNLOCKED = Protection(locked=False)
_WRAP = Alignment(wrap_text=True, vertical="top")


def both(message: str | Promise, **params: Any) -> str:
    """The message in Thai and in English (``ไทย / English``; once when they are the same)."""
    texts = []
    for language in ("th", "en"):
        with override(language):
            text = str(message) % params if params else str(message)
        if text not in texts:
            texts.append(text)
    return " / ".join(texts)


# --- choices shown in the lists ----------------------------------------------------------


def _reference_choices() -> dict[str, list[tuple[str, Model]]]:
    """Per reference field: (the label shown in the workbook, the object), in the form's order."""
    return {
        "stage": [(s.name_th, s) for s in Stage.objects.order_by("order")],
        "benefit": [(b.name_th, b) for b in Benefit.objects.order_by("order")],
        "dg_strategy": [(f"{s.number}. {s.name_th}", s) for s in DGStrategy.objects.all()],
        "national_strategy": [
            (f"{s.number}. {s.name_th}", s) for s in NationalStrategy.objects.all()
        ],
    }


def _project_type_choices() -> list[tuple[str, str]]:
    with override("th"):
        return [(str(label), value) for value, label in ProjectType.choices]


def _display(name: str, proposal: Proposal | None, references: dict) -> Any:
    """The value of ``name`` as the workbook shows it."""
    if proposal is None:
        # The form's defaults: a new project of one fiscal year.
        defaults = {"duration_years": 1, "project_type": _project_type_choices()[0][0]}
        return defaults.get(name)
    value = getattr(proposal, name)
    if name in references:
        return next((label for label, obj in references[name] if obj == value), None)
    if name == "project_type":
        return {v: label for label, v in _project_type_choices()}.get(value)
    return value if value != "" else None


# --- writing ---------------------------------------------------------------------------------


def sign_template(*, plan_round: PlanRound, agency_id: int, proposal: Proposal | None) -> str:
    return signing.dumps(
        {
            "v": TEMPLATE_VERSION,
            "round": plan_round.fiscal_year,
            "agency": agency_id,
            "proposal": proposal.pk if proposal else None,
        },
        salt=_SIGNING_SALT,
    )


def _put(sheet, row: int, column: int, value: Any, *, header=False, unlocked=False, fmt=None):
    """One cell: text always stays text (never a formula), money is a number."""
    if isinstance(value, float):
        raise TypeError("money must be Decimal, never float")
    cell = sheet.cell(row=row, column=column)
    if isinstance(value, str):
        # Control characters (a bell, a form feed) may be saved but have no place in XML.
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"  # "=…" typed by a user is text, not a formula (core.exports)
    if header:
        cell.font = _HEADER
    if unlocked:
        cell.protection = _UNLOCKED
        cell.fill = _INPUT_FILL
    if fmt:
        cell.number_format = fmt
    return cell


def _formula(sheet, row: int, column: int, formula: str, *, bold=False):
    cell = sheet.cell(row=row, column=column, value=formula)  # ours: a formula on purpose
    cell.number_format = BAHT_FORMAT
    if bold:
        cell.font = _HEADER
    return cell


def _protect(sheet) -> None:
    # No password: the protection keeps labels and formulas from being typed over by mistake.
    sheet.protection.sheet = True
    sheet.protection.formatCells = False
    sheet.protection.formatColumns = False
    sheet.protection.formatRows = False


def _field_label(name: str) -> str:
    return both(Proposal._meta.get_field(name).verbose_name)


def _list_validation(sheet, column: str, count: int, cells: str, name: str) -> None:
    if count == 0:
        return
    validation = DataValidation(
        type="list",
        formula1=f"'{SHEET_LISTS}'!${column}$1:${column}${count}",
        allow_blank=True,
        showErrorMessage=True,
        errorTitle=both(_("Not in the list")),
        error=both(_("Choose a value from the list.")),
        promptTitle=_field_label(name)[:32],
        prompt=both(_("Choose from the list.")),
    )
    validation.add(cells)
    sheet.add_data_validation(validation)


def build_template(
    *, plan_round: PlanRound, agency_id: int, proposal: Proposal | None = None
) -> bytes:
    """The workbook for ``plan_round`` (empty) or of ``proposal`` (filled with what is saved)."""
    references = _reference_choices()
    workbook = Workbook()
    workbook.properties.creator = "budgetscreen"
    workbook.properties.title = both(_("Budget proposal workbook"))
    workbook.properties.keywords = f"budgetscreen template v{TEMPLATE_VERSION}"
    instructions = workbook.active
    instructions.title = SHEET_INSTRUCTIONS
    _write_instructions(instructions, plan_round=plan_round, proposal=proposal)

    lists = workbook.create_sheet(SHEET_LISTS)
    list_columns = _write_lists(lists, references)
    for title, names, _form in FIELD_SHEETS:
        sheet = workbook.create_sheet(title)
        _write_fields(sheet, names, proposal, references, list_columns)
    _write_kpis(workbook.create_sheet(SHEET_KPIS), proposal)
    _write_budget(workbook.create_sheet(SHEET_BUDGET), plan_round, proposal)
    # The lists last but one, the signature last: both hidden.
    workbook.move_sheet(lists, offset=len(workbook.sheetnames) - 1)
    meta = workbook.create_sheet(SHEET_META)
    _write_meta(meta, plan_round=plan_round, agency_id=agency_id, proposal=proposal)
    for sheet in (lists, meta):
        sheet.sheet_state = "hidden"
    for sheet in workbook.worksheets:
        _protect(sheet)
    workbook.security = WorkbookProtection(lockStructure=True)  # no password either
    workbook.active = 0
    return workbook_bytes(workbook)


def _write_instructions(sheet, *, plan_round: PlanRound, proposal: Proposal | None) -> None:
    sheet.column_dimensions["A"].width = 110
    lines = [
        (_("Budget proposal workbook"), True),
        (plan_round.name_th, True),
    ]
    if proposal is not None:
        lines.append((f"{proposal.code} {proposal.title_th}", True))
    steps = [
        _("Fill in the yellow cells of each sheet; the other cells are locked."),
        _("Choose the stage, the benefit, the strategies and the project type from the lists."),
        _(
            "Budget: amounts in baht for each fiscal year of the project's duration; the totals "
            "are calculated."
        ),
        _("KPIs: give the indicator, its unit and its target on each row you use."),
        _(
            "Do not rename, move or delete sheets, rows or columns: the upload reads every "
            "value from its place."
        ),
        _(
            "Upload the workbook on the proposals page; nothing is saved before you have seen "
            "the changes and confirmed them."
        ),
        _("This workbook belongs to your agency and this round only."),
    ]
    row = 1
    for text, bold in lines:
        _put(sheet, row, 1, str(text), header=bold)
        row += 1
    row += 1
    for language in ("th", "en"):
        with override(language):
            for number, step in enumerate(steps, start=1):
                cell = _put(sheet, row, 1, f"{number}. {step}")
                cell.alignment = _WRAP
                row += 1
        row += 1


def _write_lists(sheet, references: dict) -> dict[str, tuple[str, int]]:
    """Each list in its own column; returns {field: (column letter, count)}."""
    columns = {}
    values: dict[str, list[Any]] = {
        **{name: [label for label, _obj in choices] for name, choices in references.items()},
        "project_type": [label for label, _v in _project_type_choices()],
        "duration_years": list(range(1, MAX_DURATION + 1)),
    }
    for index, (name, items) in enumerate(values.items(), start=1):
        letter = get_column_letter(index)
        for row, item in enumerate(items, start=1):
            _put(sheet, row, index, item)
        columns[name] = (letter, len(items))
    return columns


def _write_fields(sheet, names, proposal, references, list_columns) -> None:
    sheet.column_dimensions["A"].hidden = True
    sheet.column_dimensions["B"].width = 40
    sheet.column_dimensions["C"].width = 80
    _put(sheet, 1, 1, "field")
    _put(sheet, 1, 2, both(_("Item")), header=True)
    _put(sheet, 1, 3, both(_("Your answer")), header=True)
    for row, name in enumerate(names, start=FIRST_FIELD_ROW):
        _put(sheet, row, 1, name)
        _put(sheet, row, 2, _field_label(name)).alignment = _WRAP
        value = _display(name, proposal, references)
        # Text cells stay text: a phone number typed there keeps its leading zero.
        fmt = None if name == "duration_years" else "@"
        _put(sheet, row, 3, value, unlocked=True, fmt=fmt).alignment = _WRAP
        if name in list_columns:
            letter, count = list_columns[name]
            _list_validation(sheet, letter, count, f"C{row}", name)
    sheet.freeze_panes = "C2"


def _write_kpis(sheet, proposal: Proposal | None) -> None:
    labels = [_("Indicator"), _("Unit"), _("Target")]
    for column, (name, label, width) in enumerate(
        zip(KPI_COLUMNS, labels, (70, 20, 20), strict=True), start=1
    ):
        _put(sheet, 1, column, name)
        _put(sheet, 2, column, both(label), header=True)
        sheet.column_dimensions[get_column_letter(column)].width = width
    sheet.row_dimensions[1].hidden = True
    kpis = list(proposal.kpis.all()) if proposal else []
    for offset in range(MAX_KPIS):
        row = KPI_FIRST_ROW + offset
        kpi = kpis[offset] if offset < len(kpis) else None
        for column, name in enumerate(KPI_COLUMNS, start=1):
            value = getattr(kpi, name) if kpi else None
            _put(sheet, row, column, value, unlocked=True, fmt="@")
    sheet.freeze_panes = "A3"


def _write_budget(sheet, plan_round: PlanRound, proposal: Proposal | None) -> None:
    lines = (
        {(b.fiscal_year, b.category): b.amount for b in proposal.budget_lines.all()}
        if proposal
        else {}
    )
    _put(sheet, 1, 1, "year")
    _put(sheet, 2, 1, both(_("Fiscal year (BE)")), header=True)
    sheet.column_dimensions["A"].width = 22
    for column, category in enumerate(CATEGORIES, start=2):
        _put(sheet, 1, column, category.value)
        _put(sheet, 2, column, both(category.label), header=True)
        sheet.column_dimensions[get_column_letter(column)].width = 20
    _put(sheet, 1, BUDGET_TOTAL_COLUMN, "total")
    _put(sheet, 2, BUDGET_TOTAL_COLUMN, both(_("Total")), header=True)
    sheet.column_dimensions[get_column_letter(BUDGET_TOTAL_COLUMN)].width = 22
    sheet.row_dimensions[1].hidden = True
    first, last = get_column_letter(2), get_column_letter(1 + len(CATEGORIES))
    for offset in range(MAX_DURATION):
        row = BUDGET_FIRST_ROW + offset
        year = plan_round.fiscal_year + offset
        _put(sheet, row, 1, year, header=True)
        for column, category in enumerate(CATEGORIES, start=2):
            _put(
                sheet, row, column, lines.get((year, category.value)), unlocked=True,
                fmt=BAHT_FORMAT,
            )  # fmt: skip
        _formula(sheet, row, BUDGET_TOTAL_COLUMN, f"=SUM({first}{row}:{last}{row})")
    total_row = BUDGET_TOTAL_ROW
    _put(sheet, total_row, 1, both(_("Total")), header=True)
    top, bottom = BUDGET_FIRST_ROW, BUDGET_TOTAL_ROW - 1
    for column in range(2, BUDGET_TOTAL_COLUMN + 1):
        letter = get_column_letter(column)
        _formula(sheet, total_row, column, f"=SUM({letter}{top}:{letter}{bottom})", bold=True)
    _put(
        sheet, total_row + 2, 1,
        both(_("Amounts in baht. Leave the years beyond the project's duration empty.")),
    )  # fmt: skip
    sheet.freeze_panes = "B3"


def _write_meta(sheet, *, plan_round: PlanRound, agency_id: int, proposal: Proposal | None):
    rows = [
        ("version", TEMPLATE_VERSION),
        ("signature", sign_template(plan_round=plan_round, agency_id=agency_id, proposal=proposal)),
        ("round", plan_round.fiscal_year),
        ("proposal", proposal.code if proposal else ""),
    ]
    for row, (key, value) in enumerate(rows, start=1):
        _put(sheet, row, 1, key)
        _put(sheet, row, 2, value)


# --- reading ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class WorkbookError:
    """One problem: the cell (``งบประมาณ!D7``, or the sheet, or "" for the whole file) and why."""

    cell: str
    message: str

    def __str__(self) -> str:
        return f"{self.cell}: {self.message}" if self.cell else self.message


@dataclass
class ParsedWorkbook:
    """What a workbook holds, parsed as the form parses it, and every problem found."""

    fields: dict[str, Any] = field(default_factory=dict)
    kpis: list[tuple[str, str, str]] = field(default_factory=list)
    budget: dict[tuple[int, str], Decimal] = field(default_factory=dict)
    round_year: int | None = None
    agency_id: int | None = None
    proposal_id: int | None = None
    errors: list[WorkbookError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def error(self, cell: str, message: str | Promise, **params: Any) -> None:
        self.errors.append(WorkbookError(cell, both(message, **params)))

    def to_content(self) -> ProposalContent:
        if self.errors:
            raise ValueError("a workbook with errors has no content")
        return ProposalContent(fields=dict(self.fields), kpis=list(self.kpis), budget=self.budget)


def _ref(sheet: str, row: int, column: int) -> str:
    return f"{sheet}!{get_column_letter(column)}{row}"


class _Refused(Exception):
    def __init__(self, message: str | Promise, **params: Any) -> None:
        super().__init__(both(message, **params))


def _check_archive(data: bytes, name: str) -> None:
    """Refuse from the zip directory, before any XML is parsed: not a workbook, macros,
    external links, too large once uncompressed, a zip bomb, DTDs (XML entity tricks)."""
    if name.lower().endswith((".xlsm", ".xlsb", ".xltm", ".xls")):
        raise _Refused(_("Only .xlsx workbooks are accepted (no macros)."))
    if len(data) > MAX_FILE_BYTES:
        raise _Refused(_("The file is too large for a proposal workbook."))
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError):
        raise _Refused(_("This file is not an Excel workbook (.xlsx).")) from None
    with archive:
        members = archive.infolist()
        names = {m.filename for m in members}
        if "xl/workbook.xml" not in names or "[Content_Types].xml" not in names:
            raise _Refused(_("This file is not an Excel workbook (.xlsx)."))
        if len(members) > MAX_MEMBERS:
            raise _Refused(_("The workbook has too many parts."))
        lowered = [n.lower() for n in names]
        if any(n.endswith("vbaproject.bin") or "/activex/" in n for n in lowered):
            raise _Refused(_("Workbooks with macros are refused; save it as .xlsx."))
        if any(n.startswith("xl/externallinks/") for n in lowered):
            raise _Refused(_("Workbooks with links to other files are refused."))
        if sum(m.file_size for m in members) > MAX_UNCOMPRESSED_BYTES or any(
            m.file_size > 1024 * 1024 and m.file_size > MAX_RATIO * max(m.compress_size, 1)
            for m in members
        ):
            raise _Refused(_("The workbook is too large once uncompressed."))
        _scan_xml(archive, members)


def _scan_xml(archive: zipfile.ZipFile, members: list[zipfile.ZipInfo]) -> None:
    """Read each part that may be XML (whatever its name: a sheet may be stored under any name
    the relationships give), never more than the directory promised, looking for DTDs."""
    budget = MAX_UNCOMPRESSED_BYTES
    for member in members:
        if member.filename.lower().endswith(_BINARY_PARTS):
            continue
        # Read at most what the directory promised (it may lie): never expand further.
        try:
            with archive.open(member) as handle:
                content = handle.read(min(member.file_size, budget) + 1)
        except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError, RuntimeError):
            # RuntimeError: an encrypted member; NotImplementedError: an unknown compression.
            raise _Refused(_("This file is not an Excel workbook (.xlsx).")) from None
        if len(content) > member.file_size or len(content) > budget:
            raise _Refused(_("The workbook is too large once uncompressed."))
        budget -= len(content)
        if b"\x00" in content or content.startswith((b"\xfe\xff", b"\xff\xfe")):
            # UTF-16 or UTF-32 would hide a DTD from the scan below; Office writes UTF-8.
            raise _Refused(_("The workbook contains XML declarations that are refused."))
        if b"<!DOCTYPE" in content.upper() or b"<!ENTITY" in content.upper():
            raise _Refused(_("The workbook contains XML declarations that are refused."))
        if member.filename == "[Content_Types].xml" and b"macroEnabled" in content:
            raise _Refused(_("Workbooks with macros are refused; save it as .xlsx."))
        # The extent is read from the rows and cells themselves, not from the sheet's
        # <dimension>, which may lie or be missing.
        if member.filename.startswith("xl/worksheets/") and _too_large_sheet(content):
            raise _Refused(
                _("The sheet has more than %(rows)s rows or %(columns)s columns."),
                rows=MAX_ROWS,
                columns=MAX_COLUMNS,
            )


# Images and printer settings: binary parts that openpyxl's read-only mode never parses.
_BINARY_PARTS = (".png", ".jpg", ".jpeg", ".gif", ".bmp", ".tif", ".tiff", ".emf", ".wmf", ".bin")
_ROW_TAG = re.compile(rb"<(?:\w+:)?row[\s>/]")
_ROW_NUMBER = re.compile(rb"<(?:\w+:)?row\b[^>]*?\sr=\"(\d+)\"")
_CELL_COLUMN = re.compile(rb"<(?:\w+:)?c\b[^>]*?\sr=\"([A-Za-z]+)\d+\"")


def _too_large_sheet(content: bytes) -> bool:
    """More than ``MAX_ROWS`` rows (counted or numbered) or a cell beyond ``MAX_COLUMNS``."""
    if sum(1 for _match in _ROW_TAG.finditer(content)) > MAX_ROWS:
        return True
    if any(int(m.group(1)) > MAX_ROWS for m in _ROW_NUMBER.finditer(content)):
        return True
    for match in _CELL_COLUMN.finditer(content):
        letters = match.group(1).decode().upper()
        if len(letters) > 3 or column_index_from_string(letters) > MAX_COLUMNS:
            return True
    return False


def read_workbook(
    file: Any, *, plan_round: PlanRound | None = None, agency_id: int | None = None
) -> ParsedWorkbook:
    """Parse an uploaded workbook (a file object or bytes).

    With ``plan_round`` and ``agency_id``, a workbook signed for another round or another agency
    is refused. Nothing is written anywhere; ``errors`` lists every problem with its cell.
    """
    result = ParsedWorkbook()
    data = file if isinstance(file, bytes) else _read_upload(file)
    name = "" if isinstance(file, bytes) else str(getattr(file, "name", "") or "")
    try:
        _check_archive(data, name)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about extensions it drops
            values = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            formulas = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except _Refused as refusal:
        result.errors.append(WorkbookError("", str(refusal)))
        return result
    except Exception:  # noqa: BLE001 (openpyxl raises anything on a broken file)
        result.error("", _("This file is not an Excel workbook (.xlsx)."))
        return result
    try:
        _read_all(result, values, formulas, plan_round=plan_round, agency_id=agency_id)
    finally:
        values.close()
        formulas.close()
    return result


def _read_upload(file: Any) -> bytes:
    if hasattr(file, "seek"):
        file.seek(0)
    data = file.read(MAX_FILE_BYTES + 1)
    return data if isinstance(data, bytes) else bytes(data)


class _Sheet:
    """The cells of one sheet read in read-only mode: cached values and which are formulas."""

    def __init__(self, title: str, values, formulas, rows: int, columns: int):
        self.title = title
        self.values: dict[tuple[int, int], Any] = {}
        self.formulas: set[tuple[int, int]] = set()
        for r, row in enumerate(
            values[title].iter_rows(min_row=1, max_row=rows, max_col=columns, values_only=True),
            start=1,
        ):
            for c, value in enumerate(row, start=1):
                if value is not None:
                    self.values[r, c] = value
        for row in formulas[title].iter_rows(min_row=1, max_row=rows, max_col=columns):
            for cell in row:
                if getattr(cell, "data_type", None) == "f":
                    self.formulas.add((cell.row, cell.column))

    def ref(self, row: int, column: int) -> str:
        return _ref(self.title, row, column)


def _read_all(result: ParsedWorkbook, values, formulas, *, plan_round, agency_id) -> None:
    expected = [SHEET_GENERAL, SHEET_ALIGNMENT, SHEET_CONTENT, SHEET_KPIS, SHEET_BUDGET]
    missing = [t for t in [*expected, SHEET_META] if t not in values.sheetnames]
    for title in missing:
        result.error(title, _("The sheet “%(sheet)s” is missing."), sheet=title)
    if missing:
        return
    for title in values.sheetnames:
        sheet = values[title]
        if (sheet.max_row or 0) > MAX_ROWS or (sheet.max_column or 0) > MAX_COLUMNS:
            result.error(
                title,
                _("The sheet has more than %(rows)s rows or %(columns)s columns."),
                rows=MAX_ROWS,
                columns=MAX_COLUMNS,
            )
    if result.errors:
        return
    round_year = _read_meta(result, _Sheet(SHEET_META, values, formulas, 4, 2), plan_round)
    if round_year is None:
        return
    if agency_id is not None and result.agency_id != agency_id:
        result.error(
            _ref(SHEET_META, 2, 2), _("This workbook was made for another agency's proposal.")
        )
        return
    references = _reference_choices()
    for title, names, form_class in FIELD_SHEETS:
        sheet = _Sheet(title, values, formulas, FIRST_FIELD_ROW + len(names), 3)
        _read_fields(result, sheet, names, form_class, references)
    _read_kpis(result, _Sheet(SHEET_KPIS, values, formulas, KPI_FIRST_ROW + MAX_KPIS, 3))
    budget_sheet = _Sheet(SHEET_BUDGET, values, formulas, BUDGET_TOTAL_ROW, BUDGET_TOTAL_COLUMN)
    _read_budget(result, budget_sheet, round_year)


def _read_meta(result: ParsedWorkbook, sheet: _Sheet, plan_round) -> int | None:
    version = sheet.values.get((1, 2))
    if sheet.values.get((1, 1)) != "version" or str(version) != TEMPLATE_VERSION:
        result.error(
            sheet.ref(1, 2),
            _("This is not a workbook of this version of the system: download a new one."),
        )
        return None
    try:
        signed = signing.loads(str(sheet.values.get((2, 2), "")), salt=_SIGNING_SALT)
    except signing.BadSignature:
        result.error(
            sheet.ref(2, 2),
            _("The workbook's signature is not valid: download a new workbook from the system."),
        )
        return None
    result.round_year = int(signed["round"])
    result.agency_id = signed.get("agency")
    result.proposal_id = signed.get("proposal")
    if plan_round is not None and result.round_year != plan_round.fiscal_year:
        result.error(
            sheet.ref(2, 2),
            _("This workbook is for FY%(theirs)s, not for FY%(ours)s."),
            theirs=result.round_year,
            ours=plan_round.fiscal_year,
        )
        return None
    return result.round_year


def _cell_value(result: ParsedWorkbook, sheet: _Sheet, row: int, column: int) -> tuple[bool, Any]:
    """(usable, value): a formula with no cached result is refused with its cell."""
    value = sheet.values.get((row, column))
    if (row, column) in sheet.formulas and value is None:
        result.error(
            sheet.ref(row, column),
            _("The formula has no calculated value: open the file in Excel, save it, try again."),
        )
        return False, None
    return True, value


_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return format(value, ".15g")
    if hasattr(value, "isoformat"):
        return value.isoformat()
    # Line breaks as a browser sends a textarea (CRLF), so that what the web form saved and
    # what the workbook gives back compare equal; a spreadsheet keeps LF only.
    return _LINE_BREAK.sub("\r\n", str(value))


def _check_header(result: ParsedWorkbook, sheet: _Sheet, cells: dict[tuple[int, int], str]):
    """The hidden names the layout puts in place; anything else means a moved or merged header."""
    ok = True
    for (row, column), name in cells.items():
        if sheet.values.get((row, column)) != name:
            result.error(
                sheet.ref(row, column),
                _("The layout of the sheet has changed (“%(name)s” expected here): rows or "
                  "columns were moved, merged or deleted."),
                name=name,
            )  # fmt: skip
            ok = False
    return ok


def _choice_data(name: str, text: str, references: dict) -> tuple[bool, Any]:
    """The form's value for a list field, matched from the label, the code or the number."""
    if text == "":
        return True, ""
    if name == "project_type":
        for label, value in _project_type_choices():
            if text in (label, value) or text == _english(value):
                return True, value
        return False, None
    for label, obj in references[name]:
        keys = {label, getattr(obj, "name_th", ""), getattr(obj, "name_en", "") or label}
        if hasattr(obj, "code"):
            keys.add(obj.code)
        if hasattr(obj, "number"):
            keys.add(str(obj.number))
        if text in keys:
            return True, obj.pk
    return False, None


def _english(value: str) -> str:
    with override("en"):
        return str(ProjectType(value).label)


def _read_fields(
    result: ParsedWorkbook, sheet: _Sheet, names: list[str], form_class, references: dict
) -> None:
    rows = {name: FIRST_FIELD_ROW + i for i, name in enumerate(names)}
    if not _check_header(result, sheet, {(row, 1): name for name, row in rows.items()}):
        return
    data: dict[str, Any] = {}
    for name, row in rows.items():
        usable, value = _cell_value(result, sheet, row, 3)
        if not usable:
            return
        text = _as_text(value).strip()
        if name in references or name == "project_type":
            matched, text = _choice_data(name, text, references)
            if not matched:
                result.error(sheet.ref(row, 3), _("Choose a value from the list."))
                return
        data[name] = text
    cleaned, errors = _validate(lambda: form_class(data=data, instance=Proposal()))
    for name, message in errors.items():
        cell = sheet.ref(rows[name], 3) if name in rows else sheet.title
        result.errors.append(WorkbookError(cell, message))
    if cleaned is not None:
        result.fields.update({name: cleaned[name] for name in names})


def _validate(make_form) -> tuple[dict[str, Any] | None, dict[str, str]]:
    """Validate a form in Thai and in English: (cleaned data or None, {field: "ไทย / English"})."""
    cleaned = None
    errors: dict[str, list[str]] = {}
    for language in ("th", "en"):
        with override(language):
            form = make_form()
            if form.is_valid():
                cleaned = form.cleaned_data
            for name, messages in form.errors.items():
                known = errors.setdefault(name, [])
                known.extend(m for m in messages if m not in known)
    return cleaned, {name: " / ".join(messages) for name, messages in errors.items()}


def _read_kpis(result: ParsedWorkbook, sheet: _Sheet) -> None:
    if not _check_header(result, sheet, {(1, c): n for c, n in enumerate(KPI_COLUMNS, start=1)}):
        return
    for row in range(KPI_FIRST_ROW, KPI_FIRST_ROW + MAX_KPIS):
        texts = []
        for column in range(1, len(KPI_COLUMNS) + 1):
            usable, value = _cell_value(result, sheet, row, column)
            texts.append(_as_text(value).strip() if usable else "")
        if not any(texts):
            continue
        data = dict(zip(KPI_COLUMNS, texts, strict=True))
        cleaned, errors = _validate(lambda data=data: KPIForm(data=data))
        if cleaned is not None:
            result.kpis.append((cleaned["indicator"], cleaned["unit"], cleaned["target"]))
            continue
        for name, message in errors.items():
            # A row half filled in: the first empty cell of the row is the one to fill.
            column = (
                KPI_COLUMNS.index(name) + 1
                if name in KPI_COLUMNS
                else next((i for i, t in enumerate(texts, start=1) if not t), 1)
            )
            result.errors.append(WorkbookError(sheet.ref(row, column), message))


def _amount(value: Any) -> Decimal | None:
    """A budget cell as a Decimal; ``ValidationError`` for text, negatives, too many decimals."""
    if value is None:
        return None
    if isinstance(value, bool) or hasattr(value, "isoformat"):
        raise ValidationError(_("Enter an amount in baht, for example 1,234,567.50."))
    if isinstance(value, float):
        # Excel keeps 15 significant digits: 0.1 + 0.2 is 0.3 to it, and to us.
        value = format(value, ".15g")
    return BudgetForm.read_amount(str(value))


def _amount_error(value: Any) -> str:
    """Why ``value`` is refused, in Thai and in English."""
    texts = []
    for language in ("th", "en"):
        with override(language):
            try:
                _amount(value)
            except ValidationError as error:
                if error.messages[0] not in texts:
                    texts.append(error.messages[0])
    return " / ".join(texts)


def _read_budget(result: ParsedWorkbook, sheet: _Sheet, round_year: int) -> None:
    header = {(1, 1): "year", (1, BUDGET_TOTAL_COLUMN): "total"}
    header.update({(1, c): cat.value for c, cat in enumerate(CATEGORIES, start=2)})
    if not _check_header(result, sheet, header):
        return
    duration = result.fields.get("duration_years") or 1
    for offset in range(MAX_DURATION):
        row = BUDGET_FIRST_ROW + offset
        year = round_year + offset
        if _as_text(sheet.values.get((row, 1))).strip() != str(year):
            result.error(sheet.ref(row, 1), _("FY%(year)s was expected in this cell."), year=year)
            return
        for column, category in enumerate(CATEGORIES, start=2):
            usable, value = _cell_value(result, sheet, row, column)
            if not usable:
                continue
            try:
                amount = _amount(value)
            except ValidationError:
                result.errors.append(WorkbookError(sheet.ref(row, column), _amount_error(value)))
                continue
            if amount is None:
                continue
            if offset >= duration:
                result.error(
                    sheet.ref(row, column),
                    _("FY%(year)s is outside the project's duration (FY%(first)s–FY%(last)s)."),
                    year=year,
                    first=round_year,
                    last=round_year + duration - 1,
                )
                continue
            result.budget[(year, category.value)] = amount


# --- importing: what the upload would change, and applying it once confirmed -----------------

_IMPORT_SALT = "proposals.workbook-import"
IMPORT_MAX_AGE = 60 * 60  # seconds between the preview and the confirmation
_REFERENCE_MODELS: dict[str, type[Model]] = {
    "stage": Stage,
    "benefit": Benefit,
    "dg_strategy": DGStrategy,
    "national_strategy": NationalStrategy,
}


@dataclass
class ImportPreview:
    """An uploaded workbook checked against the user: its errors, or the changes it would make
    and a signed token that carries them to the confirmation."""

    errors: list[WorkbookError] = field(default_factory=list)
    proposal: Proposal | None = None
    plan_round: PlanRound | None = None
    changes: list[dict[str, Any]] = field(default_factory=list)
    token: str = ""


def _empty_snapshot() -> dict[str, Any]:
    return {"fields": {}, "kpis": [], "budget": {}, "attachments": []}


def content_snapshot(content: ProposalContent, *, attachments: list | None = None) -> dict:
    """``content`` in the shape of ``selectors.proposal_snapshot``, to compare with it."""
    fields = {}
    for name, value in content.fields.items():
        if name in _REFERENCE_MODELS:
            value = getattr(value, "name_th", "") if value is not None else ""
        elif name == "project_type":
            value = str(ProjectType(value).label) if value else ""
        fields[name] = "" if value is None else str(value)
    return {
        "fields": fields,
        "kpis": [list(kpi) for kpi in content.kpis],
        "budget": {f"{y}:{c}": str(a) for (y, c), a in content.budget.items()},
        "attachments": list(attachments or []),
    }


def preview_import(file: Any, *, actor: Any) -> ImportPreview:
    """Read the upload for ``actor``: a workbook of their agency, for the open round (a new
    draft) or for one of the agency's proposals that may still be edited."""
    preview = ImportPreview()
    parsed = read_workbook(file, agency_id=actor.agency_id)
    preview.errors = parsed.errors
    if parsed.errors:
        return preview
    signature = _ref(SHEET_META, 2, 2)
    if parsed.proposal_id is not None:
        proposal = (
            Proposal.objects.select_related("round")
            .filter(pk=parsed.proposal_id, agency_id=actor.agency_id)
            .first()
        )
        if proposal is None:
            parsed.error(signature, _("The proposal of this workbook no longer exists."))
        elif not proposal.is_editable:
            parsed.error(
                signature,
                _("This proposal is “%(status)s” and can no longer be edited."),
                status=proposal.get_status_display(),
            )
        else:
            preview.proposal, preview.plan_round = proposal, proposal.round
    else:
        plan_round = get_open_round()
        if plan_round is None:
            parsed.error("", _("No round is open for submissions at the moment."))
        elif plan_round.fiscal_year != parsed.round_year:
            parsed.error(
                signature,
                _("This workbook is for FY%(theirs)s, not for FY%(ours)s."),
                theirs=parsed.round_year,
                ours=plan_round.fiscal_year,
            )
        else:
            preview.plan_round = plan_round
    if parsed.errors:
        return preview
    content = parsed.to_content()
    before = proposal_snapshot(preview.proposal) if preview.proposal else _empty_snapshot()
    after = content_snapshot(content, attachments=before["attachments"])
    preview.changes = diff_snapshots(before, after)
    preview.token = _sign_import(content, actor=actor, preview=preview, before=before)
    return preview


def _sign_import(content: ProposalContent, *, actor: Any, preview: ImportPreview, before) -> str:
    fields = {
        name: (value.pk if isinstance(value, Model) else value)
        for name, value in content.fields.items()
    }
    plan_round = preview.plan_round
    if plan_round is None:
        raise ValueError("a preview without a round has nothing to sign")
    return signing.dumps(
        {
            "user": actor.pk,
            "round": plan_round.pk,
            "proposal": preview.proposal.pk if preview.proposal else None,
            "lock_version": preview.proposal.lock_version if preview.proposal else None,
            "base": before if preview.proposal else None,
            "fields": fields,
            "kpis": content.kpis,
            "budget": [[y, c, str(a)] for (y, c), a in sorted(content.budget.items())],
            "nonce": secrets.token_hex(8),
        },
        salt=_IMPORT_SALT,
        compress=True,
    )


@dataclass
class ConfirmedImport:
    """A token read back: what to write, where, and the nonce that makes it single-use."""

    content: ProposalContent
    plan_round: PlanRound
    proposal_id: int | None
    lock_version: int | None
    base: dict[str, Any] | None
    nonce: str


class ImportTokenError(Exception):
    pass


def read_import_token(token: str, *, actor: Any) -> ConfirmedImport:
    """The confirmed upload, for the user it was shown to, within ``IMPORT_MAX_AGE``."""
    try:
        data = signing.loads(token or "", salt=_IMPORT_SALT, max_age=IMPORT_MAX_AGE)
    except signing.BadSignature:
        raise ImportTokenError(
            both(_("The upload has expired or is not valid: upload the workbook again."))
        ) from None
    if data.get("user") != actor.pk:
        raise ImportTokenError(
            both(_("The upload has expired or is not valid: upload the workbook again."))
        )
    fields = dict(data["fields"])
    for name, model in _REFERENCE_MODELS.items():
        if fields.get(name) is not None:
            fields[name] = model._default_manager.filter(pk=fields[name]).first()
    plan_round = PlanRound.objects.filter(pk=data["round"]).first()
    if plan_round is None:
        raise ImportTokenError(
            both(_("The upload has expired or is not valid: upload the workbook again."))
        )
    content = ProposalContent(
        fields=fields,
        kpis=[tuple(kpi) for kpi in data["kpis"]],
        budget={(int(y), str(c)): Decimal(a) for y, c, a in data["budget"]},
    )
    return ConfirmedImport(
        content=content,
        plan_round=plan_round,
        proposal_id=data["proposal"],
        lock_version=data["lock_version"],
        base=data["base"],
        nonce=str(data["nonce"]),
    )
