"""Forms of the screening pages. They read input; the services decide."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from core.money import parse_amount
from core.text import InvisibleCharactersMixin
from core.text_limits import COMMENT_MAX, LIST_MAX, REASON_MAX
from proposals.models import Stage

from .models import Assessment, Recommendation
from .services import AssessmentInput


class ScreeningForm(InvisibleCharactersMixin, forms.Form):
    """The checklist (one result and comment per criterion) and the recommendation."""

    recommendation = forms.ChoiceField(
        label=_("Recommendation"), choices=Recommendation.choices, widget=forms.RadioSelect
    )
    reasons = forms.CharField(
        label=_("Reasons"),
        required=False,
        max_length=LIST_MAX,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Required when returning or not eligible; the agency reads them."),
    )
    recommended_amount = forms.CharField(
        label=_("Recommended amount (baht)"),
        required=False,
        widget=forms.TextInput(attrs={"class": "amount", "inputmode": "decimal"}),
        help_text=_("At most the request. Leave blank to recommend the whole request."),
    )
    amount_reason = forms.CharField(
        label=_("Reason for a lower amount"),
        required=False,
        max_length=COMMENT_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    corrected_stage = forms.ModelChoiceField(
        label=_("Corrected value-chain stage"),
        queryset=Stage.objects.order_by("order"),
        required=False,
        empty_label=_("Keep the agency's stage"),
    )
    lock_version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, criteria, proposal, **kwargs):
        super().__init__(*args, **kwargs)
        self.criteria = criteria
        self.proposal = proposal
        for criterion in criteria:
            self.fields[f"c{criterion.pk}_result"] = forms.ChoiceField(
                label=criterion.text,
                choices=Assessment.choices,
                widget=forms.RadioSelect,
                required=False,
            )
            self.fields[f"c{criterion.pk}_comment"] = forms.CharField(
                label=_("Comment"),
                required=False,
                max_length=COMMENT_MAX,
                widget=forms.Textarea(attrs={"rows": 3}),
            )

    def criterion_rows(self):
        """(criterion, result field, comment field) for the template's checklist table."""
        return [(c, self[f"c{c.pk}_result"], self[f"c{c.pk}_comment"]) for c in self.criteria]

    def clean_recommended_amount(self):
        return parse_amount(self.cleaned_data.get("recommended_amount"))

    def clean(self):
        data = super().clean()
        recommendation = data.get("recommendation")
        if (
            recommendation
            and recommendation != Recommendation.FORWARD
            and "reasons" not in self.errors  # e.g. too long: that message is the one to read
            and not (data.get("reasons") or "").strip()
        ):
            self.add_error("reasons", _("Give the reasons: the agency will read them."))
        amount = data.get("recommended_amount")
        requested = self.proposal.requested_amount
        if amount is not None:
            if amount > requested:
                self.add_error(
                    "recommended_amount",
                    ValidationError(
                        _("At most the request: %(requested)s baht."),
                        params={"requested": f"{requested:,.2f}"},
                    ),
                )
            elif (
                amount < requested
                and "amount_reason" not in self.errors
                and not (data.get("amount_reason") or "").strip()
            ):
                self.add_error(
                    "amount_reason", _("Explain why the amount is lower than the request.")
                )
        if recommendation == Recommendation.FORWARD:
            for criterion in self.criteria:
                if not data.get(f"c{criterion.pk}_result"):
                    self.add_error(
                        f"c{criterion.pk}_result", _("Assess this criterion before forwarding.")
                    )
        return data

    def assessments(self) -> dict[int, AssessmentInput]:
        result = {}
        for criterion in self.criteria:
            value = self.cleaned_data.get(f"c{criterion.pk}_result")
            if value:
                result[criterion.pk] = AssessmentInput(
                    value, self.cleaned_data.get(f"c{criterion.pk}_comment", "")
                )
        return result


class ReopenForm(InvisibleCharactersMixin, forms.Form):
    reason = forms.CharField(
        label=_("Why reopen the screening?"),
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class AssignForm(forms.Form):
    screener = forms.ModelChoiceField(
        label=_("Assign to"), queryset=None, required=False, empty_label=_("Nobody (shared pool)")
    )

    def __init__(self, *args, screeners, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["screener"].queryset = screeners


BIGINT_MAX = 2**63 - 1


def _is_database_id(value) -> bool:
    text = str(value)
    return text.isascii() and text.isdigit() and int(text) <= BIGINT_MAX


class SelectionForm(forms.Form):
    """The inbox's bulk actions: the ticked proposals, or every proposal matching the filter."""

    proposal = forms.TypedMultipleChoiceField(coerce=int, required=False, choices=())
    all_matching = forms.BooleanField(required=False)
    query = forms.CharField(required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Any id the database can hold is acceptable here; the service checks each proposal.
        self.fields["proposal"].valid_value = _is_database_id


class AgendaForm(SelectionForm):
    meeting = forms.ModelChoiceField(
        label=_("Meeting"), queryset=None, empty_label=_("Choose a meeting")
    )

    def __init__(self, *args, meetings, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["meeting"].queryset = meetings


class BulkAssignForm(SelectionForm):
    screener = forms.ModelChoiceField(
        label=_("Assign to"), queryset=None, required=False, empty_label=_("Nobody (shared pool)")
    )

    def __init__(self, *args, screeners, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["screener"].queryset = screeners
