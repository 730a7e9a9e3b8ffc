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


@register()
def trusted_proxies_valid(app_configs, **kwargs):
    """Every entry of TRUSTED_PROXIES must be an address or a network, or sign-in would fail."""
    import ipaddress

    from django.conf import settings
    from django.core.checks import Error

    errors = []
    for entry in settings.TRUSTED_PROXIES:
        try:
            ipaddress.ip_network(entry.strip(), strict=False)
        except ValueError:
            errors.append(
                Error(
                    f"TRUSTED_PROXIES holds {entry!r}, which is not an IP address or network.",
                    hint="Give the reverse proxy's address, e.g. TRUSTED_PROXIES=10.0.0.5",
                    id="budgetscreen.E010",
                )
            )
    return errors
