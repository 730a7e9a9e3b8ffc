"""The landing page sends each role where its work is; friendly error pages."""

import logging
import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, HttpResponseServerError
from django.shortcuts import redirect, render
from django.template import loader
from django.views.decorators.csrf import requires_csrf_token

from committee.selectors import get_next_meeting_for
from directory.roles import Role
from plans.models import PlanVersion
from proposals.selectors import get_current_round

security_log = logging.getLogger("budgetscreen.security")


def log_denial(request, status):
    """One line per refused request: who (user id only), what (method, path), the answer.

    No personal data beyond the user id: no names, no query strings, no form contents.
    """
    user = getattr(request, "user", None)
    user_id = user.pk if user is not None and user.is_authenticated else None
    security_log.warning(
        "denied status=%s user=%s method=%s path=%s", status, user_id, request.method, request.path
    )


def home(request):
    """Each role lands on the page made for it (PRODUCT.md §2)."""
    user = request.user
    if user.has_role(Role.SUBMITTER):
        return redirect("proposals:list")
    if user.has_role(Role.SCREENER):
        return redirect("screening:inbox")
    if user.has_role(Role.COMMITTEE, Role.SECRETARY):
        meeting = get_next_meeting_for(user)
        return redirect(meeting.get_absolute_url() if meeting else "committee:list")
    if user.has_role(Role.BUDGET_OFFICE):
        # The newest plan that has been published; else the newest with approved projects.
        latest = PlanVersion.objects.select_related("round").order_by("-round__fiscal_year").first()
        current = latest.round if latest else get_current_round(with_plan=True)
        return redirect(current.get_absolute_url() if current else "plans:index")
    if user.has_role(Role.ADMIN) and user.is_staff:
        return redirect("admin:index")
    log_denial(request, 403)
    return render(request, "home_no_role.html", status=403)


def permission_denied(request, exception=None):
    log_denial(request, 403)
    return render(request, "errors/403.html", status=403)


def page_not_found(request, exception=None):
    log_denial(request, 404)
    return render(request, "errors/404.html", status=404)


@requires_csrf_token
def server_error(request):
    """Rendered without context processors: the database may be the thing that failed.

    A database that fails outside a view (in a middleware, loading the session or the user)
    arrives here rather than at FaultPagesMiddleware; it still gets the database page.
    """
    error = sys.exc_info()[1]
    if isinstance(error, OperationalError | InterfaceError):
        response = HttpResponse(loader.render_to_string("errors/503_database.html"), status=503)
        response["Retry-After"] = "30"
        return response
    return HttpResponseServerError(loader.render_to_string("errors/500.html"))
