"""Uploaded documents: judged by their bytes, stored under generated names, served only as
downloads through the permission-checked view. Completes tests/proposals (which cover an exe or
an HTML page named .pdf, a ZIP that is no Office file, the size limit and generated names)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.factories import make_user
from tests.proposals.factories import PDF_BYTES, form_payload, make_complete_draft, xlsx_upload

pytestmark = pytest.mark.django_db

HOSTILE_NAME = '<img src=x onerror=alert(1)>\u202egnp.exe\u202c"; filename=evil.html'


def _attach(client, draft, upload, description="เอกสาร"):
    data = form_payload(plan_round=draft.round, proposal=draft)
    data.update({"attachment-file": upload, "attachment-description": description,
                 "action": "attachments"})  # fmt: skip
    return client.post(reverse("proposals:edit", args=[draft.pk]), data)


def _submitter_with_draft(client):
    user = make_user("submitter")
    client.force_login(user)
    return user, make_complete_draft(agency=user.agency)


def test_a_pdf_named_docx_is_kept_as_a_pdf(client, media_root):
    _, draft = _submitter_with_draft(client)
    assert _attach(client, draft, SimpleUploadedFile("study.docx", PDF_BYTES)).status_code == 302
    attachment = draft.attachments.get()
    assert (attachment.kind, attachment.original_name) == ("pdf", "study.pdf")


def test_an_empty_file_is_refused_in_thai(client, media_root):
    _, draft = _submitter_with_draft(client)
    response = _attach(client, draft, SimpleUploadedFile("empty.pdf", b""))
    assert response.status_code == 200
    assert not draft.attachments.exists()
    assert response.context["editor"].attachment.errors["file"]


def test_download_is_an_attachment_typed_by_content_with_nosniff(client, media_root):
    user, draft = _submitter_with_draft(client)
    _attach(client, draft, xlsx_upload(HOSTILE_NAME + ".pdf"))
    attachment = draft.attachments.get()
    assert attachment.kind == "xlsx"
    assert "/" not in attachment.file.name.split("attachments/", 1)[1].split("/", 1)[1]
    assert "gnp" not in attachment.file.name and "<" not in attachment.file.name
    assert "\u202e" not in attachment.original_name and "<" not in attachment.original_name
    response = client.get(reverse("proposals:attachment", args=[draft.pk, attachment.pk]))
    b"".join(response.streaming_content)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert response["X-Content-Type-Options"] == "nosniff"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    # One file name, ending in the kind found in the bytes: the name typed cannot add a
    # parameter or an extension that a browser would act on.
    assert disposition.count("filename=") == 1 and "<" not in disposition
    assert disposition.endswith('.xlsx"'), disposition

    # Another agency's submitter, and anyone signed out, never get the bytes.
    client.force_login(make_user("submitter"))
    response = client.get(reverse("proposals:attachment", args=[draft.pk, attachment.pk]))
    assert response.status_code == 404
    client.logout()
    response = client.get(reverse("proposals:attachment", args=[draft.pk, attachment.pk]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_media_directory_is_not_served(client, media_root, settings):
    user, draft = _submitter_with_draft(client)
    _attach(client, draft, SimpleUploadedFile("tor.pdf", PDF_BYTES))
    attachment = draft.attachments.get()
    response = client.get(f"/{settings.MEDIA_URL.strip('/')}/{attachment.file.name}")
    assert response.status_code == 404
