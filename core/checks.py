"""System checks that tell an operator what the machine lacks, before a user finds out."""

from django.core.checks import Warning, register


@register()
def weasyprint_available(app_configs, **kwargs):
    from core.pdf import WEASYPRINT_ERROR

    if WEASYPRINT_ERROR is None:
        return []
    return [
        Warning(
            f"WeasyPrint cannot load a system library ({WEASYPRINT_ERROR}); PDF downloads will "
            "answer with an explanation instead of a file.",
            hint="Install Pango: apt-get install libpango-1.0-0 libpangoft2-1.0-0",
            id="budgetscreen.W001",
        )
    ]
