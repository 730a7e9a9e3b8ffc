"""Choosing one agency among thousands: a search field with suggestions instead of a <select>.

A ``<select>`` of every agency costs the page one option per agency (3,000 at the benchmark's
largest scale) and is unusable at that length. The picker is a text field: the person types part
of a name, abbreviation or code, the browser offers suggestions from ``agency_suggestions``
(``directory-agency-picker.js``), and the field accepts the agency's name, abbreviation, code or
number. Without JavaScript, typing the name or abbreviation works the same way.
"""

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .models import Agency


class AgencyPicker(forms.TextInput):
    template_name = "directory/widgets/agency_picker.html"
    input_type = "search"

    def __init__(self, attrs=None):
        super().__init__({"autocomplete": "off", **(attrs or {})})
        # The agency the field resolved its value to (set by AgencyField), shown by name.
        self.selected = None

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        widget = context["widget"]
        widget["attrs"]["list"] = f"{widget['attrs'].get('id') or name}-choices"
        widget["attrs"]["data-agency-suggest"] = reverse("directory:agency_suggestions")
        widget["selected"] = self.selected
        if self.selected is not None:
            widget["value"] = self.selected.name
        return context


class AgencyField(forms.ModelChoiceField):
    """One agency, given by its Thai or English name, abbreviation, code or number."""

    widget = AgencyPicker
    default_error_messages = {
        "invalid_choice": _(
            "No single agency is called “%(value)s”; choose one of the suggestions."
        ),
    }

    def __init__(self, queryset=None, **kwargs):
        kwargs.pop("to_field_name", None)
        super().__init__(Agency.objects.all() if queryset is None else queryset, **kwargs)

    def to_python(self, value):
        if value in self.empty_values:
            return None
        text = str(value).strip()
        if not text:
            return None
        invalid = ValidationError(
            self.error_messages["invalid_choice"],
            code="invalid_choice",
            params={"value": text[:80]},
        )
        if "\x00" in text or len(text) > 255:
            raise invalid  # PostgreSQL refuses NUL in a parameter; no name is that long
        match = Q(code=text) | Q(name_th=text) | Q(name_en__iexact=text) | Q(abbreviation=text)
        if text.isdigit() and len(text) < 10:
            match |= Q(pk=int(text))
        found = list(self.queryset.filter(match).select_related(None)[:2])
        if len(found) != 1:
            raise invalid
        self.widget.selected = found[0]
        return found[0]

    def prepare_value(self, value):
        if isinstance(value, Agency):
            return value.name
        return value
