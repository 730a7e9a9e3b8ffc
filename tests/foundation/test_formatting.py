"""Money and BE-date formatting: the shared filters every page and export uses."""

import datetime
import zoneinfo
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.template import Context, Template
from django.utils import translation

from core.formatting import (
    fiscal_year_bounds,
    fiscal_year_of,
    format_baht,
    format_date_long,
    format_date_short,
    format_datetime,
    format_million_baht,
)
from core.money import parse_amount

BANGKOK = zoneinfo.ZoneInfo("Asia/Bangkok")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Decimal("8369658900"), "8,369,658,900.00"),
        (Decimal("1234567.5"), "1,234,567.50"),
        (Decimal("0.005"), "0.01"),  # half up, not banker's rounding
        (Decimal("0.004"), "0.00"),
        (Decimal("-0.00"), "0.00"),  # never "-0.00"
        (Decimal("-0.004"), "0.00"),
        (Decimal("-1500"), "-1,500.00"),
        (0, "0.00"),
        (None, ""),
        ("", ""),
    ],
)
def test_baht(value, expected):
    assert format_baht(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Decimal("8369658900"), "8,369.6589"),
        (Decimal("7964000000"), "7,964.0000"),
        (Decimal("50"), "0.0001"),  # 0.00005 million rounds half up
        (Decimal("49.99"), "0.0000"),
        (Decimal("-49.99"), "0.0000"),  # negative zero is printed as zero
        (Decimal("150.00"), "0.0002"),
        (Decimal("999999999999.99"), "1,000,000.0000"),
        (None, ""),
    ],
)
def test_million_baht(value, expected):
    assert format_million_baht(value) == expected


def test_float_goes_through_its_shortest_repr():
    assert format_baht(0.1 + 0.2) == "0.30"


def test_long_and_short_be_dates_in_thai():
    day = datetime.date(2024, 1, 31)
    assert format_date_long(day, "th") == "31 มกราคม 2567"
    assert format_date_short(day, "th") == "31 ม.ค. 67"
    assert format_date_long(day, "en") == "31 January 2024"


def test_datetimes_are_shown_in_bangkok_time():
    # 31 Jan 2024 18:30 UTC is already 1 Feb 2024 01:30 in Bangkok.
    moment = datetime.datetime(2024, 1, 31, 18, 30, tzinfo=datetime.UTC)
    assert format_datetime(moment, "th") == "1 กุมภาพันธ์ 2567 01:30 น."
    assert format_date_short(moment, "th") == "1 ก.พ. 67"


def test_year_end_and_leap_day():
    assert format_date_long(datetime.date(2023, 12, 31), "th") == "31 ธันวาคม 2566"
    assert format_date_long(datetime.date(2024, 2, 29), "th") == "29 กุมภาพันธ์ 2567"


def test_fiscal_year_runs_october_to_september():
    # FY2568 = 1 Oct 2567 – 30 Sep 2568 BE = 1 Oct 2024 – 30 Sep 2025 CE (PRODUCT.md §3)
    assert fiscal_year_bounds(2568) == (datetime.date(2024, 10, 1), datetime.date(2025, 9, 30))
    assert fiscal_year_of(datetime.date(2024, 10, 1)) == 2568
    assert fiscal_year_of(datetime.date(2024, 9, 30)) == 2567
    # the FY2568 committee met on 31 January 2567, during FY2567
    assert fiscal_year_of(datetime.date(2024, 1, 31)) == 2567


def test_template_filters_follow_the_active_language():
    template = Template("{{ day|bedate }}|{{ amount|baht }}|{{ amount|mbaht }}")
    context = Context({"day": datetime.date(2024, 1, 31), "amount": Decimal("7964000000")})
    with translation.override("th"):
        assert template.render(context) == "31 มกราคม 2567|7,964,000,000.00|7,964.0000"
    with translation.override("en"):
        assert template.render(context) == "31 January 2024|7,964,000,000.00|7,964.0000"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1,234,567.50", Decimal("1234567.50")),
        (" ๑๒๓ ", Decimal("123.00")),
        ("๑,๒๐๐.๕", Decimal("1200.50")),
        ("0", Decimal("0.00")),
        ("1.10", Decimal("1.10")),
        ("", None),
        (None, None),
    ],
)
def test_parse_amount_accepts(raw, expected):
    assert parse_amount(raw) == expected


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("-5", "negative"),
        ("abc", "invalid"),
        ("1e5000", "too_large"),
        ("NaN", "invalid"),
        ("Infinity", "invalid"),
        ("12.345", "decimals"),
        ("10000000000000", "too_large"),
    ],
)
def test_parse_amount_refuses(raw, code):
    with pytest.raises(ValidationError) as error:
        parse_amount(raw)
    assert error.value.code == code
