"""Sign-in protection around django-axes: the client's real address, and a per-username lock.

django-axes locks a username *from one address* for a cool-off (AXES_FAILURE_LIMIT failures).
Behind the reverse proxy every request comes from the proxy's address, so ``client_ip`` reads
X-Forwarded-For, but only when the request comes from one of settings.TRUSTED_PROXIES. Axes
has a single failure limit for all its lockout parameters, so the second limit, on a username
from any address (ACCOUNT_LOCK_FAILURE_LIMIT failures within ACCOUNT_LOCK_WINDOW), lives here:
it counts axes' own failure log and locks the username until an administrator unlocks it.

The lock and the unlock are audit events (``auth.account_locked``, ``auth.account_unlocked``)
keyed on the username as typed, whether or not such a user exists: the answer a caller gets
never depends on the username existing. The latest of the two events is the lock's state, so
that no new table is needed and every change of state is in the audit trail by construction.
"""

from __future__ import annotations

import ipaddress

from axes.handlers.database import AxesDatabaseHandler
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_client_username, get_cool_off
from axes.models import AccessFailureLog
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from .audit import record_event
from .models import AuditEvent
from .notifications import notify_users

LOCKED = "auth.account_locked"
UNLOCKED = "auth.account_unlocked"

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


# --- the client's address ---------------------------------------------------------------------


def _parse(value: str) -> Address | None:
    try:
        address = ipaddress.ip_address(value.strip())
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


def _trusted_networks() -> list:
    return [ipaddress.ip_network(entry.strip(), strict=False) for entry in settings.TRUSTED_PROXIES]


def client_ip(request: HttpRequest) -> str | None:
    """The address of the client (django-axes' AXES_CLIENT_IP_CALLABLE, and the audit trail's).

    REMOTE_ADDR, unless it is a trusted proxy: then X-Forwarded-For is read from the right
    (each proxy appends the address it saw) and the first address that is not a trusted proxy
    is the client's. Whatever a client writes into the header itself lies to the left of that
    address and is never read; the header of an untrusted sender is ignored altogether.
    """
    remote = _parse(request.META.get("REMOTE_ADDR", ""))
    networks = _trusted_networks()

    def trusted(address: Address) -> bool:
        return any(address in network for network in networks)

    if remote is None or not trusted(remote):
        return str(remote) if remote is not None else None
    closest = remote
    hops = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
    for hop in reversed(hops):
        address = _parse(hop)
        if address is None:
            break  # not an address: the hop that passed it on is the last one we can name
        if not trusted(address):
            return str(address)
        closest = address
    return str(closest)


# --- the per-username lock --------------------------------------------------------------------


def _latest_lock_event(username: str) -> tuple[str, object] | None:
    return (
        AuditEvent.objects.filter(code__in=(LOCKED, UNLOCKED), extra__username=username)
        .order_by("-id")
        .values_list("code", "created_at")
        .first()
    )


def is_username_locked(username: str | None) -> bool:
    """Whether sign-in with this username is locked until an administrator unlocks it."""
    if not username:
        return False
    latest = _latest_lock_event(username)
    return latest is not None and latest[0] == LOCKED


def note_failed_sign_in(*, username: str | None, address: str | None) -> bool:
    """Count a failed sign-in (already in axes' failure log) and lock the username if needed.

    Failures from every address within settings.ACCOUNT_LOCK_WINDOW count, but none from
    before the last unlock. Reaching settings.ACCOUNT_LOCK_FAILURE_LIMIT writes the
    ``auth.account_locked`` event and tells the account's owner, if there is one. Returns
    whether the username is locked now.
    """
    if not username:
        return False
    with transaction.atomic():
        latest = _latest_lock_event(username)
        if latest is not None and latest[0] == LOCKED:
            return True
        since = timezone.now() - settings.ACCOUNT_LOCK_WINDOW
        if latest is not None:
            since = max(since, latest[1])
        failures = AccessFailureLog.objects.filter(
            username=username, attempt_time__gt=since
        ).count()
        if failures < settings.ACCOUNT_LOCK_FAILURE_LIMIT:
            return False
        user = get_user_model().objects.filter(username=username).first()
        record_event(
            LOCKED,
            target=user,
            extra={"username": username, "failures": failures, "address": address or ""},
        )
        if user is not None:
            notify_users(
                [user],
                subject=_("Your account was locked after repeated failed sign-ins"),
                body=_(
                    "Someone entered a wrong password for your account %(count)s times within "
                    "an hour, so signing in is locked. Ask the system administrator to unlock "
                    "it; if you did not try to sign in, tell them so."
                )
                % {"count": failures},
            )
    return True


def unlock_username(*, username: str, actor=None) -> bool:
    """Unlock a username locked by ``note_failed_sign_in`` and clear its per-address locks.

    Writes ``auth.account_unlocked`` (the acting administrator, or none for the command line).
    Returns False, and changes nothing, if the username was not locked.
    """
    with transaction.atomic():
        if not is_username_locked(username):
            return False
        user = get_user_model().objects.filter(username=username).first()
        record_event(UNLOCKED, actor=actor, target=user, extra={"username": username})
        AxesProxyHandler.reset_attempts(username=username)
    return True


class SignInLockHandler(AxesDatabaseHandler):
    """django-axes' database handler (per username and address) plus the per-username lock."""

    def is_locked(self, request, credentials: dict | None = None) -> bool:
        if super().is_locked(request, credentials):
            return True
        return is_username_locked(get_client_username(request, credentials))

    def user_login_failed(self, sender, credentials: dict, request=None, **kwargs):
        super().user_login_failed(sender, credentials, request, **kwargs)
        if request is None or self.is_whitelisted(request, credentials):
            return
        username = get_client_username(request, credentials)
        if note_failed_sign_in(username=username, address=request.axes_ip_address):
            request.axes_locked_out = True
            request.axes_credentials = credentials

    def remove_out_of_limit_failure_logs(self, *, username: str, limit: int | None = None) -> int:
        """Keep a username's newest failures (axes drops them in the table's unspecified order,
        which could drop the very ones the per-username lock counts)."""
        if limit is None:
            limit = settings.AXES_ACCESS_FAILURE_LOG_PER_USER_LIMIT
        failures = AccessFailureLog.objects.filter(username=username)
        newest_dropped = failures.order_by("-id").values_list("id", flat=True)[limit : limit + 1]
        newest_dropped = next(iter(newest_dropped), None)
        if newest_dropped is None:
            return 0
        count, _ = failures.filter(id__lte=newest_dropped).delete()
        return count


def lockout_response(request, original_response=None, credentials=None) -> HttpResponse:
    """The page for a refused sign-in (AXES_LOCKOUT_CALLABLE).

    It depends only on the username as typed, never on whether that user exists.
    """
    username = get_client_username(request, credentials)
    cool_off = get_cool_off(request)
    context = {
        "account_locked": is_username_locked(username),
        "cooloff_minutes": int(cool_off.total_seconds() // 60) if cool_off else None,
    }
    return render(
        request, settings.AXES_LOCKOUT_TEMPLATE, context, status=settings.AXES_HTTP_RESPONSE_CODE
    )
