"""A document can be attached with the very first save of a new proposal (issue 14, agency
officer): no need to save the draft first and come back."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from core.models import AuditEvent
from proposals.models import Proposal
from tests.factories import make_round

from .factories import form_payload, pdf_upload

pytestmark = pytest.mark.usefixtures("media_root")


@pytest.fixture
def plan_round(db):
    return make_round()


@pytest.fixture
def logged_in(client, submitter):
    client.force_login(submitter)
    return client


def _messages(response, level):
    return [str(m) for m in get_messages(response.wsgi_request) if m.level_tag == level]


def test_the_new_form_offers_the_upload(logged_in, plan_round):
    html = logged_in.get(reverse("proposals:new")).content.decode()
    assert 'name="attachment-file"' in html and 'name="attachment-description"' in html
    assert 'enctype="multipart/form-data"' in html


def test_first_save_creates_the_draft_with_its_document(logged_in, submitter, plan_round):
    payload = form_payload(plan_round=plan_round)
    payload.update(
        {"attachment-file": pdf_upload("ขอบเขตงาน.pdf"), "attachment-description": "TOR"}
    )
    response = logged_in.post(reverse("proposals:new"), payload)
    proposal = Proposal.objects.get()
    assert response.status_code == 302 and response.url == reverse(
        "proposals:edit", args=[proposal.pk]
    )
    attachment = proposal.attachments.get()
    assert attachment.original_name == "ขอบเขตงาน.pdf" and attachment.description == "TOR"
    assert AuditEvent.objects.filter(code="proposal.attachment_added").count() == 1
    assert any("แนบเอกสาร" in m for m in _messages(response, "success"))


@pytest.mark.parametrize(
    "upload,description",
    [
        (lambda: pdf_upload(), ""),  # no description
        (lambda: pdf_upload("tor.pdf", b"MZ\x90\x00 not a pdf"), "TOR"),  # a program named .pdf
    ],
    ids=["no-description", "not-a-pdf"],
)
def test_a_refused_document_saves_nothing_and_says_so(logged_in, plan_round, upload, description):
    payload = form_payload(plan_round=plan_round)
    payload.update({"attachment-file": upload(), "attachment-description": description})
    response = logged_in.post(reverse("proposals:new"), payload)
    assert response.status_code == 200
    assert not Proposal.objects.exists()
    html = response.content.decode()
    assert 'id="error-summary"' in html
    # What was typed is still in the form; only the file must be chosen again.
    assert "โครงการพัฒนาระบบบริการดิจิทัล" in html
    assert any("เลือกไฟล์อีกครั้ง" in m for m in _messages(response, "warning"))


def test_a_form_error_keeps_nothing_and_asks_for_the_file_again(logged_in, plan_round):
    payload = form_payload(plan_round=plan_round, **{"general-title_th": ""})
    payload.update({"attachment-file": pdf_upload(), "attachment-description": "TOR"})
    response = logged_in.post(reverse("proposals:new"), payload)
    assert response.status_code == 200
    assert not Proposal.objects.exists()
    assert any("เลือกไฟล์อีกครั้ง" in m for m in _messages(response, "warning"))


def test_first_save_without_a_document_still_works(logged_in, plan_round):
    response = logged_in.post(reverse("proposals:new"), form_payload(plan_round=plan_round))
    assert response.status_code == 302
    assert not Proposal.objects.get().attachments.exists()
    assert not _messages(response, "warning")
