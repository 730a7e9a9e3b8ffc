"""Reading amounts typed by people: ``1,234,567.50``, Thai digits ``๑๒๓``, surrounding spaces."""

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from pythainlp.util import thai_digit_to_arabic_digit

MAX_DIGITS = 15  # Decimal(15, 2): up to 9,999,999,999,999.99 baht


def parse_amount(raw) -> Decimal | None:
    """Return the amount as an exact Decimal in baht, ``None`` for blank input.

    Raises ``ValidationError`` with a message in the active language for anything else.
    """
    if raw is None:
        return None
    if isinstance(raw, Decimal):
        text = str(raw)
    else:
        text = thai_digit_to_arabic_digit(str(raw)).strip().replace(",", "").replace(" ", "")
    if text == "":
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ValidationError(
            _("Enter an amount in baht, for example 1,234,567.50."), code="invalid"
        ) from None
    if not value.is_finite():
        raise ValidationError(
            _("Enter an amount in baht, for example 1,234,567.50."), code="invalid"
        )
    if value < 0:
        raise ValidationError(_("The amount cannot be negative."), code="negative")
    if value.adjusted() >= MAX_DIGITS - 2:
        raise ValidationError(_("The amount is too large."), code="too_large")
    if value != value.quantize(Decimal("0.01")):
        raise ValidationError(_("Use at most 2 decimal places (satang)."), code="decimals")
    return value.quantize(Decimal("0.01"))
