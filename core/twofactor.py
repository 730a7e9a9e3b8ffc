"""Two-factor sign-in with TOTP (django-otp): who must give a code, enrolment, recovery codes.

Rules (issue 13.1):
- A user with a confirmed authenticator device is always asked for its code, in production and
  in the demo alike, and may not enrol another device: setting up a new secret is offered only
  to a user with no confirmed device. There is no self-service second device; a lost phone is
  replaced by an administrator's reset (``reset_devices``), after which the user enrols again.
- At enrolment the user gets ``RECOVERY_CODE_COUNT`` one-time recovery codes (django-otp's
  ``otp_static`` plugin). Only a SHA-256 digest of each code is stored, so the database (or a
  backup of it) does not hold usable codes; each code works once.
- Every code check locks the device row, so that two requests cannot both spend the same TOTP
  code or recovery code, and every refusal is written to the audit trail.
"""

import base64
import hashlib
import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from .audit import record_event

SESSION_KEY = "two_factor_pending"
# Set once the second factor is given: if the device behind it later disappears (an admin reset),
# the session is ended (see core.middleware.TwoFactorMiddleware).
DONE_SESSION_KEY = "two_factor_done"
VERIFY, SETUP = "verify", "setup"
RECOVERY_CODE_COUNT = 10
RECOVERY_DEVICE_NAME = "recovery codes"


class CodeRefused(Exception):
    """A code was not accepted. ``reason`` is one of: "wrong", "throttled", "no_device",
    "already_enrolled"."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def confirmed_device(user):
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("id").first()


def has_confirmed_device(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def pending_step(user) -> str | None:
    """What a user who has just given the right password still owes: a code, an enrolment,
    or nothing. Computed once at sign-in and kept in the session."""
    if has_confirmed_device(user):
        return VERIFY
    # Who must enrol is the user model's to say (directory.roles.TWO_FACTOR_ROLES: everyone who
    # sees or decides beyond their own agency's proposals); core names no role.
    if settings.TWO_FACTOR_REQUIRED and user.requires_two_factor:
        return SETUP
    return None


def unconfirmed_device(user) -> TOTPDevice:
    """The device being enrolled (one per user until confirmed). Callers must first make sure
    the user has no confirmed device: a new secret is never handed to an enrolled user."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("id").first()
    return device or TOTPDevice.objects.create(user=user, name="budgetscreen", confirmed=False)


def normalise_recovery_code(code: str) -> str:
    return "".join(ch for ch in code.lower() if ch.isalnum())


def _recovery_digest(code: str) -> str:
    """What is stored for a recovery code: 16 base32 characters (80 bits) of its SHA-256, which
    fits otp_static's 16-character token column. The codes carry 80 random bits each, so an
    unsalted fast hash is enough: there is no dictionary to try."""
    digest = hashlib.sha256(normalise_recovery_code(code).encode()).digest()
    return base64.b32encode(digest).decode().lower()[:16]


def _new_recovery_code() -> str:
    text = base64.b32encode(secrets.token_bytes(10)).decode().lower()  # 16 characters, 80 bits
    return "-".join(text[i : i + 4] for i in range(0, 16, 4))


def _issue_recovery_codes(user) -> list[str]:
    """Replace the user's recovery codes with fresh ones. Runs inside the enrolment's
    transaction; the plain codes are returned to be shown once and are never stored."""
    # The device is kept (only its tokens go): a session verified with a recovery code names it.
    device = StaticDevice.objects.filter(user=user).order_by("id").first()
    if device is None:
        device = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME, confirmed=True)
    StaticToken.objects.filter(device__user=user).delete()
    codes = [_new_recovery_code() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(
        StaticToken(device=device, token=_recovery_digest(c)) for c in codes
    )
    return codes


def _try(device, token) -> str | None:
    """None if the device accepts the token, else the reason. django-otp records the attempt
    (throttling after a wrong code; last_t after a right TOTP code, so it cannot be replayed;
    deletion of a spent recovery code)."""
    if device is None:
        return "no_device"
    allowed, _details = device.verify_is_allowed()
    if not allowed:
        return "throttled"
    return None if device.verify_token(token) else "wrong"


def _try_app_code(*, user, token: str, confirmed: bool, step: str = ""):
    """Lock the user's app device (the confirmed one, or the one being enrolled) and try the
    code: ``(device, None)`` when it is right, else ``(device, reason)`` with the refusal audited
    as ``auth.two_factor_failed``. Call inside the transaction that records the success."""
    device = (
        TOTPDevice.objects.select_for_update()
        .filter(user=user, confirmed=confirmed)
        .order_by("id")
        .first()
    )
    reason = _try(device, token)
    if reason is not None:
        extra = {"reason": reason, "step": step} if step else {"reason": reason}
        record_event("auth.two_factor_failed", actor=user, target=user, extra=extra)
    return device, reason


def verify_sign_in_code(*, user, token: str) -> TOTPDevice:
    """Check the code of the user's own authenticator app. Raises CodeRefused."""
    with transaction.atomic():
        device, reason = _try_app_code(user=user, token=token, confirmed=True)
        if reason is None:
            record_event("auth.two_factor_verified", actor=user, target=user)
    # The throttling counter is committed with the audit event before the refusal is raised.
    if reason is not None:
        raise CodeRefused(reason)
    return device


def use_recovery_code(*, user, code: str) -> tuple[StaticDevice, int]:
    """Spend one of the user's recovery codes. Returns the device and how many codes are left.
    Raises CodeRefused."""
    with transaction.atomic():
        device = None
        if has_confirmed_device(user):  # recovery codes stand in for an enrolled app only
            device = (
                StaticDevice.objects.select_for_update().filter(user=user).order_by("id").first()
            )
        reason = _try(device, _recovery_digest(code)) if normalise_recovery_code(code) else "wrong"
        left = device.token_set.count() if device is not None else 0
        if reason is None:
            record_event(
                "auth.two_factor_recovery_used", actor=user, target=user, extra={"left": left}
            )
        else:
            record_event(
                "auth.two_factor_recovery_failed", actor=user, target=user, extra={"reason": reason}
            )
    if reason is not None:
        raise CodeRefused(reason)
    return device, left


def refuse_setup(*, user, step: str | None) -> None:
    """Audit an attempt to enrol a new secret by a user who already has a confirmed device."""
    with transaction.atomic():
        record_event(
            "auth.two_factor_setup_refused", actor=user, target=user, extra={"step": step or ""}
        )


def confirm_enrolment(*, user, token: str) -> tuple[TOTPDevice, list[str]]:
    """Confirm the device being enrolled with a code from it, and issue recovery codes.
    Raises CodeRefused, also when the user already has a confirmed device."""
    with transaction.atomic():
        # One enrolment at a time per user: the user row is the lock.
        get_user_model().objects.select_for_update().filter(pk=user.pk).first()
        if has_confirmed_device(user):
            record_event(
                "auth.two_factor_setup_refused", actor=user, target=user, extra={"step": "confirm"}
            )
            reason, codes = "already_enrolled", []
        else:
            device, reason = _try_app_code(user=user, token=token, confirmed=False, step="setup")
            if reason is None:
                device.confirmed = True
                device.save(update_fields=["confirmed"])
                # Any other half-enrolled secret is dropped: only the confirmed one counts.
                TOTPDevice.objects.filter(user=user, confirmed=False).delete()
                codes = _issue_recovery_codes(user)
                record_event("auth.two_factor_enrolled", actor=user, target=user)
    if reason is not None:
        raise CodeRefused(reason)
    return device, codes


def renew_recovery_codes(*, user, token: str) -> list[str]:
    """Replace the recovery codes of an enrolled user (those enrolled before recovery codes
    existed, or who spent them), against a fresh code of the app: a code already used, for the
    sign-in say, is refused. Raises CodeRefused."""
    with transaction.atomic():
        _device, reason = _try_app_code(
            user=user, token=token, confirmed=True, step="recovery_codes"
        )
        if reason is None:
            codes = _issue_recovery_codes(user)
            record_event("auth.two_factor_recovery_renewed", actor=user, target=user)
    if reason is not None:
        raise CodeRefused(reason)
    return codes


def reset_devices(*, user, actor) -> int:
    """An administrator removes a user's authenticator devices and recovery codes (a lost
    phone). The user enrols again at the next sign-in; a session verified with a removed device
    is ended at its next request. Returns how many devices were removed."""
    with transaction.atomic():
        totp = TOTPDevice.objects.filter(user=user).count()
        static = StaticDevice.objects.filter(user=user).count()
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()  # its tokens go with it (CASCADE)
        record_event(
            "auth.two_factor_reset",
            actor=actor,
            target=user,
            extra={"devices": totp, "recovery": static},
        )
    return totp + static


def record_provider_mfa(*, user, amr: list[str], acr: str) -> None:
    """Audit a sign-in whose second factor the OpenID Connect provider asked for (its ``amr``
    or ``acr`` claim said so: core.sso.provider_did_mfa), so the app's code was not asked."""
    with transaction.atomic():
        record_event(
            "auth.two_factor_by_provider", actor=user, target=user, extra={"amr": amr, "acr": acr}
        )
