"""Two-factor sign-in pages: give the code from the authenticator app (or a recovery code),
or enrol an app. The rules live in core.twofactor; core.middleware.TwoFactorMiddleware keeps a
user who still owes a step on these pages."""

import base64
import io
from urllib.parse import quote

import django_otp
import qrcode
import qrcode.image.svg
from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache

from . import twofactor


class TokenForm(forms.Form):
    token = forms.RegexField(
        label=gettext_lazy("Six-digit code from your authenticator app"),
        regex=r"^\s*\d{6}\s*$",
        error_messages={"invalid": gettext_lazy("Enter the six digits the app shows.")},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )


class RecoveryForm(forms.Form):
    code = forms.RegexField(
        label=gettext_lazy("Recovery code"),
        regex=r"^[\sA-Za-z2-7-]{16,40}$",
        max_length=40,
        error_messages={
            "invalid": gettext_lazy(
                "Enter a recovery code as it was given, for example abcd-efgh-ijkl-mnop."
            )
        },
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "none", "spellcheck": "false"}
        ),
    )


def _next_url(request):
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(candidate, allowed_hosts={request.get_host()}):
        return candidate
    return "/"


def _refusal_message(reason: str) -> str:
    if reason == "throttled":
        return _("Too many wrong codes: wait a few seconds, then try the current one.")
    return _("That code is not right or has expired. Try the current one.")


def _finish(request, device):
    """The second factor is given: mark the session verified, under a new session key."""
    django_otp.login(request, device)
    request.session.pop(twofactor.SESSION_KEY, None)
    request.session[twofactor.DONE_SESSION_KEY] = True
    request.session.cycle_key()


@never_cache
def two_factor_verify(request):
    if not twofactor.has_confirmed_device(request.user):
        return redirect("two_factor_setup")
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device = twofactor.verify_sign_in_code(
                user=request.user, token=form.cleaned_data["token"].strip()
            )
        except twofactor.CodeRefused as refused:
            form.add_error("token", _refusal_message(refused.reason))
        else:
            _finish(request, device)
            return redirect(_next_url(request))
    return render(
        request, "registration/two_factor_verify.html", {"form": form, "next": _next_url(request)}
    )


@never_cache
def two_factor_recovery(request):
    """Sign in with a one-time recovery code instead of the app's code (a lost phone)."""
    if not twofactor.has_confirmed_device(request.user):
        return redirect("two_factor_setup")
    form = RecoveryForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device, left = twofactor.use_recovery_code(
                user=request.user, code=form.cleaned_data["code"]
            )
        except twofactor.CodeRefused as refused:
            if refused.reason == "throttled":
                form.add_error("code", _refusal_message(refused.reason))
            else:
                form.add_error(
                    "code", _("That recovery code is not right or has already been used.")
                )
        else:
            _finish(request, device)
            messages.warning(
                request,
                _(
                    "You signed in with a recovery code; %(left)s left. If you lost your phone, "
                    "ask an administrator to reset your two-factor sign-in."
                )
                % {"left": left},
            )
            return redirect(_next_url(request))
    return render(
        request, "registration/two_factor_recovery.html", {"form": form, "next": _next_url(request)}
    )


@never_cache
def two_factor_setup(request):
    step = request.session.get(twofactor.SESSION_KEY)
    if twofactor.has_confirmed_device(request.user):
        # A new secret is never handed to an enrolled user: not while a code is owed (the
        # password alone would otherwise get in), and not afterwards (a second device would
        # need a fresh code from the first; a lost phone is replaced by an administrator).
        twofactor.refuse_setup(user=request.user, step=step)
        if step == twofactor.VERIFY:
            return redirect(f"{reverse('two_factor_verify')}?next={quote(_next_url(request))}")
        messages.info(
            request,
            _(
                "Two-factor sign-in is already on for your account. To use a new phone, ask an "
                "administrator to reset your two-factor sign-in."
            ),
        )
        return redirect("home")
    device = twofactor.unconfirmed_device(request.user)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device, codes = twofactor.confirm_enrolment(
                user=request.user, token=form.cleaned_data["token"].strip()
            )
        except twofactor.CodeRefused as refused:
            form.add_error("token", _refusal_message(refused.reason))
        else:
            _finish(request, device)
            # Shown in this answer only: the plain codes are not stored anywhere.
            return render(
                request,
                "registration/two_factor_recovery_codes.html",
                {"codes": codes, "next": _next_url(request)},
            )
    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = io.BytesIO()
    image.save(buffer)
    svg = buffer.getvalue().decode().split("?>", 1)[-1]  # drop the XML declaration
    return render(
        request,
        "registration/two_factor_setup.html",
        {
            "form": form,
            "next": _next_url(request),
            "base32": _base32(device.bin_key),
            "qr_svg": mark_safe(svg),  # noqa: S308 (generated by qrcode from our own key)
            "required": step == twofactor.SETUP,
        },
    )


@never_cache
def two_factor_recovery_codes(request):
    """New recovery codes for an enrolled, signed-in user, against a fresh code of the app."""
    if not twofactor.has_confirmed_device(request.user):
        return redirect("two_factor_setup")
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            codes = twofactor.renew_recovery_codes(
                user=request.user, token=form.cleaned_data["token"].strip()
            )
        except twofactor.CodeRefused as refused:
            form.add_error("token", _refusal_message(refused.reason))
        else:
            return render(
                request,
                "registration/two_factor_recovery_codes.html",
                {"codes": codes, "next": reverse("home")},
            )
    return render(request, "registration/two_factor_renew_codes.html", {"form": form})


def _base32(key: bytes) -> str:
    text = base64.b32encode(key).decode().rstrip("=")
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))
