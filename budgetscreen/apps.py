from django.apps import AppConfig


class BudgetscreenConfig(AppConfig):
    name = "budgetscreen"
    verbose_name = "budgetscreen"
