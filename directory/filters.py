import django_filters

from .forms import AgencyField


class AgencyFilter(django_filters.Filter):
    """Filters on one agency chosen with the agency picker (directory.forms)."""

    field_class = AgencyField
