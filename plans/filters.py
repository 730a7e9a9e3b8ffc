"""Filters of the approved-projects list on the plan page (query parameters)."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from directory.filters import AgencyFilter
from directory.models import Ministry
from proposals.models import Benefit, Proposal, Stage


class PlanProjectFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="search")
    stage = django_filters.ModelChoiceFilter(
        label=_("Value-chain stage"), queryset=Stage.objects.all(), to_field_name="code",
        empty_label=_("All stages"),
    )  # fmt: skip
    benefit = django_filters.ModelChoiceFilter(
        label=_("Expected benefit"), queryset=Benefit.objects.all(), to_field_name="code",
        empty_label=_("All benefits"),
    )  # fmt: skip
    ministry = django_filters.ModelChoiceFilter(
        label=_("Ministry"), field_name="agency__ministry", queryset=Ministry.objects.all(),
        to_field_name="code", empty_label=_("All ministries"),
    )  # fmt: skip
    agency = AgencyFilter(label=_("Agency"), field_name="agency")

    class Meta:
        model = Proposal
        fields = ["q", "stage", "benefit", "ministry", "agency"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(title_th__icontains=value) | Q(title_en__icontains=value) | Q(code__icontains=value)
        )
