"""In-app notifications and their e-mails, sent only once the transaction commits."""

import logging
from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.mail import EmailMessage, get_connection
from django.db import transaction

from .models import Notification

logger = logging.getLogger("budgetscreen")


def notify_users(
    users: Iterable[AbstractUser], *, subject: str, body: str = "", link: str = ""
) -> None:
    """Store a notification for each user now; e-mail those with an address after commit.

    The in-app notification is the record: an e-mail that cannot be sent is logged (with its
    recipient and the error) and never undoes nor stops the action that caused it.
    """
    users = [u for u in users if u.is_active]
    Notification.objects.bulk_create(
        [
            Notification(recipient_id=u.pk, subject=subject[:300], body=body, link=link)
            for u in users
        ]
    )
    emails = [u.email for u in users if u.email]
    if emails:
        text = f"{body}\n\n{link}".strip()
        transaction.on_commit(lambda: send_emails(subject=subject, text=text, recipients=emails))


def send_emails(*, subject: str, text: str, recipients: list[str]) -> int:
    """Send one e-mail to each recipient over one connection; return how many were sent.

    A failure is logged on the "budgetscreen" logger, per recipient (or once when the mail
    server cannot be reached at all), and the others are still tried.
    """
    sent = 0
    try:
        with get_connection() as connection:
            for address in recipients:
                message = EmailMessage(
                    subject, text, settings.DEFAULT_FROM_EMAIL, [address], connection=connection
                )
                try:
                    sent += message.send()
                except Exception:
                    logger.exception("E-mail %r to %s could not be sent", subject, address)
    except Exception:
        # opening or closing the connection failed: nothing more can be sent this time
        logger.exception(
            "E-mail %r: the mail server failed (%d of %d sent)", subject, sent, len(recipients)
        )
    return sent
