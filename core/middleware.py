"""Faults of the machine get a clear page in Thai and English, never a stack trace."""

import logging
import time
from urllib.parse import quote

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import RequestDataTooBig
from django.db import InterfaceError, OperationalError, transaction
from django.http import HttpResponse, UnreadablePostError
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.cache import has_vary_header, patch_cache_control
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from . import twofactor
from .audit import record_event
from .pdf import PDFUnavailable

logger = logging.getLogger("budgetscreen")


class FaultPagesMiddleware:
    """A database that is down, or a PDF engine missing its system libraries: 503 with a reason."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, OperationalError | InterfaceError):
            template = "errors/503_database.html"
        elif isinstance(exception, PDFUnavailable):
            template = "errors/503_pdf.html"
        else:
            return None
        logger.error("%s: %s", template, exception)
        response = HttpResponse(render_to_string(template), status=503)
        response["Retry-After"] = "30"
        return response


class ContentSecurityPolicyMiddleware:
    """Sends settings.CONTENT_SECURITY_POLICY on every response: no inline scripts, no CDN."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        policy = settings.CONTENT_SECURITY_POLICY
        if policy and "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = policy
        response.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        response.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        return response


class PrivateCacheControlMiddleware:
    """``Cache-Control: private, no-store`` on what a signed-in user sees, files included.

    Also on any response built from the session or carrying a CSRF token, such as the sign-in
    page (Django marks those ``Vary: Cookie``). Static files are left to the proxy's caching.
    Listed before SessionMiddleware, so that it sees the Vary header the session and CSRF add.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.path.startswith(settings.STATIC_URL):  # Django gives it its leading "/"
            return response
        user = getattr(request, "user", None)
        if (user is not None and user.is_authenticated) or has_vary_header(response, "Cookie"):
            patch_cache_control(response, private=True, no_store=True)
        return response


class RequestBodyLimitMiddleware:
    """Refuses a request body that is too large with 413, before reading any of it.

    The cap is settings.REQUEST_BODY_MAX_BYTES (an attachment and its form) for a signed-in
    user, or a request another credential vouches for (an API token, see ``vouched_for``), and
    DATA_UPLOAD_MAX_MEMORY_SIZE otherwise, as no public form takes a file. Form
    fields that alone pass DATA_UPLOAD_MAX_MEMORY_SIZE get the same page instead of Django's
    bare 400. (A body without Content-Length is never read by Django's WSGI handler.) Listed
    after AuthenticationMiddleware; nothing before it reads the body.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        vouched = (
            length > settings.DATA_UPLOAD_MAX_MEMORY_SIZE
            and not request.user.is_authenticated
            and self.vouched_for(request)
        )
        if length > settings.REQUEST_BODY_MAX_BYTES or (
            length > settings.DATA_UPLOAD_MAX_MEMORY_SIZE
            and not request.user.is_authenticated
            and not vouched
        ):
            return self.too_large(request, length)
        if request.method == "POST" and length and not vouched:
            try:
                request.POST  # noqa: B018  (parsed here as CsrfViewMiddleware would, to catch the error)
            except RequestDataTooBig:
                return self.too_large(request, length)
            except UnreadablePostError:
                pass  # the client went away; left to the view, as CsrfViewMiddleware does
        return self.get_response(request)

    @staticmethod
    def vouched_for(request) -> bool:
        """Whether a credential other than the session stands behind the request: each
        function named in settings.REQUEST_BODY_VOUCHERS (the API's bearer tokens) may say so,
        reading headers only. Its body is then left for the credential's own view to parse."""
        return any(
            import_string(path)(request) for path in getattr(settings, "REQUEST_BODY_VOUCHERS", ())
        )

    @staticmethod
    def too_large(request, length):
        logger.warning("413: %s bytes to %s refused", length, request.path)
        max_mb = settings.ATTACHMENT_MAX_BYTES // (1024 * 1024)
        return HttpResponse(render_to_string("errors/413.html", {"max_mb": max_mb}), status=413)


class SessionInactivityMiddleware:
    """Signs a user out after settings.SESSION_INACTIVITY_TIMEOUT seconds without a request.

    The last-seen time is written at most every few minutes, so that ordinary requests do not
    each write the session.
    """

    KEY = "last_seen"
    GRANULARITY = 5 * 60

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = int(time.time())
            last_seen = request.session.get(self.KEY)
            if last_seen is not None and now - last_seen > settings.SESSION_INACTIVITY_TIMEOUT:
                logout(request)
                messages.info(request, _("You were signed out after a period of inactivity."))
                return redirect_to_login(request.get_full_path())
            if last_seen is None or now - last_seen > self.GRANULARITY:
                request.session[self.KEY] = now
        return self.get_response(request)


class TwoFactorMiddleware:
    """Holds a signed-in user at the code or enrolment page until two-factor sign-in is done.

    The pending step is decided once at sign-in (core.twofactor.pending_step) and read from the
    session here, so ordinary requests run no extra query. A user who owes a code reaches only
    the code page, the recovery-code page and logout (never the enrolment page: a new secret
    would let the password alone in); a user who owes an enrolment reaches only the enrolment
    page and logout. Refused sign-in pages are audited; other pages simply lead to the step.

    A session verified with a device that has since gone (an administrator's reset) is ended.
    """

    OPEN_PREFIXES = ("/i18n/", "/static/", "/favicon.ico")
    ALLOWED = {
        twofactor.VERIFY: ("two_factor_verify", "two_factor_recovery", "logout"),
        twofactor.SETUP: ("two_factor_setup", "logout"),
    }

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = getattr(request, "session", None)
        if session is None or not request.user.is_authenticated:
            return self.get_response(request)
        step = session.get(twofactor.SESSION_KEY)
        if step:
            return self._hold(request, step) or self.get_response(request)
        # OTPMiddleware sets otp_device to None when the device it was verified with is gone.
        device_gone = getattr(request.user, "otp_device", False) is None
        if device_gone and session.get(twofactor.DONE_SESSION_KEY):
            logout(request)
            messages.info(
                request, _("Your two-factor sign-in was reset. Sign in again to set it up.")
            )
            return redirect_to_login(request.get_full_path())
        return self.get_response(request)

    def _hold(self, request, step):
        allowed = self.ALLOWED.get(step, ())
        path = request.path
        if path in {reverse(name) for name in allowed} or request.path_info.startswith(
            self.OPEN_PREFIXES
        ):
            return None
        target = reverse("two_factor_verify" if step == twofactor.VERIFY else "two_factor_setup")
        if path.startswith("/accounts/"):
            code = (
                "auth.two_factor_setup_refused"
                if path == reverse("two_factor_setup")
                else "auth.two_factor_step_refused"
            )
            with transaction.atomic():
                record_event(
                    code,
                    actor=request.user,
                    target=request.user,
                    extra={"step": step, "path": path[:200]},
                )
            # Whatever the refused page's own next was, come back to it after the code.
            next_url = request.GET.get("next") or "/"
        else:
            next_url = request.get_full_path()
        return redirect(f"{target}?next={quote(next_url)}")
