"""Forms of the screening pages. They read input; the services decide."""

from django import forms
from django.utils.translation import gettext_lazy as _

from core.money import parse_amount
from core.text import InvisibleCharactersMixin
from core.text_limits import COMMENT_MAX, LIST_MAX, REASON_MAX
from proposals.forms import WORKBOOK_MAX_BYTES
from proposals.models import Stage

from .models import Assessment, Recommendation
from .services import AssessmentInput, ScoreInput, ScreeningError, UnassessedCriteriaError


class ScoreFieldsMixin:
    """One score (0 to the criterion's highest, each level with its meaning) and, unless
    ``with_reasons`` is false, one reason per scored criterion. The service decides whether
    they are complete; the fields only read them."""

    fields: dict
    cleaned_data: dict

    def add_score_fields(self, scored, *, with_reasons=True):
        self.scored = list(scored)
        self.with_reasons = with_reasons
        for criterion in self.scored:
            meanings = {level.value: level.description for level in criterion.levels.all()}
            choices = [
                (value, f"{value} – {meanings[value]}" if value in meanings else str(value))
                for value in range(criterion.scale_max + 1)
            ]
            self.fields[f"s{criterion.pk}_value"] = forms.TypedChoiceField(
                label=criterion.text, choices=choices, coerce=int, required=False,
                widget=forms.RadioSelect, empty_value=None,
            )  # fmt: skip
            if with_reasons:
                field = forms.CharField(
                    label=_("Reason for the score"),
                    required=False,
                    max_length=COMMENT_MAX,
                    widget=forms.Textarea(attrs={"rows": 2}),
                )
                # Added after InvisibleCharactersMixin wrapped the form's fields: wrap it too.
                name = f"s{criterion.pk}_reason"
                field.to_python = self._stripping(name, field, field.to_python)
                self.fields[name] = field

    def score_rows(self):
        """(criterion, score field, reason field or None) for the template's score table."""
        return [
            (
                c,
                self[f"s{c.pk}_value"],
                self[f"s{c.pk}_reason"] if self.with_reasons else None,
            )
            for c in self.scored
        ]

    def scores(self) -> dict[int, ScoreInput]:
        result = {}
        for criterion in self.scored:
            value = self.cleaned_data.get(f"s{criterion.pk}_value")
            if value is not None:
                reason = self.cleaned_data.get(f"s{criterion.pk}_reason", "") or ""
                result[criterion.pk] = ScoreInput(value, reason)
        return result


class ScoreForm(InvisibleCharactersMixin, ScoreFieldsMixin, forms.Form):
    """The second screener's scores."""

    def __init__(self, *args, scored, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_score_fields(scored)


class ReconcileForm(InvisibleCharactersMixin, ScoreFieldsMixin, forms.Form):
    """The agreed score of each criterion and the reason for them."""

    reason = forms.CharField(
        label=_("Reason for the agreed scores"),
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, scored, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_score_fields(scored, with_reasons=False)


class ScreeningForm(InvisibleCharactersMixin, ScoreFieldsMixin, forms.Form):
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

    def __init__(self, *args, criteria, proposal, scored=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.criteria = criteria
        self.proposal = proposal
        self.add_score_fields(scored)
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
        return [
            (c, self[self.result_field_name(c.pk)], self[f"c{c.pk}_comment"]) for c in self.criteria
        ]

    def clean_recommended_amount(self):
        return parse_amount(self.cleaned_data.get("recommended_amount"))

    def result_field_name(self, criterion_id: int) -> str:
        return f"c{criterion_id}_result"

    def add_service_error(self, error: ScreeningError) -> None:
        """Show a refusal of ``screen_proposal`` beside the input it names.

        The rules (reasons required, amount within the request, every criterion assessed
        before forwarding) live in the service alone; this form only reads the input.
        """
        for each in getattr(error, "errors", [error]):
            if isinstance(each, UnassessedCriteriaError):
                names = [self.result_field_name(pk) for pk in each.criterion_ids]
            else:
                names = [each.field]
            for name in names:
                self.add_error(name if name in self.fields else None, str(each))

    def assessments(self) -> dict[int, AssessmentInput]:
        result = {}
        for criterion in self.criteria:
            value = self.cleaned_data.get(self.result_field_name(criterion.pk))
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


class RoundImportForm(forms.Form):
    """A past round's files (the inbox's export and the plan's ``plan.xlsx``) to import."""

    fiscal_year = forms.TypedChoiceField(label=_("Round"), coerce=int)
    file = forms.FileField(
        label=_("Screening inbox export (.xlsx or .csv) or plan.xlsx"),
        help_text=_("Every proposal of the round, as the inbox's export gives them."),
    )
    plan = forms.FileField(
        label=_("The plan's plan.xlsx (optional)"),
        required=False,
        help_text=_("Gives the approved amounts; without it, the recommended amount is taken."),
    )

    def __init__(self, *args, rounds=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["fiscal_year"].choices = [(r.fiscal_year, r.name) for r in rounds]

    def clean(self):
        cleaned = super().clean()
        for name in ("file", "plan"):
            upload = cleaned.get(name)
            if upload is not None and upload.size > WORKBOOK_MAX_BYTES:
                self.add_error(name, _("The file is too large for a proposal workbook."))
        return cleaned

    def files_read(self) -> list[tuple[str, bytes]]:
        return [
            (upload.name, upload.read())
            for upload in (self.cleaned_data.get("file"), self.cleaned_data.get("plan"))
            if upload is not None
        ]
