"""Bad input in the proposal form: refused field by field, nothing else lost."""

import pytest

from proposals.models import Proposal
from tests.factories import make_round

from .factories import docx_upload, form_payload, make_complete_draft, pdf_upload, xlsx_upload


@pytest.fixture
def plan_round(db):
    return make_round()


@pytest.fixture
def logged_in(client, submitter):
    client.force_login(submitter)
    return client


def _post_new(client, plan_round, **overrides):
    return client.post("/proposals/new/", form_payload(plan_round=plan_round, **overrides))


def _field(plan_round, offset=0, category="operating"):
    return f"budget-y{plan_round.fiscal_year + offset}_{category}"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("-100", "negative"),
        ("abc", "for example 1,234,567.50"),
        ("12,34x", "for example 1,234,567.50"),
        ("12345678901234567", "too large"),
        ("100.555", "2 decimal places"),
        ("NaN", "for example 1,234,567.50"),
        ("1e5", "for example 1,234,567.50"),
        ("Infinity", "for example 1,234,567.50"),
        ("๑,๒๓๔.๕๖๗", "2 decimal places"),
    ],
)
def test_bad_amount_refused_on_its_field_and_rest_kept(
    logged_in, plan_round, raw, message, settings
):
    settings.LANGUAGE_CODE = "en"
    response = _post_new(logged_in, plan_round, **{_field(plan_round): raw})
    assert response.status_code == 200
    assert not Proposal.objects.exists()
    form = response.context["editor"].budget
    assert message in " ".join(form.errors[_field(plan_round).removeprefix("budget-")])
    page = response.content.decode()
    assert "โครงการพัฒนาระบบบริการดิจิทัล" in page  # the title typed is kept
    assert "๑๐๐๐๐๐๐" in page  # so is the other cell, exactly as typed
    assert raw in page


def test_amounts_accept_commas_and_thai_digits(logged_in, plan_round):
    response = _post_new(logged_in, plan_round)
    assert response.status_code == 302
    proposal = Proposal.objects.get()
    # 1,234,567.50 + ๑๐๐๐๐๐๐ for the round's year; the second year does not count.
    assert str(proposal.requested_amount) == "2234567.50"
    assert proposal.budget_lines.count() == 3


def test_years_outside_the_duration_are_refused(logged_in, plan_round, settings):
    settings.LANGUAGE_CODE = "en"
    response = _post_new(logged_in, plan_round, **{"general-duration_years": "1"})
    assert response.status_code == 200
    errors = response.context["editor"].budget.errors
    assert "outside the project's duration" in " ".join(
        errors[_field(plan_round, 1).removeprefix("budget-")]
    )
    assert not Proposal.objects.exists()


def test_a_year_key_beyond_any_duration_is_refused(logged_in, plan_round, settings):
    settings.LANGUAGE_CODE = "en"
    response = _post_new(logged_in, plan_round, **{_field(plan_round, 9): "100"})
    assert response.status_code == 200
    assert "outside the project's duration" in " ".join(
        response.context["editor"].budget.non_field_errors()
    )


def test_thai_messages_by_default(logged_in, plan_round):
    response = _post_new(logged_in, plan_round, **{_field(plan_round): "-5"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "ติดลบ" in page
    # The summary at the top links to the cell, named in Thai.
    assert (
        f'href="#id_{_field(plan_round)}">งบดำเนินงาน ปีงบประมาณ {plan_round.fiscal_year}</a>' in page
    )


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"general-title_th": ""}, "title_th"),
        ({"general-duration_years": "9"}, "duration_years"),
        ({"general-duration_years": "x"}, "duration_years"),
        ({"general-official_email": "not-an-email"}, "official_email"),
        ({"general-project_type": "other"}, "project_type"),
    ],
)
def test_general_section_errors(logged_in, plan_round, overrides, field):
    response = _post_new(logged_in, plan_round, **overrides)
    assert response.status_code == 200
    assert field in response.context["editor"].general.errors
    assert not Proposal.objects.exists()


def test_unknown_reference_choice_refused(logged_in, plan_round):
    response = _post_new(logged_in, plan_round, **{"alignment-stage": "999999"})
    assert response.status_code == 200
    assert "stage" in response.context["editor"].alignment.errors


def test_half_filled_kpi_row_refused(logged_in, plan_round):
    response = _post_new(logged_in, plan_round, **{"kpi-0-unit": ""})
    assert response.status_code == 200
    assert response.context["editor"].kpis.forms[0].non_field_errors()


def test_a_draft_needs_only_a_title(logged_in, plan_round):
    response = logged_in.post(
        "/proposals/new/",
        {
            "general-title_th": "ร่างแรก",
            "general-duration_years": "1",
            "general-project_type": "new",
            "kpi-TOTAL_FORMS": "0",
            "kpi-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302
    assert Proposal.objects.get().title_th == "ร่างแรก"


# --- attachments through the edit page ------------------------------------------------------


@pytest.fixture
def draft(submitter, plan_round):
    return make_complete_draft(agency=submitter.agency, plan_round=plan_round)


def _post_edit(client, draft, upload, description="เอกสาร", **overrides):
    data = form_payload(plan_round=draft.round, proposal=draft, **overrides)
    data["attachment-file"] = upload
    data["attachment-description"] = description
    data["action"] = "attachments"
    return client.post(f"/proposals/{draft.pk}/edit/", data)


@pytest.mark.parametrize(
    ("upload", "kind"), [(pdf_upload, "pdf"), (xlsx_upload, "xlsx"), (docx_upload, "docx")]
)
def test_good_documents_by_content(logged_in, draft, media_root, upload, kind):
    response = _post_edit(logged_in, draft, upload())
    assert response.status_code == 302
    assert draft.attachments.get().kind == kind


@pytest.mark.parametrize(
    "upload",
    [
        pdf_upload("renamed.pdf", b"MZ\x90\x00This is an exe"),
        pdf_upload("page.pdf", b"<html><script>alert(1)</script></html>"),
        pdf_upload("broken.xlsx", b"PK\x03\x04 not really a zip"),
    ],
)
def test_bad_documents_by_content(logged_in, draft, media_root, upload, settings):
    settings.LANGUAGE_CODE = "en"
    response = _post_edit(logged_in, draft, upload)
    assert response.status_code == 200
    assert "Only PDF, Excel (XLSX) and Word (DOCX)" in " ".join(
        response.context["editor"].attachment.errors["file"]
    )
    assert not draft.attachments.exists()
    draft.refresh_from_db()
    assert draft.title_th == "โครงการพัฒนาระบบบริการดิจิทัล"  # the rest of the form was saved


def test_zip_that_is_not_office_refused(logged_in, draft, media_root):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from .factories import zip_bytes

    response = _post_edit(logged_in, draft, SimpleUploadedFile("a.docx", zip_bytes("other.txt")))
    assert response.status_code == 200
    assert not draft.attachments.exists()


def test_too_big_document_refused(logged_in, draft, media_root, settings):
    settings.ATTACHMENT_MAX_BYTES = 20
    settings.LANGUAGE_CODE = "en"
    response = _post_edit(logged_in, draft, pdf_upload())
    assert response.status_code == 200
    assert "too large" in " ".join(response.context["editor"].attachment.errors["file"])
    assert not draft.attachments.exists()


def test_document_needs_a_description(logged_in, draft, media_root):
    response = _post_edit(logged_in, draft, pdf_upload(), description=" ")
    assert response.status_code == 200
    assert "description" in response.context["editor"].attachment.errors


# --- text lengths ---------------------------------------------------------------------------


def _edit(client, draft, **overrides):
    data = form_payload(plan_round=draft.round, proposal=draft, **overrides)
    return client.post(f"/proposals/{draft.pk}/edit/", data)


@pytest.mark.parametrize(
    ("field", "limit"),
    [("summary", 5_000), ("rationale", 20_000), ("outcomes", 20_000)],
)
def test_a_text_over_its_limit_is_refused_and_the_draft_kept(logged_in, draft, field, limit):
    before = Proposal.objects.filter(pk=draft.pk).values().get()
    at_limit = _edit(logged_in, draft, **{f"content-{field}": "ก" * limit})
    assert at_limit.status_code == 302
    saved = Proposal.objects.filter(pk=draft.pk).values().get()
    assert saved[field] == "ก" * limit

    typed = "ข" * (limit + 1)
    response = _edit(logged_in, draft, **{f"content-{field}": typed, "content-objectives": "ใหม่"})
    assert response.status_code == 200
    errors = response.context["editor"].content.errors[field]
    assert errors == [f"ข้อความยาวเกินกำหนด: ไม่เกิน {limit} ตัวอักษร (ที่กรอกมี {limit + 1} ตัวอักษร)"]
    page = response.content.decode()
    assert typed in page and "ใหม่" in page  # what was typed comes back, to be shortened
    assert Proposal.objects.filter(pk=draft.pk).values().get() == saved
    assert saved["objectives"] == before["objectives"]


def test_a_4_5_mb_summary_is_refused_before_the_form_and_the_draft_kept(logged_in, draft):
    before = Proposal.objects.filter(pk=draft.pk).values().get()
    response = _edit(logged_in, draft, **{"content-summary": "x" * 4_500_000})
    assert response.status_code == 413
    page = response.content.decode()
    assert "ข้อมูลที่ส่งมีขนาดใหญ่เกินไป" in page and "shorten the text" in page
    assert Proposal.objects.filter(pk=draft.pk).values().get() == before


def test_english_length_message(logged_in, draft, settings):
    settings.LANGUAGE_CODE = "en"
    response = _edit(logged_in, draft, **{"content-summary": "x" * 5_001})
    assert response.context["editor"].content.errors["summary"] == [
        "Ensure this value has at most 5000 characters (it has 5001)."
    ]
