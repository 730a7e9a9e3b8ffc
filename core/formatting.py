"""Thai formatting of money and dates, shared by templates and every export.

Django's ``th`` locale prints Christian-era years; Thai documents use the Buddhist Era
(BE = CE + 543), so dates go through PyThaiNLP's ``thai_strftime`` here instead.
"""

import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.utils import timezone
from django.utils.translation import get_language
from pythainlp.util import thai_strftime

BE_OFFSET = 543
SATANG = Decimal("0.01")
MILLION = Decimal("1000000")
MILLION_PLACES = Decimal("0.0001")

_EN_MONTHS = [
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
]  # fmt: skip


def _as_decimal(value):
    if value is None or value == "":
        return None
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        # Floats never hold money here; accept them only through their shortest repr.
        return Decimal(repr(value))
    return Decimal(value)


def _group(value: Decimal, places: Decimal) -> str:
    quantized = value.quantize(places, rounding=ROUND_HALF_UP)
    if quantized == 0:
        quantized = abs(quantized)  # never print "-0.00"
    return f"{quantized:,}"


def format_baht(value) -> str:
    """``1234567.5`` → ``1,234,567.50`` (บาท, two decimals)."""
    amount = _as_decimal(value)
    return "" if amount is None else _group(amount, SATANG)


def format_million_baht(value) -> str:
    """Baht → ล้านบาท with four decimals: ``8369658900`` → ``8,369.6589``."""
    amount = _as_decimal(value)
    return "" if amount is None else _group(amount / MILLION, MILLION_PLACES)


def _thai(lang=None):
    return (lang or get_language() or "th").startswith("th")


def _as_local_date(value):
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value
    return value


def format_date_long(value, lang=None) -> str:
    """``31 มกราคม 2567`` in Thai; ``31 January 2024`` in English."""
    if not value:
        return ""
    value = _as_local_date(value)
    if _thai(lang):
        return thai_strftime(value, "%-d %B %Y")
    return f"{value.day} {_EN_MONTHS[value.month - 1]} {value.year}"


def format_date_short(value, lang=None) -> str:
    """``31 ม.ค. 67`` in Thai; ``31 Jan 2024`` in English."""
    if not value:
        return ""
    value = _as_local_date(value)
    if _thai(lang):
        return thai_strftime(value, "%-d %b %y")
    return f"{value.day} {_EN_MONTHS[value.month - 1][:3]} {value.year}"


def format_datetime(value, lang=None) -> str:
    """``31 มกราคม 2567 14:05 น.`` in Thai; ``31 January 2024 14:05`` in English."""
    if not value:
        return ""
    value = _as_local_date(value)
    if _thai(lang):
        return f"{format_date_long(value, 'th')} {value:%H:%M} น."
    return f"{format_date_long(value, 'en')} {value:%H:%M}"


def be_year(ce_year: int) -> int:
    return ce_year + BE_OFFSET


def fiscal_year_of(day: datetime.date) -> int:
    """The BE fiscal year a date falls in: FY2568 runs 1 Oct 2567 to 30 Sep 2568 BE."""
    return be_year(day.year + (1 if day.month >= 10 else 0))


def fiscal_year_bounds(fiscal_year_be: int) -> tuple[datetime.date, datetime.date]:
    ce_end = fiscal_year_be - BE_OFFSET
    return datetime.date(ce_end - 1, 10, 1), datetime.date(ce_end, 9, 30)
