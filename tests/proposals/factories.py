"""Factories for the proposal tests: complete drafts, valid documents, form payloads."""

import io
import zipfile
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile

from proposals.models import KPI, DGStrategy, ExpenseCategory, NationalStrategy
from proposals.services import ProposalContent, add_attachment
from proposals.workflow import Status
from tests.factories import make_proposal, make_reference_data

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def zip_bytes(member: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(member, "<x/>")
    return buffer.getvalue()


def pdf_upload(name="tor.pdf", content=PDF_BYTES):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def xlsx_upload(name="budget.xlsx"):
    return SimpleUploadedFile(name, zip_bytes("xl/workbook.xml"))


def docx_upload(name="study.docx"):
    return SimpleUploadedFile(name, zip_bytes("word/document.xml"))


COMPLETE_FIELDS = {
    "title_en": "Test project",
    "official_name": "นางสาวทดสอบ ระบบ",
    "official_position": "นักวิเคราะห์นโยบายและแผน",
    "official_phone": "02 123 4567",
    "official_email": "official@example.go.th",
    "alignment_justification": "สอดคล้องกับยุทธศาสตร์",
    "rationale": "หลักการและเหตุผล",
    "objectives": "วัตถุประสงค์",
    "target_group": "ประชาชน",
    "outputs": "ผลผลิต",
    "outcomes": "ผลลัพธ์",
}


def make_complete_draft(*, agency, plan_round=None, status=Status.DRAFT, actor=None, **kwargs):
    """A draft (or returned) proposal that passes every submit check."""
    make_reference_data()
    fields = {**COMPLETE_FIELDS, **kwargs}
    proposal = make_proposal(
        plan_round=plan_round,
        agency=agency,
        status=status,
        requested=Decimal("2500000.00"),
        dg_strategy=DGStrategy.objects.first(),
        national_strategy=NationalStrategy.objects.first(),
        **fields,
    )
    KPI.objects.create(proposal=proposal, indicator="จำนวนบริการ", unit="บริการ", target="10")
    if actor is not None:
        add_attachment(
            proposal_id=proposal.pk, actor=actor, upload=pdf_upload(), description="ขอบเขตงาน (TOR)"
        )
    return proposal


def form_payload(*, plan_round, proposal=None, **overrides):
    """A complete POST body for the proposal form (sections 1–5)."""
    stages, benefits = make_reference_data()
    year = plan_round.fiscal_year
    data = {
        "general-title_th": "โครงการพัฒนาระบบบริการดิจิทัล",
        "general-title_en": "Digital service project",
        "general-project_type": "new",
        "general-duration_years": "2",
        "general-official_name": "นายทดสอบ ใจดี",
        "general-official_position": "ผู้อำนวยการกอง",
        "general-official_phone": "02 111 2222",
        "general-official_email": "test@example.go.th",
        "alignment-stage": str(stages[1].pk),
        "alignment-benefit": str(benefits[1].pk),
        "alignment-dg_strategy": str(DGStrategy.objects.first().pk),
        "alignment-national_strategy": str(NationalStrategy.objects.first().pk),
        "alignment-alignment_justification": "สอดคล้อง",
        "content-summary": "",
        "content-rationale": "เหตุผล",
        "content-objectives": "วัตถุประสงค์",
        "content-target_group": "ประชาชน",
        "content-outputs": "ระบบ",
        "content-outcomes": "บริการดีขึ้น",
        "kpi-TOTAL_FORMS": "2",
        "kpi-INITIAL_FORMS": "0",
        "kpi-MIN_NUM_FORMS": "0",
        "kpi-MAX_NUM_FORMS": "1000",
        "kpi-0-indicator": "ผู้ใช้บริการ",
        "kpi-0-unit": "คน",
        "kpi-0-target": "10,000",
        "kpi-1-indicator": "",
        "kpi-1-unit": "",
        "kpi-1-target": "",
        f"budget-y{year}_operating": "1,234,567.50",
        f"budget-y{year}_investment": "๑๐๐๐๐๐๐",
        f"budget-y{year + 1}_operating": "500000",
        "action": "save",
    }
    if proposal is not None:
        data["lock_version"] = str(proposal.lock_version)
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def content_for(plan_round, **fields):
    """Parsed content for the services: two years, three budget cells, one KPI."""
    stages, benefits = make_reference_data()
    year = plan_round.fiscal_year
    return ProposalContent(
        fields={"title_th": "โครงการทดสอบ", "duration_years": 2, "stage": stages[0], **fields},
        kpis=[("ผู้ใช้", "คน", "100")],
        budget={
            (year, ExpenseCategory.OPERATING.value): Decimal("1000.50"),
            (year, ExpenseCategory.INVESTMENT.value): Decimal("2000.00"),
            (year + 1, ExpenseCategory.OPERATING.value): Decimal("999.00"),
        },
    )
