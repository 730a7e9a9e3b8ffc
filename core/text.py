"""Free text typed by people: remove the invisible characters that change how it reads.

A title with U+202E (right-to-left override) shows as "exe.ราสกเอ" in every page, download and
PDF that prints it; zero-width characters make two equal-looking titles or codes differ (and
defeat the duplicate search). They are removed when the text is typed, with a notice, so that
everything downstream carries the clean text.
"""

import re

from django import forms
from django.contrib import messages
from django.utils.translation import gettext as _

# Bidirectional embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069), the
# direction marks (U+200E, U+200F, U+061C), zero-width space, non-joiner and joiner
# (U+200B–U+200D), word joiner and invisible operators (U+2060–U+2064) and the byte-order mark.
INVISIBLE_CHARACTERS = re.compile(
    "[\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]"
)


def strip_invisible(text: str) -> tuple[str, int]:
    """``text`` without bidi controls and zero-width characters, and how many were removed."""
    cleaned, count = INVISIBLE_CHARACTERS.subn("", text)
    return cleaned, count


class InvisibleCharactersMixin:
    """For a Django form: every text field drops invisible characters before it is checked.

    The stripping happens in the field's ``to_python``, so ``required``, ``max_length`` and the
    form's ``clean_<field>`` methods see the clean text. ``stripped_fields`` then lists the labels
    of the fields that lost characters, for a notice.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.stripped_fields = []
        for name, field in self.fields.items():
            if isinstance(field, forms.CharField):
                field.to_python = self._stripping(name, field, field.to_python)

    def _stripping(self, name, field, to_python):
        def wrapped(value):
            if isinstance(value, str):
                value, count = strip_invisible(value)
                if count:
                    self.stripped_fields.append(str(field.label or name))
            return to_python(value)

        return wrapped

    def full_clean(self):
        self.stripped_fields = []
        super().full_clean()


def stripped_notice(labels) -> str:
    """The message shown when invisible characters were removed from the fields ``labels``."""
    return _(
        "Invisible control characters (text-direction or zero-width) were removed from: "
        "%(fields)s. Please check that the text reads as intended."
    ) % {"fields": ", ".join(dict.fromkeys(str(label) for label in labels))}


def collect_stripped(forms) -> list[str]:
    """Labels of every field of ``forms`` (cleaned already) that lost invisible characters."""
    labels = []
    for form in forms:
        labels.extend(getattr(form, "stripped_fields", []))
    return labels


def notify_stripped(request, labels) -> None:
    """Add the notice as a Django warning message when ``labels`` is not empty."""
    if labels:
        messages.warning(request, stripped_notice(labels))
