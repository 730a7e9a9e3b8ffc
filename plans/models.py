"""Published versions of a round's consolidated plan."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from proposals.models import PlanRound


class PlanVersion(models.Model):
    """An immutable snapshot of the approved projects, with a checksum of its content."""

    round = models.ForeignKey(
        PlanRound, verbose_name=_("round"), on_delete=models.PROTECT, related_name="plan_versions"
    )
    number = models.PositiveSmallIntegerField(_("version"))
    snapshot = models.JSONField(_("content"))
    checksum = models.CharField(_("checksum (SHA-256)"), max_length=64)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    published_at = models.DateTimeField(_("published"), default=timezone.now)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("plan version")
        verbose_name_plural = _("plan versions")
        ordering = ["round", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["round", "number"], name="plan_version_unique")
        ]

    def __str__(self):
        return f"{self.round.fiscal_year} v{self.number}"
