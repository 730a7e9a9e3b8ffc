"""Two-factor sign-in with TOTP (django-otp): who must give a code, and enrolment."""

from django.conf import settings
from django_otp.plugins.otp_totp.models import TOTPDevice

from directory.roles import Role

SESSION_KEY = "two_factor_pending"
VERIFY, SETUP = "verify", "setup"
# Everyone who sees or decides beyond their own agency's proposals.
REQUIRED_ROLES = frozenset({Role.SCREENER, Role.SECRETARY, Role.COMMITTEE, Role.ADMIN})


def confirmed_device(user):
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("id").first()


def pending_step(user) -> str | None:
    """What a user who has just given the right password still owes: a code, an enrolment,
    or nothing. Computed once at sign-in and kept in the session."""
    if confirmed_device(user) is not None:
        return VERIFY
    if settings.TWO_FACTOR_REQUIRED and (user.is_superuser or user.has_role(*REQUIRED_ROLES)):
        return SETUP
    return None


def unconfirmed_device(user) -> TOTPDevice:
    """The device being enrolled (one per user until confirmed)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("id").first()
    return device or TOTPDevice.objects.create(user=user, name="budgetscreen", confirmed=False)
