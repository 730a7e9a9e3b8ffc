"""Errors as JSON, in the language of ``Accept-Language`` (Thai or English)."""

from rest_framework import exceptions, status
from rest_framework.views import exception_handler as drf_exception_handler

from core.errors import DomainError
from proposals.services import IncompleteProposalError, StaleProposalError


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"


class PreconditionFailed(exceptions.APIException):
    """A stale ``If-Match``: HTTP's own answer, where a stale ``version`` field gets 409."""

    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_code = "precondition_failed"


class PreconditionRequired(exceptions.APIException):
    status_code = status.HTTP_428_PRECONDITION_REQUIRED
    default_code = "precondition_required"


def exception_handler(exc, context):
    """DRF's handler, taught the domain errors: a stale version is 409 with the current
    version, an incomplete proposal 400 with every problem, any other refusal 409 (or 400
    naming its field)."""
    if isinstance(exc, StaleProposalError):
        current = exc.current.lock_version if exc.current is not None else None
        answer = PreconditionFailed if getattr(exc, "if_match", False) else Conflict
        response = drf_exception_handler(answer(str(exc)), context)
        if response is not None:
            response.data["current_version"] = current
        return response
    if isinstance(exc, IncompleteProposalError):
        exc = exceptions.ValidationError({"detail": str(exc), "problems": exc.problems})
    elif isinstance(exc, DomainError) and exc.field:
        exc = exceptions.ValidationError({exc.field: [str(exc)]})
    elif isinstance(exc, DomainError):
        exc = Conflict(str(exc))
    return drf_exception_handler(exc, context)
