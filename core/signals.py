"""Sign-ins and failed sign-ins go into the audit trail (Django announces them as signals)."""

import time

from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.db import transaction
from django.dispatch import receiver

from . import twofactor
from .audit import record_event
from .middleware import SessionInactivityMiddleware
from .signin_protection import client_ip


def _address(request):
    # The client's own address, also behind a trusted proxy (the one django-axes locks on).
    return (client_ip(request) or "") if request is not None else ""


@receiver(user_logged_in)
def audit_login(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        request.session[SessionInactivityMiddleware.KEY] = int(time.time())
        step = twofactor.pending_step(user)
        if step and not getattr(user, "is_verified", lambda: False)():
            request.session[twofactor.SESSION_KEY] = step
    with transaction.atomic():
        record_event("auth.login", actor=user, target=user, extra={"address": _address(request)})


@receiver(user_login_failed)
def audit_failed_login(sender, credentials, request=None, **kwargs):
    with transaction.atomic():
        record_event(
            "auth.login_failed",
            extra={
                "username": str(credentials.get("username", ""))[:150],
                "address": _address(request),
            },
        )
