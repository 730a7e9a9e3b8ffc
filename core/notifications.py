"""In-app notifications and their e-mails, sent only once the transaction commits."""

from django.conf import settings
from django.core.mail import send_mass_mail
from django.db import transaction

from .models import Notification


def notify_users(users, *, subject, body="", link=""):
    """Store a notification for each user now; e-mail those with an address after commit."""
    users = [u for u in users if u.is_active]
    Notification.objects.bulk_create(
        [Notification(recipient=u, subject=subject[:300], body=body, link=link) for u in users]
    )
    emails = [u.email for u in users if u.email]
    if emails:
        text = f"{body}\n\n{link}".strip()
        messages = [(subject, text, settings.DEFAULT_FROM_EMAIL, [e]) for e in emails]
        transaction.on_commit(lambda: send_mass_mail(messages, fail_silently=True))
