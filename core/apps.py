from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = _("Shared ground")

    def ready(self):
        from . import checks, signals  # noqa: F401  (registers checks and signal receivers)
