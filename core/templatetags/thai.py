"""Template filters for money and BE dates. Always format through these, never by hand."""

from django import template

from core import formatting

register = template.Library()


@register.filter
def baht(value):
    return formatting.format_baht(value)


@register.filter
def mbaht(value):
    return formatting.format_million_baht(value)


@register.filter
def bedate(value):
    return formatting.format_date_long(value)


@register.filter
def bedate_short(value):
    return formatting.format_date_short(value)


@register.filter
def bedatetime(value):
    return formatting.format_datetime(value)
