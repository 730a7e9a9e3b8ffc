from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlansConfig(AppConfig):
    name = "plans"
    verbose_name = _("Integrated plans")

    def ready(self):
        from . import receivers  # noqa: F401 (connects the round summary's receivers)
