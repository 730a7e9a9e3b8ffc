"""Faults of the machine get a clear page in Thai and English, never a stack trace."""

import logging

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template.loader import render_to_string

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
