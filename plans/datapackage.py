"""datapackage.zip: a published plan version as a Fiscal Data Package (plans/OPEN_DATA.md).

A Frictionless Data Package whose fields carry the Fiscal Data Package's ``columnType``s: one
fact table (``budget.csv``, one row per proposal × fiscal year × expense category × phase) and
the code lists it points to. Everything is read from the version's snapshot, never from the live
data, and the ZIP's entries are dated at publication, so that one version is the same bytes for
ever (whatever the reader's language: the package carries both languages' labels).
"""

import csv
import datetime
import hashlib
import io
import json
import zipfile
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.utils import timezone, translation
from frictionless import Package, Resource, Schema

from proposals.models import ExpenseCategory
from proposals.workflow import APPROVED_STATES

from .models import PlanVersion

# The shape of the package; part of the ETag, so that a change of shape is a new download.
DATAPACKAGE_FORMAT = 1
DATA_DIR = "data"
FDP_BUDGETS_TAXONOMY = "https://specs.frictionlessdata.io/taxonomies/fiscal/budgets.json"
# The licence and the contact the catalogue asks for; a deployment may name its own.
DEFAULT_LICENSE = {
    "name": "CC-BY-4.0",
    "path": "https://creativecommons.org/licenses/by/4.0/",
    "title": "Creative Commons Attribution 4.0 International",
}
DEFAULT_MAINTAINER = "สำนักงานพัฒนารัฐบาลดิจิทัล (องค์การมหาชน)"
DEFAULT_MAINTAINER_EMAIL = "contact@dga.or.th"

REQUESTED, RECOMMENDED, APPROVED = "requested", "recommended", "approved"
PHASES = [
    (REQUESTED, "คำขอของหน่วยงาน", "Requested by the agency"),
    (RECOMMENDED, "ข้อเสนอของ สพร.", "Recommended by DGA's screener"),
    (APPROVED, "อนุมัติโดยคณะกรรมการ", "Approved by the committee"),
]


def _field(name: str, field_type: str, title: str, description: str, **extra: Any) -> dict:
    return {"name": name, "type": field_type, "title": title, "description": description,
            **extra}  # fmt: skip


def _code_field(name: str = "code", **extra: Any) -> dict:
    return _field(name, "string", "Code", "Stable identifier", constraints={"required": True},
                  **extra)  # fmt: skip


def _names_fields() -> list[dict]:
    return [
        _field("name_th", "string", "Name (Thai)", "", constraints={"required": True}),
        _field("name_en", "string", "Name (English)", "May be empty"),
    ]


def _fk(field: str, resource: str) -> dict:
    return {"fields": [field], "reference": {"resource": resource, "fields": ["code"]}}


_ADMIN = "administrative-classification:generic"
# The fact table's columns: name, type, title, description, FDP columnType, required.
BUDGET_FIELDS = [
    ("project_code", "string", "Proposal reference", "The proposal's reference",
     "activity:generic:project:code", True),
    ("ministry_code", "string", "Ministry", "Empty for an agency outside any ministry",
     f"{_ADMIN}:level1:code", False),
    ("agency_code", "string", "Agency", "The agency that proposed the project",
     f"{_ADMIN}:level2:code", True),
    ("fiscal_year", "integer", "Fiscal year (BE)", "FY2568 runs 1 Oct 2024 – 30 Sep 2025",
     "date:fiscal-year", True),
    ("expense_category", "string", "Expense category", "Empty on recommended rows: the "
     "screener recommends a project's total for the round's year",
     "economic-classification:generic:level1:code", False),
    ("phase", "string", "Phase", "requested, recommended or approved", "phase:id", True),
    ("amount", "number", "Amount (baht)", "Exact, two decimals, in Thai baht", "value", True),
]  # fmt: skip
# What a column's constraints hold besides ``required``, and its other properties.
BUDGET_CONSTRAINTS = {"phase": {"enum": [p[0] for p in PHASES]}, "amount": {"minimum": 0}}
BUDGET_EXTRA = {"amount": {"currency": "THB"}}


def _budget_schema() -> dict:
    fields = [
        _field(
            name,
            field_type,
            title,
            description,
            columnType=column_type,
            constraints={"required": required, **BUDGET_CONSTRAINTS.get(name, {})},
            **BUDGET_EXTRA.get(name, {}),
        )  # fmt: skip
        for name, field_type, title, description, column_type, required in BUDGET_FIELDS
    ]
    return {
        "fields": fields,
        "primaryKey": ["project_code", "fiscal_year", "expense_category", "phase"],
        "foreignKeys": [
            _fk("project_code", "projects"),
            _fk("ministry_code", "ministries"),
            _fk("agency_code", "agencies"),
            _fk("expense_category", "expense_categories"),
            _fk("phase", "phases"),
        ],
    }


def _projects_schema() -> dict:
    return {
        "fields": [
            _code_field(columnType="activity:generic:project:code"),
            _field(
                "title_th",
                "string",
                "Title (Thai)",
                "",
                constraints={"required": True},
                columnType="activity:generic:project:label",
            ),
            _field("title_en", "string", "Title (English)", "May be empty"),
            _field("agency_code", "string", "Agency", "", constraints={"required": True}),
            _field("stage_code", "string", "Value-chain stage", "Empty when none was given"),
            _field("benefit_code", "string", "Expected benefit", "Empty when none was given"),
            _field(
                "status",
                "string",
                "Status",
                "approved, approved_reduced (approved with a "
                "reduced amount), or the state of a proposal not approved",
                constraints={"required": True},
            ),
            _field(
                "in_plan",
                "boolean",
                "In the plan",
                "Whether the committee approved it",
                constraints={"required": True},
            ),
        ],  # fmt: skip
        "primaryKey": ["code"],
        "foreignKeys": [
            _fk("agency_code", "agencies"),
            _fk("stage_code", "stages"),
            _fk("benefit_code", "benefits"),
        ],
    }


def _code_list_schema(*extra_fields: dict, foreign_keys: Iterable[dict] = ()) -> dict:
    return {
        "fields": [_code_field(), *_names_fields(), *extra_fields],
        "primaryKey": ["code"],
        "foreignKeys": list(foreign_keys),
    }


def _money(value: str | Decimal) -> str:
    return f"{Decimal(value):.2f}"


def _budget_rows(snapshot: dict) -> Iterator[list]:
    """Requested rows of every submitted proposal, recommended rows where the screener named an
    amount, approved rows of the plan's projects."""
    fiscal_year = snapshot["fiscal_year"]
    proposals = [*snapshot["projects"], *snapshot.get("not_approved", [])]
    for proposal in sorted(proposals, key=lambda p: p["code"]):
        ministry = (proposal["ministry"] or {}).get("code", "")
        head = [proposal["code"], ministry, proposal["agency"]["code"]]
        for line in proposal["budget_lines"]:
            yield [*head, line["fiscal_year"], line["category"], REQUESTED, _money(line["amount"])]
        if proposal.get("recommended_amount") is not None:
            yield [*head, fiscal_year, "", RECOMMENDED, _money(proposal["recommended_amount"])]
        if proposal["status"] in APPROVED_STATES:
            for line in proposal["budget_lines"]:
                yield [*head, line["fiscal_year"], line["category"], APPROVED,
                       _money(line["approved_amount"])]  # fmt: skip


def _project_rows(snapshot: dict) -> Iterator[list]:
    proposals = [*snapshot["projects"], *snapshot.get("not_approved", [])]
    for p in sorted(proposals, key=lambda p: p["code"]):
        yield [
            p["code"], p["title_th"], p["title_en"], p["agency"]["code"],
            (p["stage"] or {}).get("code", ""), (p["benefit"] or {}).get("code", ""),
            p["status"], "true" if p["status"] in APPROVED_STATES else "false",
        ]  # fmt: skip


def _keyed_names(rows: list[dict]) -> dict[str, list]:
    """Code → [code, name_th, name_en] of a snapshot breakdown (every reference entry)."""
    return {row["key"]: [row["key"], row["name_th"], row["name_en"]] for row in rows if row["key"]}


def _reference_rows(snapshot: dict) -> dict[str, list[list]]:
    """The code lists, from the names the snapshot froze with each proposal."""
    ministries: dict[str, list] = {}
    agencies: dict[str, list] = {}
    stages = _keyed_names(snapshot["by_stage"])
    benefits = _keyed_names(snapshot["by_benefit"])
    for p in [*snapshot["projects"], *snapshot.get("not_approved", [])]:
        ministry = p["ministry"]
        if ministry:
            ministries[ministry["code"]] = [ministry["code"], ministry["name_th"],
                                            ministry["name_en"]]  # fmt: skip
        agency = p["agency"]
        agencies[agency["code"]] = [agency["code"], agency["name_th"], agency["name_en"],
                                    (ministry or {}).get("code", "")]  # fmt: skip
        for names, reference in ((stages, p["stage"]), (benefits, p["benefit"])):
            if reference:
                names.setdefault(reference["code"], [reference["code"], reference["name_th"],
                                                     reference["name_en"]])  # fmt: skip
    return {
        "ministries": [ministries[k] for k in sorted(ministries)],
        "agencies": [agencies[k] for k in sorted(agencies)],
        "stages": list(stages.values()),
        "benefits": list(benefits.values()),
        "expense_categories": _category_rows(),
        "phases": [list(phase) for phase in PHASES],
    }


def _category_rows() -> list[list]:
    rows = []
    for category in ExpenseCategory:
        with translation.override("th"):
            name_th = str(category.label)
        with translation.override("en"):
            name_en = str(category.label)
        rows.append([category.value, name_th, name_en])
    return rows


def _csv_bytes(header: list[str], rows: Iterable[list]) -> bytes:
    """UTF-8 without a BOM, LF line ends, values exactly as stored (no spreadsheet escaping:
    this is data for programs; plans/OPEN_DATA.md says how to open it in a spreadsheet)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


RESOURCES = [
    # name, title, schema factory
    ("budget", "Budget lines by phase (fact table)", _budget_schema),
    ("projects", "Proposals", _projects_schema),
    ("ministries", "Ministries (administrative classification, level 1)",
     lambda: _code_list_schema()),
    ("agencies", "Agencies (administrative classification, level 2)",
     lambda: _code_list_schema(
         _field("ministry_code", "string", "Ministry", "Empty outside any ministry"),
         foreign_keys=[_fk("ministry_code", "ministries")])),
    ("expense_categories", "Expense categories (economic classification)",
     lambda: _code_list_schema()),
    ("stages", "Value-chain stages", lambda: _code_list_schema()),
    ("benefits", "Expected benefits of the plan", lambda: _code_list_schema()),
    ("phases", "Budget phases", lambda: _code_list_schema()),
]  # fmt: skip


def _tables(snapshot: dict) -> dict[str, bytes]:
    reference = _reference_rows(snapshot)
    tables = {
        "budget": (_budget_rows(snapshot), _budget_schema()),
        "projects": (_project_rows(snapshot), _projects_schema()),
    }
    data = {}
    for name, _title, make_schema in RESOURCES:
        rows, schema = tables.get(name) or (reference[name], make_schema())
        data[name] = _csv_bytes([f["name"] for f in schema["fields"]], rows)
    return data


def _resource(name: str, title: str, schema: dict, content: bytes) -> Resource:
    return Resource(
        name=name,
        title=title,
        path=f"{DATA_DIR}/{name}.csv",
        profile="tabular-data-resource",
        format="csv",
        mediatype="text/csv",
        encoding="utf-8",
        hash=f"sha256:{hashlib.sha256(content).hexdigest()}",
        bytes=len(content),
        schema=Schema.from_descriptor(schema),
    )


def _fiscal_period(fiscal_year: int) -> dict:
    """FY2568 (BE) runs 1 October 2567 to 30 September 2568, i.e. 2024-10-01 to 2025-09-30."""
    end_ce = fiscal_year - 543
    return {"start": f"{end_ce - 1}-10-01", "end": f"{end_ce}-09-30"}


def catalogue_metadata(version: PlanVersion, snapshot: dict) -> dict:
    """What data.go.th (CKAN with the ckanext-thai_gdc schema) asks of a dataset, by its own
    field names, so that the dataset can be created from this object as it is."""
    fiscal_year = snapshot["fiscal_year"]
    published = timezone.localtime(version.published_at).date().isoformat()
    return {
        "name": f"digital-government-integrated-plan-fy{fiscal_year}",
        "title": snapshot["round"]["name_th"],
        "notes": _description(snapshot, version),
        "data_type": "ข้อมูลระเบียน",
        "tag_string": "งบประมาณ,รัฐบาลดิจิทัล,แผนงานบูรณาการ,Fiscal Data Package",
        "maintainer": getattr(settings, "OPEN_DATA_MAINTAINER", DEFAULT_MAINTAINER),
        "maintainer_email": getattr(settings, "OPEN_DATA_MAINTAINER_EMAIL",
                                    DEFAULT_MAINTAINER_EMAIL),
        "objective": ["พันธกิจหน่วยงาน"],
        "update_frequency_unit": "ปี",
        "update_frequency_interval": "1",
        "geo_coverage": "ประเทศ",
        "data_source": "ระบบกลั่นกรองข้อเสนอโครงการ (budgetscreen) ของ สพร.",
        "data_format": ["CSV", "JSON"],
        "data_category": "ข้อมูลสาธารณะ",
        "license_id": "Creative Commons Attributions",
        "data_language": ["ไทย", "อังกฤษ"],
        "created_date": published,
        "last_updated_date": published,
        "first_year_of_data": str(fiscal_year),
        "last_year_of_data": str(_last_year(snapshot)),
        "temporal_coverage": _fiscal_period(fiscal_year),
    }  # fmt: skip


def _last_year(snapshot: dict) -> int:
    years = [line["fiscal_year"]
             for p in [*snapshot["projects"], *snapshot.get("not_approved", [])]
             for line in p["budget_lines"]]  # fmt: skip
    return max([snapshot["fiscal_year"], *years])


def _baht(amount: str) -> str:
    return f"{Decimal(amount):,.2f}"


def _description(snapshot: dict, version: PlanVersion) -> str:
    totals = snapshot["totals"]
    return (
        f"{snapshot['round']['name_th']} ฉบับที่ {version.number}: ข้อเสนอโครงการที่หน่วยงานเสนอ "
        f"{totals['submitted_projects']} โครงการ จาก {totals['submitted_agencies']} หน่วยงาน "
        f"วงเงินที่ขอ {_baht(totals['requested'])} บาท และโครงการที่คณะกรรมการอนุมัติ "
        f"{totals['approved_projects']} โครงการ วงเงิน {_baht(totals['approved'])} บาท "
        "จำแนกตามหน่วยงาน ปีงบประมาณ งบรายจ่าย และขั้นตอน (คำขอ ข้อเสนอของ สพร. และอนุมัติ)\n\n"
        f"{snapshot['round']['name_en'] or 'Digital Government integrated plan'}, version "
        f"{version.number}: every submitted proposal's request, the screener's recommendation and "
        "the committee's approval, by agency, fiscal year and expense category."
    )


def build_package(version: PlanVersion) -> tuple[Package, dict[str, bytes]]:
    """The package descriptor and the CSV content of each resource, by resource name."""
    snapshot = version.snapshot
    data = _tables(snapshot)
    catalogue = catalogue_metadata(version, snapshot)
    package = Package(
        name=catalogue["name"],
        title=catalogue["title"],
        description=catalogue["notes"],
        version=f"{version.number}.0.0",
        profile="tabular-data-package",
        licenses=[getattr(settings, "OPEN_DATA_LICENSE", DEFAULT_LICENSE)],
        keywords=catalogue["tag_string"].split(","),
        created=timezone.localtime(version.published_at).isoformat(),
        contributors=[
            {
                "title": catalogue["maintainer"],
                "email": catalogue["maintainer_email"],
                "role": "publisher",
            }
        ],  # fmt: skip
        resources=[
            _resource(name, title, make_schema(), data[name])
            for name, title, make_schema in RESOURCES
        ],
    )
    package.custom.update(
        {
            "countryCode": "TH",
            "fiscalPeriod": _fiscal_period(snapshot["fiscal_year"]),
            "featuredTaxonomies": [FDP_BUDGETS_TAXONOMY],
            "fiscalYear": snapshot["fiscal_year"],
            "planVersion": version.number,
            "planChecksum": f"sha256:{version.checksum}",
            "totals": snapshot["totals"],
            "ckan": catalogue,
        }
    )
    return package, data


def package_descriptor(package: Package) -> bytes:
    return (json.dumps(package.to_descriptor(), ensure_ascii=False, indent=2) + "\n").encode()


def build_datapackage_zip(version: PlanVersion) -> bytes:
    """``datapackage.json`` and ``data/*.csv`` in a ZIP whose every byte depends only on the
    version: entries in a fixed order, dated at the version's publication."""
    package, data = build_package(version)
    moment = version.published_at.astimezone(datetime.UTC)
    date_time = (moment.year, moment.month, moment.day, moment.hour, moment.minute, moment.second)
    files = {"datapackage.json": package_descriptor(package)}
    files.update({f"{DATA_DIR}/{name}.csv": content for name, content in data.items()})
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            entry = zipfile.ZipInfo(name, date_time=date_time)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            archive.writestr(entry, content)
    return output.getvalue()


def datapackage_etag(version: PlanVersion) -> str:
    return f'"fdp{DATAPACKAGE_FORMAT}-{version.checksum}"'
