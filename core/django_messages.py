"""Django's own form messages that Django's Thai catalogue leaves untranslated.

Django looks every message up in each installed app's catalogue too, so listing the msgids here
(nothing calls these) keeps them in core's catalogue, where they have their Thai. Without it a
NUL byte, a 10,000-character title or a tampered formset is refused in English.
"""

from django.utils.translation import gettext_noop, ngettext_lazy

SINGLE = [
    gettext_noop("Null characters are not allowed."),
    gettext_noop("ManagementForm data is missing or has been tampered with"),
    gettext_noop("(Hidden field %(name)s) %(error)s"),
    gettext_noop("“%(pk)s” is not a valid value."),
    gettext_noop("Enter a valid integer."),
    gettext_noop("Enter a complete value."),
]

PLURAL = [
    ngettext_lazy(
        "Ensure this value has at most %(limit_value)d character (it has %(show_value)d).",
        "Ensure this value has at most %(limit_value)d characters (it has %(show_value)d).",
        "limit_value",
    ),
    ngettext_lazy(
        "Ensure this value has at least %(limit_value)d character (it has %(show_value)d).",
        "Ensure this value has at least %(limit_value)d characters (it has %(show_value)d).",
        "limit_value",
    ),
    ngettext_lazy("Please submit %d or fewer forms.", "Please submit %d or fewer forms.", "num"),
    ngettext_lazy("Please submit %d or more forms.", "Please submit %d or more forms.", "num"),
    ngettext_lazy(
        "Ensure that there are no more than %(max)s digit in total.",
        "Ensure that there are no more than %(max)s digits in total.",
        "max",
    ),
    ngettext_lazy(
        "Ensure that there are no more than %(max)s decimal place.",
        "Ensure that there are no more than %(max)s decimal places.",
        "max",
    ),
    ngettext_lazy(
        "Ensure that there are no more than %(max)s digit before the decimal point.",
        "Ensure that there are no more than %(max)s digits before the decimal point.",
        "max",
    ),
]
