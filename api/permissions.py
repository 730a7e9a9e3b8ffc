"""Who may do what through the API: the pages' own permission functions, behind the token's
scope. A read-only token never writes, whatever its user could do in the pages."""

from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _
from rest_framework import permissions

from directory.models import User
from execution.permissions import can_view_progress
from plans.permissions import can_view_plan
from proposals.permissions import can_create_proposal

from .models import ApiToken

if TYPE_CHECKING:  # DRF reads this module while rest_framework.views is being imported
    from rest_framework.request import Request
    from rest_framework.views import APIView


def token_may_write(token: ApiToken) -> bool:
    return token.can_write


def can_read_plans(user: User) -> bool:
    """The published plans: the plan pages' readers (every role but the agencies')."""
    return can_view_plan(user)


def can_read_progress(user: User) -> bool:
    return can_view_progress(user)


def can_write_drafts(user: User) -> bool:
    """Drafts are written by an agency's submitter, as in the form."""
    return can_create_proposal(user)


class TokenScopePermission(permissions.BasePermission):
    """Signed in with a token; writing (any unsafe method) needs a token of scope write."""

    message = _("This token may only read: writing needs a token of scope “write”.")

    def has_permission(self, request: "Request", view: "APIView") -> bool:
        token = request.auth
        if not isinstance(token, ApiToken):
            return False
        return request.method in permissions.SAFE_METHODS or token_may_write(token)


class PlanReader(permissions.BasePermission):
    message = _("Your role may not read the plans.")

    def has_permission(self, request: "Request", view: "APIView") -> bool:
        user = request.user
        return isinstance(user, User) and can_read_plans(user)


class ProgressReader(permissions.BasePermission):
    message = _("Your role may not read the progress of the plans.")

    def has_permission(self, request: "Request", view: "APIView") -> bool:
        user = request.user
        return isinstance(user, User) and can_read_progress(user)


class DraftWriter(permissions.BasePermission):
    """Writing proposals: an agency's submitter (reads stay open to whoever may read)."""

    message = _("Only an agency's submitter may write proposals.")

    def has_permission(self, request: "Request", view: "APIView") -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        user = request.user
        return isinstance(user, User) and can_write_drafts(user)
