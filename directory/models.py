"""Who is who: ministries, agencies and the people who use budgetscreen."""

from functools import cached_property

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from .roles import STAFF_ROLES, TWO_FACTOR_ROLES, Role


class BilingualName(models.Model):
    """A Thai name (shown by default) and an optional English one."""

    name_th = models.CharField(_("name (Thai)"), max_length=255)
    name_en = models.CharField(_("name (English)"), max_length=255, blank=True)

    class Meta:
        abstract = True

    def __str__(self):
        return self.name

    @property
    def name(self):
        if self.name_en and (get_language() or "th").startswith("en"):
            return self.name_en
        return self.name_th


class Ministry(BilingualName):
    code = models.SlugField(_("code"), max_length=32, unique=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("ministry")
        verbose_name_plural = _("ministries")
        ordering = ["order", "name_th"]


class Agency(BilingualName):
    """A government agency (กรม, สำนักงาน, องค์การมหาชน …); the ministry is optional."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    ministry = models.ForeignKey(
        Ministry,
        verbose_name=_("ministry"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="agencies",
    )
    abbreviation = models.CharField(_("abbreviation"), max_length=32, blank=True)

    class Meta:
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")
        ordering = ["name_th"]
        constraints = [models.UniqueConstraint(fields=["name_th"], name="agency_unique_thai_name")]


class User(AbstractUser):
    """A person. Submitters belong to exactly one agency; DGA staff and committee to none."""

    agency = models.ForeignKey(
        Agency,
        verbose_name=_("agency"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
    )
    position = models.CharField(_("position"), max_length=255, blank=True)
    phone = models.CharField(_("phone"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self):
        return self.get_full_name() or self.username

    @cached_property
    def roles(self) -> frozenset[str]:
        """The user's roles, read once per request (one query)."""
        if not self.is_authenticated or not self.is_active:
            return frozenset()
        names = set(self.groups.values_list("name", flat=True))
        if self.is_superuser:
            names.add(Role.ADMIN)
        return frozenset(name for name in names if name in Role.values)

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))

    @property
    def is_dga_staff(self) -> bool:
        return bool(self.roles & STAFF_ROLES)

    @property
    def requires_two_factor(self) -> bool:
        """Must enrol in two-factor sign-in when TWO_FACTOR_REQUIRED is on (``core.twofactor``
        asks the user model, so that core names no role)."""
        return self.is_superuser or bool(self.roles & TWO_FACTOR_ROLES)
