"""DGA's bulk import of a past round: the screening inbox's ``export.xlsx``/``export.csv`` and
the plan's ``plan.xlsx`` read back, many proposals at once (``manage.py import_round``).

Each file is checked as the agency's workbook is (``proposals.workbook``: size, zip bomb,
macros, external links, DTDs) and read in read-only mode. A sheet is read when its first row is
one of the exporters' headers (in Thai or in English): the inbox's "Proposals" sheet gives each
proposal's status, requested and recommended amounts; the plan's "Approved projects" sheet gives
the approved amount. Several files merge by reference, so that the inbox's export (every
proposal sent to DGA) and the plan (the approved amounts) together give the round's figures.

Every row is validated before anything is written; errors name the file, sheet, row and column.
Agencies are matched by code or by exact name, never created. Proposals already in the round
(same reference) are left as they are, so that importing a file twice creates nothing the
second time. The writes are one transaction, with one audit event per proposal.
"""

import csv
import datetime
import hashlib
import io
import re
import secrets
import warnings
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core import signing
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_lazy as _exported
from django.utils.translation import override
from openpyxl import load_workbook  # type: ignore[import-untyped]
from openpyxl.utils import get_column_letter  # type: ignore[import-untyped]

from core.audit import record_events
from core.exports import FORMULA_PREFIXES
from directory.models import Agency, User

from .fingerprints import store_new_fingerprints
from .models import (
    PROPOSAL_CODE_PATTERN,
    Benefit,
    BudgetLine,
    ExpenseCategory,
    PlanRound,
    Proposal,
    Stage,
    StatusChange,
)
from .signals import round_imported
from .workbook import (
    MAX_FILE_BYTES,
    MAX_ROWS,
    _amount,
    _amount_error,
    _check_archive,
    _Refused,
    both,
)
from .workflow import APPROVED_STATES, Status

# Column → the headers the exporters write for it (screening.exports and plans.exports.xlsx).
# ``_exported`` is gettext_lazy under a name makemessages does not extract: these are the
# exporters' own messages, translated at run time as the exporters translate them (the
# catalogues are merged), so that this module never adds a rival translation of them.
COLUMNS: dict[str, list[Promise]] = {
    "code": [_exported("Reference")],
    "round": [_exported("Round (fiscal year)")],
    "agency": [_exported("Agency")],
    "title": [_exported("Title"), _exported("Project")],
    "stage": [_exported("Value-chain stage")],
    "benefit": [_exported("Expected benefit")],
    "status": [_exported("Status")],
    "requested": [_exported("Requested (baht)")],
    "recommended": [_exported("Recommended (baht)")],
    "approved": [_exported("Approved (baht)")],
}
REQUIRED = ("code", "agency", "title", "requested")
# plans.exports.xlsx's columns of the plan year's approved amount by expense category.
CATEGORY_HEADER = _exported("%(category)s %(year)s (baht)")
CATEGORY_PREFIX = "category:"
TOTAL_LABELS: list[Promise] = [_exported("Total")]
_CODE = re.compile(PROPOSAL_CODE_PATTERN)


def _texts(messages: list[Promise]) -> set[str]:
    texts: set[str] = set()
    for language in ("th", "en"):
        with override(language):
            texts.update(str(m).strip() for m in messages)
    return texts


@dataclass
class RoundRow:
    """One proposal read from the files; ``cells`` names where each value came from."""

    code: str
    values: dict[str, Any] = field(default_factory=dict)
    cells: dict[str, str] = field(default_factory=dict)


@dataclass
class RoundImport:
    """What an import holds or did: rows, problems and, once run, what was created."""

    fiscal_year: int
    rows: dict[str, RoundRow] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    unmatched_agencies: list[str] = field(default_factory=list)
    created: list[str] = field(default_factory=list)
    existing: list[str] = field(default_factory=list)
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    def error(self, where: str, message: str | Promise, **params: Any) -> None:
        text = both(message, **params)
        self.errors.append(f"{where}: {text}" if where else text)


# --- reading ---------------------------------------------------------------------------


def read_round_files(files: list[tuple[str, bytes]], *, fiscal_year: int) -> RoundImport:
    """Parse ``(name, content)`` pairs into one ``RoundImport``; nothing is written."""
    result = RoundImport(fiscal_year=fiscal_year)
    for name, data in files:
        for sheet_name, rows in _file_sheets(result, name, data):
            _read_sheet(result, f"{name}!{sheet_name}" if sheet_name else name, rows)
    if not result.rows and not result.errors:
        result.error("", _("No proposal was found in the file(s)."))
    return result


def _file_sheets(result: RoundImport, name: str, data: bytes) -> list[tuple[str, list[tuple]]]:
    if len(data) > MAX_FILE_BYTES:
        result.error(name, _("The file is too large for a proposal workbook."))
        return []
    if name.lower().endswith(".csv"):
        return _csv_sheets(result, name, data)
    try:
        _check_archive(data, name)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about extensions it drops
            workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except _Refused as refusal:
        result.errors.append(f"{name}: {refusal}")
        return []
    except Exception:  # noqa: BLE001 (openpyxl raises anything on a broken file)
        result.error(name, _("This file is not an Excel workbook (.xlsx)."))
        return []
    try:
        return [
            (title, list(workbook[title].iter_rows(max_row=MAX_ROWS, values_only=True)))
            for title in workbook.sheetnames
        ]
    finally:
        workbook.close()


def _csv_sheets(result: RoundImport, name: str, data: bytes) -> list[tuple[str, list[tuple]]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        result.error(name, _("The CSV file is not UTF-8 text."))
        return []
    try:
        rows = [tuple(row) for row in csv.reader(io.StringIO(text, newline=""))]
    except csv.Error:
        result.error(name, _("The CSV file cannot be read."))
        return []
    if len(rows) > MAX_ROWS:
        result.error(name, _("The file has more than %(rows)s rows."), rows=MAX_ROWS)
        return []
    # csv_safe wrote a quote before text that looks like a formula: take it away again.
    unquoted = [
        tuple(v[1:] if v.startswith("'") and v[1:].startswith(FORMULA_PREFIXES) else v for v in r)
        for r in rows
    ]
    return [("", unquoted)]


def _category_headers(fiscal_year: int) -> dict[str, set[str]]:
    """``category:<code>`` → the plan.xlsx headers of that category in ``fiscal_year``."""
    headers: dict[str, set[str]] = {}
    for language in ("th", "en"):
        with override(language):
            for category in ExpenseCategory:
                text = str(CATEGORY_HEADER) % {"category": category.label, "year": fiscal_year}
                headers.setdefault(CATEGORY_PREFIX + category.value, set()).add(text.strip())
    return headers


def _header_columns(row: tuple, fiscal_year: int) -> dict[str, int]:
    """Column name → index, when ``row`` is one of the exporters' headers (else empty)."""
    known = {name: _texts(messages) for name, messages in COLUMNS.items()}
    known.update(_category_headers(fiscal_year))
    found: dict[str, int] = {}
    for index, value in enumerate(row):
        text = str(value).strip() if value is not None else ""
        for name, texts in known.items():
            if name not in found and text in texts:
                found[name] = index
    return found if all(name in found for name in REQUIRED) else {}


def _read_sheet(result: RoundImport, source: str, rows: list[tuple]) -> None:
    """The sheet's proposals when its first row is a known header; other sheets are skipped."""
    if not rows:
        return
    columns = _header_columns(rows[0], result.fiscal_year)
    if not columns:
        return
    totals = _texts(TOTAL_LABELS)
    seen: set[str] = set()
    for number, row in enumerate(rows[1:], start=2):
        cells = {n: (row[i] if i < len(row) else None) for n, i in columns.items()}
        code = str(cells["code"] or "").strip()
        if code in totals or all(v in (None, "") for v in cells.values()):
            continue
        ref = {n: f"{source}!{get_column_letter(i + 1)}{number}" for n, i in columns.items()}
        if not _CODE.match(code):
            result.error(ref["code"], _("This is not a proposal reference (like 2568-0001)."))
            continue
        if code in seen:
            result.error(ref["code"], _("The reference %(code)s appears twice."), code=code)
            continue
        seen.add(code)
        _merge(result, code, cells, ref)


def _merge(result: RoundImport, code: str, cells: dict[str, Any], ref: dict[str, str]) -> None:
    """Add one row's values to the proposal ``code`` (several files may describe it)."""
    row = result.rows.setdefault(code, RoundRow(code=code))
    for name, value in cells.items():
        if value in (None, ""):
            continue
        if (
            name in row.values
            and name in ("requested", "agency")
            and _differ(row.values[name], value)
        ):
            result.error(
                ref[name],
                _("This differs from %(cell)s for the same proposal."),
                cell=row.cells[name],
            )
            continue
        row.values.setdefault(name, value)
        row.cells.setdefault(name, ref[name])


def _differ(first: Any, second: Any) -> bool:
    try:
        return _amount(first) != _amount(second)
    except ValidationError:
        return str(first).strip() != str(second).strip()


# --- validating ------------------------------------------------------------------------


@dataclass
class _Lookups:
    agencies: dict[str, Agency]
    stages: dict[str, Stage]
    benefits: dict[str, Benefit]
    statuses: dict[str, str]


def _by_names(objects: list, *keys: str) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for obj in objects:
        for key in keys:
            value = getattr(obj, key, "")
            if value:
                found.setdefault(str(value).strip(), obj)
    return found


def _lookups() -> _Lookups:
    statuses: dict[str, str] = {}
    for language in ("th", "en"):
        with override(language):
            statuses.update({str(label): value for value, label in Status.choices})
    statuses.update({value: value for value in Status.values})
    return _Lookups(
        agencies=_by_names(list(Agency.objects.all()), "code", "name_th", "name_en"),
        stages=_by_names(list(Stage.objects.all()), "code", "name_th", "name_en"),
        benefits=_by_names(list(Benefit.objects.all()), "code", "name_th", "name_en"),
        statuses=statuses,
    )


def validate_round_import(result: RoundImport, plan_round: PlanRound) -> None:
    """Check every row and turn its values into model values; errors name the cell."""
    lookups = _lookups()
    prefix = f"{plan_round.fiscal_year}-"
    existing = dict(
        Proposal.objects.filter(code__in=list(result.rows)).values_list("code", "round_id")
    )
    for code, row in result.rows.items():
        if not code.startswith(prefix):
            result.error(
                row.cells["code"], _("The reference %(code)s is not of fiscal year %(year)s."),
                code=code, year=plan_round.fiscal_year,
            )  # fmt: skip
            continue
        if code in existing:
            if existing[code] != plan_round.pk:
                result.error(row.cells["code"], _("The reference %(code)s is used."), code=code)
            else:
                result.existing.append(code)
            continue
        _validate_row(result, row, plan_round, lookups)


def _validate_row(
    result: RoundImport, row: RoundRow, plan_round: PlanRound, lookups: _Lookups
) -> None:
    values, cells = row.values, row.cells
    for name in REQUIRED:
        if name not in values:
            result.error(cells.get("code", ""), _("The column %(column)s is empty."), column=name)
            return
    year = values.get("round")
    if year not in (None, "") and str(year).strip() != str(plan_round.fiscal_year):
        result.error(
            cells["round"], _("This row is of fiscal year %(found)s, not %(year)s."),
            found=year, year=plan_round.fiscal_year,
        )  # fmt: skip
    agency_text = str(values["agency"]).strip()
    values["agency"] = lookups.agencies.get(agency_text)
    if values["agency"] is None:
        if agency_text not in result.unmatched_agencies:
            result.unmatched_agencies.append(agency_text)
        result.error(
            cells["agency"], _("No agency has the code or name %(name)s."), name=agency_text
        )
    title = str(values["title"]).strip()
    if len(title) > 500:
        result.error(cells["title"], _("The title is longer than 500 characters."))
    values["title"] = title
    _validate_choices(result, row, lookups)
    _validate_amounts(result, row)


def _validate_choices(result: RoundImport, row: RoundRow, lookups: _Lookups) -> None:
    values, cells = row.values, row.cells
    for name, known in (("stage", lookups.stages), ("benefit", lookups.benefits)):
        text = str(values.get(name) or "").strip()
        values[name] = known.get(text) if text else None
        if text and values[name] is None:
            result.error(cells[name], _("%(value)s is not in the list."), value=text)
    status_text = str(values.get("status") or "").strip()
    if status_text:
        status = lookups.statuses.get(status_text)
        if status is None or status == Status.DRAFT:
            result.error(cells["status"], _("%(value)s is not a status."), value=status_text)
        values["status"] = status
    elif "approved" in values:
        values["status"] = Status.APPROVED  # only in the plan: an approved project
    else:
        values["status"] = Status.SUBMITTED


def _validate_amounts(result: RoundImport, row: RoundRow) -> None:
    values, cells = row.values, row.cells
    for name in ("requested", "recommended", "approved"):
        try:
            values[name] = _amount(values.get(name))
        except ValidationError:
            result.errors.append(f"{cells[name]}: {_amount_error(values.get(name))}")
            values[name] = None
    requested = values["requested"]
    if requested is None:
        return
    for name in ("recommended", "approved"):
        if values[name] is not None and values[name] > requested:
            result.error(cells[name], _("The amount is more than the requested amount."))
    if values["status"] in APPROVED_STATES and values["approved"] is None:
        # The inbox's export has no approved amount: the screener's recommendation stands.
        values["approved"] = (
            values["recommended"] if values["recommended"] is not None else requested
        )
    approved = values["approved"]
    if values["status"] == Status.APPROVED and "status" not in cells and approved is not None:
        # Only in the plan: an approved amount below the request is a reduced approval.
        values["status"] = Status.APPROVED if approved == requested else Status.APPROVED_REDUCED
    if values["status"] not in APPROVED_STATES:
        values["approved"] = None
    _validate_categories(result, row)


def _validate_categories(result: RoundImport, row: RoundRow) -> None:
    """plan.xlsx's approved amounts of the plan year by expense category become the budget
    lines (``values["lines"]``: category → amount; zeros left out); together at most the
    approved amount (which counts every year of the project)."""
    values, cells = row.values, row.cells
    lines: dict[str, Decimal] = {}
    for name in [n for n in values if n.startswith(CATEGORY_PREFIX)]:
        raw = values.pop(name)
        try:
            amount = _amount(raw)
        except ValidationError:
            result.errors.append(f"{cells[name]}: {_amount_error(raw)}")
            continue
        if amount:
            lines[name.removeprefix(CATEGORY_PREFIX)] = amount
    approved = values.get("approved")
    if lines and (approved is None or sum(lines.values()) > approved):
        first = next(n for n in cells if n.startswith(CATEGORY_PREFIX))
        result.error(cells[first], _("The expense categories add up to more than approved."))
    values["lines"] = lines


# --- writing ---------------------------------------------------------------------------


def import_round(
    files: list[tuple[str, bytes]], *, fiscal_year: int, actor: User | None = None,
    dry_run: bool = False,
) -> RoundImport:  # fmt: skip
    """Import a round's proposals from the inbox's and the plan's exports.

    Preconditions: the round ``fiscal_year`` exists. Effects (unless ``dry_run`` or any error):
    one proposal per new reference with its status, amounts, agency, stage and benefit, a
    timeline row and the audit event ``proposal.imported`` each, in one transaction.
    References already in the round are skipped. Returns the report (errors included).
    """
    result = read_round_files(files, fiscal_year=fiscal_year)
    result.dry_run = dry_run
    if not PlanRound.objects.filter(fiscal_year=fiscal_year).exists():
        result.error("", _("There is no round for fiscal year %(year)s."), year=fiscal_year)
        return result
    if result.errors:
        return result
    with transaction.atomic():
        # Locking the round serialises imports (and reference numbers) within it: what is
        # already there is read under the lock, so that two runs never create one twice.
        plan_round = PlanRound.objects.select_for_update().get(fiscal_year=fiscal_year)
        validate_round_import(result, plan_round)
        new = [code for code in result.rows if code not in result.existing]
        if result.errors or dry_run:
            result.created = [] if result.errors else new
            return result
        _create_all(
            [result.rows[code] for code in new], plan_round=plan_round, actor=actor, sources=files
        )
        round_imported.send(sender=PlanRound, plan_round=plan_round)
        result.created = new
    return result


def _create_all(
    rows: list[RoundRow],
    *,
    plan_round: PlanRound,
    actor: User | None,
    sources: list[tuple[str, bytes]],
) -> None:
    """The proposals, their budget lines and timeline rows in three statements, then one
    audit event each, written to the chain in a batch."""
    now = timezone.now()
    proposals = Proposal.objects.bulk_create([
        Proposal(
            round=plan_round, agency=row.values["agency"], code=row.code,
            status=row.values["status"], title_th=row.values["title"],
            stage=row.values["stage"], benefit=row.values["benefit"],
            requested_amount=row.values["requested"],
            recommended_amount=row.values["recommended"],
            approved_amount=row.values["approved"],
            created_by=actor, created_at=now, updated_at=now,
            submitted_at=plan_round.submission_closes_at,
        )
        for row in rows
    ])  # fmt: skip
    store_new_fingerprints(proposals)  # the duplicate search's view of them
    # The plan gives only the approved amount of each category: it stands for the request
    # of that line too (a reduced project's request by category is not in the files).
    BudgetLine.objects.bulk_create([
        BudgetLine(proposal=p, fiscal_year=plan_round.fiscal_year, category=category,
                   amount=amount, approved_amount=amount)
        for row, p in zip(rows, proposals, strict=True)
        for category, amount in sorted(row.values.get("lines", {}).items())
    ])  # fmt: skip
    reason = both(_("Imported from a spreadsheet of the round."))
    StatusChange.objects.bulk_create([
        StatusChange(proposal=p, from_status="", to_status=p.status, actor=actor, reason=reason,
                     created_at=now)
        for p in proposals
    ])  # fmt: skip
    names = [name for name, _data in sources]
    record_events(
        (
            "proposal.imported",
            actor,
            proposal,
            {
                "code": proposal.code,
                "round": plan_round.fiscal_year,
                "status": proposal.status,
                "requested": proposal.requested_amount,
                "approved": proposal.approved_amount,
                "files": names,
                "cells": row.cells,
                "lines": {c: str(a) for c, a in sorted(row.values.get("lines", {}).items())},
            },
        )
        for row, proposal in zip(rows, proposals, strict=True)
    )


# --- preview and confirmation (the screening pages) ------------------------------------

_STASH_SALT = "proposals.round-import"
STASH_MAX_AGE = 60 * 60  # seconds between the preview and the confirmation
_STASH_DIR = "round-imports"
STALE_AFTER = datetime.timedelta(days=1)  # a preview never confirmed nor cancelled


class RoundImportTokenError(Exception):
    pass


def preview_round_import(
    files: list[tuple[str, bytes]], *, fiscal_year: int, actor: User
) -> tuple[RoundImport, str]:
    """A dry run of ``import_round`` and, when it would create something, a signed token for
    ``confirm_round_import``. The files are kept (private storage, random names) until then."""
    purge_stale_previews()
    result = import_round(files, fiscal_year=fiscal_year, actor=actor, dry_run=True)
    if not result.ok or not result.created:
        return result, ""
    kept = []
    for name, data in files:
        key = default_storage.save(f"{_STASH_DIR}/{secrets.token_hex(16)}", ContentFile(data))
        kept.append([name, key, hashlib.sha256(data).hexdigest()])
    token = signing.dumps(
        {"files": kept, "round": fiscal_year, "actor": actor.pk}, salt=_STASH_SALT, compress=True
    )
    return result, token


def _read_stash_token(token: str, *, actor: User, max_age: int | None = STASH_MAX_AGE) -> dict:
    try:
        data = signing.loads(token, salt=_STASH_SALT, max_age=max_age)
    except signing.SignatureExpired:
        raise RoundImportTokenError(both(_("The preview has expired; upload again."))) from None
    except signing.BadSignature:
        raise RoundImportTokenError(both(_("This confirmation is not valid."))) from None
    if data.get("actor") != actor.pk:
        raise RoundImportTokenError(both(_("This confirmation is not valid.")))
    return data


def _delete_stash(data: dict) -> int:
    deleted = 0
    for _name, key, _digest in data["files"]:
        if str(key).startswith(f"{_STASH_DIR}/") and default_storage.exists(key):
            default_storage.delete(key)
            deleted += 1
    return deleted


def discard_round_import(token: str, *, actor: User) -> int:
    """The administrator cancelled a preview: delete the files it kept (an expired preview's
    too; the signature still says whose they are). Returns how many were deleted. Raises
    ``RoundImportTokenError`` for a token that is forged or another user's."""
    return _delete_stash(_read_stash_token(token, actor=actor, max_age=None))


def purge_stale_previews(*, now: datetime.datetime | None = None) -> int:
    """Delete the files of previews older than ``STALE_AFTER`` (never confirmed nor
    cancelled); run at every preview and by ``manage.py purge_import_previews``. Returns how
    many were deleted."""
    now = now or timezone.now()
    try:
        _dirs, names = default_storage.listdir(_STASH_DIR)
    except FileNotFoundError:
        return 0
    deleted = 0
    for name in names:
        key = f"{_STASH_DIR}/{name}"
        if now - default_storage.get_modified_time(key) > STALE_AFTER:
            default_storage.delete(key)
            deleted += 1
    return deleted


def confirm_round_import(token: str, *, actor: User) -> RoundImport:
    """Import the files a preview kept (checked again, as on the command line), once: the kept
    files are deleted after the import. Raises ``RoundImportTokenError`` for a token that is
    forged, expired, another user's, or already used."""
    data = _read_stash_token(token, actor=actor)
    files = []
    for name, key, digest in data["files"]:
        if not str(key).startswith(f"{_STASH_DIR}/") or not default_storage.exists(key):
            raise RoundImportTokenError(
                both(_("These files have already been imported; upload them again if needed."))
            )
        with default_storage.open(key) as handle:
            content = handle.read()
        if hashlib.sha256(content).hexdigest() != digest:
            raise RoundImportTokenError(both(_("This confirmation is not valid.")))
        files.append((str(name), content))
    try:
        result = import_round(files, fiscal_year=int(data["round"]), actor=actor)
    finally:
        _delete_stash(data)
    return result


def summary(result: RoundImport) -> dict[str, Any]:
    """The report's figures: counts by status and the amounts of what is (to be) created."""
    created = [result.rows[c].values for c in result.created]
    by_status: dict[str, int] = {}
    for values in created:
        by_status[values["status"]] = by_status.get(values["status"], 0) + 1
    return {
        "created": len(created),
        "existing": len(result.existing),
        "by_status": by_status,
        "requested": sum((v["requested"] for v in created), Decimal("0.00")),
        "approved": sum((v["approved"] or Decimal("0.00") for v in created), Decimal("0.00")),
    }


__all__ = [
    "RoundImportTokenError",
    "confirm_round_import",
    "discard_round_import",
    "purge_stale_previews",
    "preview_round_import",
    "RoundImport",
    "import_round",
    "read_round_files",
    "summary",
]
