"""Length limits for free-text form fields whose model field (a TextField) has none.

The limits live on the forms only, so no migration is needed. A longer text is refused by the
form with Django's own message ("at most N characters", in Thai or English) and nothing is
saved; DATA_UPLOAD_MAX_MEMORY_SIZE stops anything far larger before the form sees it.
"""

from django.core.validators import MaxLengthValidator
from django.forms import CharField

REASON_MAX = 2_000  # a reason or a note
COMMENT_MAX = 5_000  # a summary, a comment
LIST_MAX = 10_000  # a justification, a list of names
SECTION_MAX = 20_000  # a section of a proposal (several pages)


def limit_length(field: CharField, max_length: int) -> None:
    """Give a form field built without a maximum (from a TextField) the one it would have had."""
    field.max_length = max_length
    field.validators.append(MaxLengthValidator(max_length))
    field.widget.attrs.update(field.widget_attrs(field.widget))
