"""The screening inbox's filters (django-filter): one FilterSet for the page and its downloads.

Every parameter is optional and forgiving: a value the form cannot read is dropped from
``cleaned_data`` (django-filter then ignores that filter) and the view shows a notice naming it.
"""

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from pythainlp.util import arabic_digit_to_thai_digit, thai_digit_to_arabic_digit

from core.money import parse_amount
from core.text import InvisibleCharactersMixin
from core.widgets import LeanSelect, ListModelChoiceIterator
from directory.filters import AgencyFilter
from directory.models import Ministry
from proposals.models import Benefit, PlanRound, Proposal, Stage
from proposals.workflow import SENT_TO_DGA, Status

from .models import AssignmentKind
from .selectors import screener_queryset

# The inbox never shows drafts: they are still the agency's own business.
STATUS_CHOICES = [(value, label) for value, label in Status.choices if value in SENT_TO_DGA]
MAX_QUERY_TERMS = 8
# django-filter names a descending sort with this message, which its own catalogues leave
# untranslated in Thai; ours carries the translation.
DESCENDING = _("%s (descending)")


class OrderingFilter(django_filters.OrderingFilter):
    """django-filter builds the sort choices once, at import, in the language active then (so
    English readers saw Thai); here they are built for each form, in the reader's language."""

    descending_fmt = DESCENDING

    def __init__(self, *args, **kwargs):
        fields = self.normalize_fields(kwargs.get("fields", {}))
        labels = kwargs.get("field_labels", {})
        kwargs["choices"] = lambda: self.build_choices(fields, labels)
        super().__init__(*args, **kwargs)


class AmountField(forms.CharField):
    """An amount in baht as people type it: ``1,000,000``, ``๑๐๐๐๐๐๐`` or ``1000000.50``."""

    def clean(self, value):
        value = super().clean(value)
        return parse_amount(value) if value else None


class CodeOrIdChoiceField(forms.ModelChoiceField):
    """A model choice given by its readable code (``?ministry=mdes``) or by its number."""

    widget = LeanSelect
    iterator = ListModelChoiceIterator

    def __init__(self, *args, code_field="code", **kwargs):
        self.code_field = code_field
        super().__init__(*args, **kwargs)

    def to_python(self, value):
        if value in self.empty_values:
            return None
        value = str(value).strip()
        if "\x00" in value:
            # PostgreSQL refuses NUL in a query parameter (a server error); no code holds one.
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        try:
            return self.queryset.get(**{self.code_field: value})
        except (self.queryset.model.DoesNotExist, ValueError, TypeError, ValidationError):
            pass
        if value.isdigit():
            try:
                return self.queryset.get(pk=int(value))
            except self.queryset.model.DoesNotExist:
                pass
        raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")

    def prepare_value(self, value):
        # The <select> lists codes, so that a bookmarked URL reads ?ministry=mdes.
        if hasattr(value, "_meta"):
            return getattr(value, self.code_field)
        return super().prepare_value(value)

    def label_from_instance(self, obj):
        return str(obj)


class CodeOrIdFilter(django_filters.ModelChoiceFilter):
    field_class = CodeOrIdChoiceField


class ScreenerChoiceField(django_filters.fields.ModelChoiceField):
    widget = LeanSelect
    iterator = ListModelChoiceIterator


class ScreenerFilter(django_filters.ModelChoiceFilter):
    field_class = ScreenerChoiceField


class AmountFilter(django_filters.Filter):
    field_class = AmountField


class RoundChoiceField(CodeOrIdChoiceField):
    def label_from_instance(self, obj):
        return str(obj.fiscal_year)


class RoundFilter(CodeOrIdFilter):
    field_class = RoundChoiceField


def screener_choices(request=None):
    return screener_queryset()


def split_query(text: str) -> list[str]:
    """Search terms: Thai digits read as Arabic, split on spaces (each term is a substring).

    Thai is written without spaces between words, so each term is matched as a substring,
    never as a word; several terms must all be found (in any of the searched fields).
    """
    text = thai_digit_to_arabic_digit(text or "")
    return [term for term in text.split() if term][:MAX_QUERY_TERMS]


SCORING_CHOICES = [
    ("scored", _("Scored")),
    ("unscored", _("Not scored yet")),
    ("flagged", _("Screeners disagree: to reconcile")),
    ("second", _("My second screenings to do")),
]


def _nulls_last(term):
    if isinstance(term, str) and term.lstrip("-") == "score_summary__mean":
        column = F("score_summary__mean")
        return column.desc(nulls_last=True) if term.startswith("-") else column.asc(nulls_last=True)
    return term


class FilterForm(InvisibleCharactersMixin, forms.Form):
    """Search terms lose bidi controls and zero-width characters, as stored text does."""


class ProposalFilter(django_filters.FilterSet):
    round = RoundFilter(
        label=_("Round (fiscal year)"),
        queryset=PlanRound.objects.order_by("-fiscal_year"),
        field_name="round",
        code_field="fiscal_year",
        empty_label=_("All rounds"),
    )
    # Checkboxes, not a Ctrl-click list box; ?status=submitted&status=returned still reads.
    status = django_filters.MultipleChoiceFilter(
        label=_("Status"), choices=STATUS_CHOICES, widget=forms.CheckboxSelectMultiple
    )
    stage = CodeOrIdFilter(
        label=_("Value-chain stage"),
        queryset=Stage.objects.order_by("order"),
        field_name="stage",
        empty_label=_("All stages"),
    )
    ministry = CodeOrIdFilter(
        label=_("Ministry"),
        queryset=Ministry.objects.order_by("order", "name_th"),
        field_name="agency__ministry",
        empty_label=_("All ministries"),
    )
    agency = AgencyFilter(label=_("Agency"), field_name="agency")
    benefit = CodeOrIdFilter(
        label=_("Expected benefit"),
        queryset=Benefit.objects.order_by("order"),
        field_name="benefit",
        empty_label=_("All benefits"),
    )
    q = django_filters.CharFilter(
        label=_("Search"),
        method="filter_text",
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": _("title, summary, agency or reference")}
        ),
    )
    min_amount = AmountFilter(
        label=_("Requested at least (baht)"), field_name="requested_amount", lookup_expr="gte",
        widget=forms.TextInput(attrs={"class": "amount", "inputmode": "decimal"}),
    )  # fmt: skip
    max_amount = AmountFilter(
        label=_("Requested at most (baht)"), field_name="requested_amount", lookup_expr="lte",
        widget=forms.TextInput(attrs={"class": "amount", "inputmode": "decimal"}),
    )  # fmt: skip
    screener = ScreenerFilter(
        label=_("Assigned screener"),
        queryset=screener_choices,
        field_name="assigned_screener",
        empty_label=_("Anyone"),
    )
    mine = django_filters.BooleanFilter(
        label=_("Only my queue"), method="filter_mine", widget=forms.CheckboxInput
    )
    min_score = django_filters.NumberFilter(
        label=_("Score at least (of 100)"), field_name="score_summary__mean", lookup_expr="gte",
        min_value=0, max_value=100,
        widget=forms.NumberInput(attrs={"min": 0, "max": 100, "step": "any"}),
    )  # fmt: skip
    max_score = django_filters.NumberFilter(
        label=_("Score at most (of 100)"), field_name="score_summary__mean", lookup_expr="lte",
        min_value=0, max_value=100,
        widget=forms.NumberInput(attrs={"min": 0, "max": 100, "step": "any"}),
    )  # fmt: skip
    scoring = django_filters.ChoiceFilter(
        label=_("Scores"), method="filter_scoring", choices=SCORING_CHOICES,
        empty_label=_("Any"), widget=LeanSelect,
    )  # fmt: skip
    sort = OrderingFilter(
        label=_("Sort by"),
        empty_label=_("Reference (default)"),
        widget=LeanSelect,
        fields=(
            ("code", "code"),
            ("title_th", "title"),
            ("agency__name_th", "agency"),
            ("stage__order", "stage"),
            ("status", "status"),
            ("requested_amount", "requested"),
            ("recommended_amount", "recommended"),
            ("submitted_at", "submitted"),
            ("score_summary__mean", "score"),
        ),
        field_labels={
            "code": _("Reference"),
            "title_th": _("Title"),
            "agency__name_th": _("Agency"),
            "stage__order": _("Stage"),
            "status": _("Status"),
            "requested_amount": _("Requested"),
            "recommended_amount": _("Recommended"),
            "submitted_at": _("Submitted"),
            "score_summary__mean": _("Score"),
        },
    )

    class Meta:
        model = Proposal
        fields: list[str] = []
        form = FilterForm

    SEARCHED_FIELDS = (
        "title_th", "title_en", "summary", "code", "agency__name_th", "agency__abbreviation",
    )  # fmt: skip

    def filter_text(self, queryset, name, value):
        for term in split_query(value):
            # Digits may be stored either way: ๒๕๖๘ and 2568 find the same titles.
            variants = {term, arabic_digit_to_thai_digit(term)}
            match = Q()
            for variant in variants:
                for field in self.SEARCHED_FIELDS:
                    match |= Q(**{f"{field}__icontains": variant})
            queryset = queryset.filter(match)
        return queryset

    def filter_mine(self, queryset, name, value):
        if value and self.request is not None:
            return queryset.filter(assigned_screener=self.request.user)
        return queryset

    def filter_scoring(self, queryset, name, value):
        if value == "flagged":
            return queryset.filter(score_summary__flagged=True)
        if value == "scored":
            return queryset.filter(score_summary__mean__isnull=False)
        if value == "unscored":
            return queryset.filter(Q(score_summary__isnull=True) | Q(score_summary__screeners=0))
        if value == "second" and self.request is not None:
            return queryset.filter(
                screening_assignments__kind=AssignmentKind.SECOND,
                screening_assignments__screener=self.request.user,
                screening_assignments__completed_at__isnull=True,
            )
        return queryset

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        # A stable order, so that a page never repeats or skips a row; proposals without a
        # score sort last either way, on every database.
        ordering = [_nulls_last(term) for term in queryset.query.order_by] or ["code"]
        return queryset.order_by(*ordering, "id")

    def ignored_fields(self) -> list[str]:
        """Labels of the parameters that were given but could not be read."""
        return [str(self.filters[name].label or name) for name in self.form.errors]
