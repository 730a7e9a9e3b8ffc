from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExecutionConfig(AppConfig):
    name = "execution"
    verbose_name = _("Execution")

    def ready(self):
        # plans sits below this app and may not import it: publishing a plan version announces
        # itself (plans.signals.plan_published, sent inside the publishing transaction) and the
        # receiver only calls this app's service, so the projects start in the same transaction.
        from plans.signals import plan_published

        from .services import start_projects_on_publish

        plan_published.connect(start_projects_on_publish, dispatch_uid="execution.start_projects")
