"""Checking uploaded documents by their content, never by the name the user gave them."""

import re
import unicodedata
import zipfile

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import record_event

from .models import Attachment

# Members that only an Office Open XML workbook / word document carries.
_ZIP_MARKERS = {"xl/workbook.xml": Attachment.Kind.XLSX, "word/document.xml": Attachment.Kind.DOCX}
_EXTENSIONS = {
    Attachment.Kind.PDF: ".pdf",
    Attachment.Kind.XLSX: ".xlsx",
    Attachment.Kind.DOCX: ".docx",
}
CONTENT_TYPES = {
    Attachment.Kind.PDF: "application/pdf",
    Attachment.Kind.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    Attachment.Kind.DOCX: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


def detect_kind(upload) -> str | None:
    """``pdf``, ``xlsx`` or ``docx`` judged from the bytes, or ``None`` for anything else."""
    upload.seek(0)
    head = upload.read(1024)
    upload.seek(0)
    if head.lstrip(b"\r\n\t \x00\xef\xbb\xbf")[:5] == b"%PDF-":
        return Attachment.Kind.PDF
    if head[:4] != b"PK\x03\x04":
        return None
    try:
        with zipfile.ZipFile(upload) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return None
    finally:
        upload.seek(0)
    for member, kind in _ZIP_MARKERS.items():
        if member in names:
            return kind
    return None


def sanitise_filename(name: str, kind: str) -> str:
    """Keep a readable (Thai allowed) display name: no path, no control characters, right suffix."""
    name = unicodedata.normalize("NFC", str(name or ""))
    name = re.split(r"[\\/]", name)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = re.sub(r"[<>:\"|?*]", "_", name).strip().strip(".") or "document"
    stem = re.sub(r"\.[A-Za-z0-9]{1,5}$", "", name)[:200] or "document"
    return stem + _EXTENSIONS[kind]


def validate_upload(upload) -> str:
    """Return the document's kind; raise ``ValidationError`` (in the user's language) otherwise."""
    limit = settings.ATTACHMENT_MAX_BYTES
    if upload.size > limit:
        raise ValidationError(
            _("The file is too large (%(size)s); the limit is %(limit)s.")
            % {"size": filesizeformat(upload.size), "limit": filesizeformat(limit)},
            code="too_large",
        )
    if upload.size == 0:
        raise ValidationError(_("The file is empty."), code="empty")
    kind = detect_kind(upload)
    if kind is None:
        raise ValidationError(
            _(
                "Only PDF, Excel (XLSX) and Word (DOCX) documents are accepted; "
                "this file is none of them."
            ),
            code="bad_type",
        )
    return kind


def remove_stored_document(document, *, code: str, actor, owner, key: str) -> None:
    """Delete an uploaded document's row in the caller's transaction, with the audit event
    ``code`` on ``owner`` (``{key: pk, "name": original name}``), mark ``owner`` updated, and
    delete the file only once the transaction commits (a rollback keeps it). Shared by a
    proposal's attachments and a report's KPI evidence."""
    storage, name = document.file.storage, document.file.name
    record_event(
        code, actor=actor, target=owner, extra={key: document.pk, "name": document.original_name}
    )
    document.delete()
    owner.updated_at = timezone.now()
    owner.save(update_fields=["updated_at"])
    if name:
        transaction.on_commit(lambda: storage.delete(name))
