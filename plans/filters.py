"""Filters of the approved-projects list on the plan page (query parameters)."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from directory.models import Agency, Ministry
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
    agency = django_filters.ModelChoiceFilter(
        label=_("Agency"), queryset=Agency.objects.none(), to_field_name="code",
        empty_label=_("All agencies"),
    )  # fmt: skip

    class Meta:
        model = Proposal
        fields = ["q", "stage", "benefit", "ministry", "agency"]

    def __init__(self, data=None, queryset=None, **kwargs):
        super().__init__(data, queryset, **kwargs)
        # Only the agencies that have a project in this plan.
        self.filters["agency"].queryset = Agency.objects.filter(
            pk__in=self.queryset.values("agency")
        ).order_by("name_th")

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(title_th__icontains=value) | Q(title_en__icontains=value) | Q(code__icontains=value)
        )
