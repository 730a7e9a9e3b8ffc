"""Shared ground: the append-only audit trail and in-app notifications."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEvent(models.Model):
    """One thing that happened, never updated or deleted.

    Each row carries its place in the chain (``seq``: 1, 2, 3… without gaps), the hash of the
    row before it (``prev_hash``) and its own (``hash``, keyed: see core/audit.py), so that
    ``manage.py verify_audit`` notices a row changed or removed behind the application's back.
    """

    class Scheme(models.IntegerChoices):
        # Events written before the chain was keyed; verified as they were written.
        SHA256 = 1, "SHA-256"
        HMAC_SHA256 = 2, "HMAC-SHA256"

    code = models.CharField(_("event"), max_length=64, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    target_type = models.CharField(_("target type"), max_length=64, blank=True)
    target_id = models.CharField(_("target id"), max_length=64, blank=True)
    extra = models.JSONField(_("details"), default=dict, blank=True)
    created_at = models.DateTimeField(_("time"), db_index=True)
    seq = models.PositiveBigIntegerField(_("sequence number"), unique=True)
    scheme = models.PositiveSmallIntegerField(choices=Scheme, default=Scheme.HMAC_SHA256)
    prev_hash = models.CharField(max_length=64, blank=True)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["id"]
        indexes = [models.Index(fields=["target_type", "target_id"])]

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.code} {self.target_type}:{self.target_id}"


class Notification(models.Model):
    """A message shown in a user's in-app list (and usually e-mailed too)."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    subject = models.CharField(_("subject"), max_length=300)
    body = models.TextField(_("message"), blank=True)
    link = models.CharField(_("link"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("time"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at"])]

    def __str__(self):
        return self.subject


class ExternalIdentity(models.Model):
    """An account at an OpenID Connect provider, linked to one user by an administrator.

    ``claim`` names the ID token claim the ``value`` was read from (``sub``, ``email`` …: the
    OIDC_IDENTITY_CLAIM setting when it was linked), so that changing the setting never matches
    an old link by accident. A sign-in whose identity has no row here gets no account.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="external_identities",
    )
    issuer = models.CharField(_("issuer"), max_length=255)
    claim = models.CharField(_("claim"), max_length=64, default="sub")
    value = models.CharField(_("claim value"), max_length=255)
    created_at = models.DateTimeField(_("linked at"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last sign-in"), null=True, blank=True)

    class Meta:
        verbose_name = _("external identity")
        verbose_name_plural = _("external identities")
        ordering = ["issuer", "value"]
        constraints = [
            models.UniqueConstraint(
                fields=["issuer", "claim", "value"], name="external_identity_unique"
            )
        ]

    def __str__(self):
        return f"{self.value} ({self.claim} @ {self.issuer})"
