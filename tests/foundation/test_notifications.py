"""E-mails that cannot be sent are logged, and the action that caused them still completes."""

import logging
from smtplib import SMTPRecipientsRefused, SMTPServerDisconnected

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend

from core.models import Notification
from directory.roles import Role
from proposals.services import submit_proposal
from proposals.workflow import Status
from tests.factories import make_user
from tests.proposals.factories import make_complete_draft

REFUSED = "refused@example.go.th"


class RefusingBackend(BaseEmailBackend):
    """Delivers to the test outbox, except to REFUSED (as an SMTP server refusing a mailbox)."""

    def send_messages(self, email_messages):
        for message in email_messages:
            if REFUSED in message.to:
                raise SMTPRecipientsRefused({REFUSED: (550, b"no such mailbox")})
            mail.outbox.append(message)
        return len(email_messages)


class UnreachableBackend(BaseEmailBackend):
    """A mail server that cannot be reached at all."""

    def open(self):
        raise SMTPServerDisconnected("Connection unexpectedly closed")

    def send_messages(self, email_messages):  # pragma: no cover (open() fails first)
        raise AssertionError("sent without a connection")


def _submitter_with_email(submitter, email):
    submitter.email = email
    submitter.save(update_fields=["email"])
    return submitter


def _mail_errors(caplog):
    return [r for r in caplog.records if r.name == "budgetscreen" and r.levelno == logging.ERROR]


@pytest.mark.django_db
def test_a_refused_mail_is_logged_and_the_submission_stands(
    submitter, settings, caplog, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = f"{__name__}.RefusingBackend"
    _submitter_with_email(submitter, REFUSED)
    proposal = make_complete_draft(agency=submitter.agency, actor=submitter)
    with django_capture_on_commit_callbacks(execute=True):
        submitted = submit_proposal(proposal_id=proposal.pk, actor=submitter)
    proposal.refresh_from_db()
    assert submitted.status == proposal.status == Status.SUBMITTED
    assert Notification.objects.filter(recipient=submitter).exists()
    assert mail.outbox == []
    [record] = _mail_errors(caplog)
    assert REFUSED in record.getMessage()
    assert record.exc_info[0] is SMTPRecipientsRefused


@pytest.mark.django_db
def test_one_refused_address_does_not_stop_the_others(
    submitter, settings, caplog, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = f"{__name__}.RefusingBackend"
    _submitter_with_email(submitter, REFUSED)
    colleague = make_user(Role.SUBMITTER, agency=submitter.agency, username="t_colleague")
    _submitter_with_email(colleague, "colleague@example.go.th")
    proposal = make_complete_draft(agency=submitter.agency, actor=submitter)
    with django_capture_on_commit_callbacks(execute=True):
        submit_proposal(proposal_id=proposal.pk, actor=submitter)
    assert [m.to for m in mail.outbox] == [["colleague@example.go.th"]]
    [record] = _mail_errors(caplog)
    assert REFUSED in record.getMessage()


@pytest.mark.django_db
def test_an_unreachable_mail_server_is_logged_and_the_submission_stands(
    submitter, settings, caplog, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = f"{__name__}.UnreachableBackend"
    _submitter_with_email(submitter, "s@example.go.th")
    proposal = make_complete_draft(agency=submitter.agency, actor=submitter)
    with django_capture_on_commit_callbacks(execute=True):
        submit_proposal(proposal_id=proposal.pk, actor=submitter)
    proposal.refresh_from_db()
    assert proposal.status == Status.SUBMITTED
    assert Notification.objects.filter(recipient=submitter).exists()
    [record] = _mail_errors(caplog)
    assert "0 of 1 sent" in record.getMessage()
    assert record.exc_info[0] is SMTPServerDisconnected
