"""The roles of PRODUCT.md §2. Each is a Django group of the same name."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    SUBMITTER = "submitter", _("Agency submitter")
    SCREENER = "screener", _("DGA screener")
    SECRETARY = "secretary", _("Committee secretary")
    COMMITTEE = "committee", _("Committee member")
    BUDGET_OFFICE = "budget_office", _("Bureau of the Budget")
    ADMIN = "admin", _("System administrator")


# DGA staff see every proposal.
STAFF_ROLES = frozenset({Role.SCREENER, Role.SECRETARY, Role.ADMIN})
