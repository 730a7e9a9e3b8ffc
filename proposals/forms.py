"""The proposal form: six sections, each a small Django form, bundled by ``ProposalEditor``.

Forms only parse and check input; the services decide and write.
"""

import re

from django import forms
from django.core import signing
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.formatting import format_baht
from core.money import parse_amount
from core.text import InvisibleCharactersMixin, collect_stripped
from core.text_limits import COMMENT_MAX, LIST_MAX, SECTION_MAX, limit_length

from .attachments import validate_upload
from .models import (
    ZERO,
    Benefit,
    DGStrategy,
    ExpenseCategory,
    NationalStrategy,
    ProjectType,
    Proposal,
    Stage,
)
from .selectors import get_budget_grid, list_continuable
from .services import ProposalContent

MAX_DURATION = 5
WORKBOOK_MAX_BYTES = 5 * 1024 * 1024  # an agency's workbook is a few dozen kilobytes
# Anything but digits (Arabic or Thai), separators, a point and a sign.
_NOT_AN_AMOUNT = re.compile(r"[^0-9๐-๙,.\s+-]")
_SIGNING_SALT = "proposals.edit-base"


class GeneralForm(InvisibleCharactersMixin, forms.ModelForm):
    duration_years = forms.TypedChoiceField(
        label=gettext_lazy("Duration (fiscal years)"),
        choices=[(n, n) for n in range(1, MAX_DURATION + 1)],
        coerce=int,
        initial=1,
        help_text=gettext_lazy(
            "A project over several years asks for each year in the budget grid."
        ),
    )

    class Meta:
        model = Proposal
        fields = [
            "title_th", "title_en", "project_type", "continues", "duration_years",
            "official_name", "official_position", "official_phone", "official_email",
        ]  # fmt: skip
        widgets = {"project_type": forms.RadioSelect}
        help_texts = {
            "title_en": gettext_lazy("Optional."),
            "official_name": gettext_lazy("The person DGA contacts about this proposal."),
            "continues": gettext_lazy(
                "A continuing project: the approved proposal of an earlier round it carries on."
            ),
        }

    def __init__(self, *args, agency_id=None, plan_round=None, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["continues"]
        field.queryset = (
            list_continuable(agency_id, plan_round)
            if plan_round is not None
            else Proposal.objects.none()
        )
        field.label_from_instance = lambda p: f"{p.code} {p.title_th}"

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("project_type") != ProjectType.CONTINUING:
            cleaned["continues"] = None
        return cleaned


class AlignmentForm(InvisibleCharactersMixin, forms.ModelForm):
    class Meta:
        model = Proposal
        fields = ["stage", "benefit", "dg_strategy", "national_strategy", "alignment_justification"]
        widgets = {
            "stage": forms.RadioSelect,
            "benefit": forms.RadioSelect,
            "alignment_justification": forms.Textarea(attrs={"rows": 4}),
        }
        help_texts = {
            "alignment_justification": gettext_lazy(
                "In a few sentences: how the project serves the stage, the benefit and the "
                "strategies."
            )
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["stage"].queryset = Stage.objects.order_by("order")
        self.fields["benefit"].queryset = Benefit.objects.order_by("order")
        self.fields["dg_strategy"].queryset = DGStrategy.objects.order_by("number")
        self.fields["national_strategy"].queryset = NationalStrategy.objects.order_by("number")
        for name in ("stage", "benefit"):
            self.fields[name].empty_label = None
        limit_length(self.fields["alignment_justification"], LIST_MAX)


class ContentForm(InvisibleCharactersMixin, forms.ModelForm):
    class Meta:
        model = Proposal
        fields = ["summary", "rationale", "objectives", "target_group", "outputs", "outcomes"]
        widgets = {name: forms.Textarea(attrs={"rows": 4}) for name in fields}
        help_texts = {"summary": gettext_lazy("Optional: a short summary for the screening list.")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        limit_length(self.fields["summary"], COMMENT_MAX)
        for name in ("rationale", "objectives", "target_group", "outputs", "outcomes"):
            limit_length(self.fields[name], SECTION_MAX)


class KPIForm(InvisibleCharactersMixin, forms.Form):
    indicator = forms.CharField(label=gettext_lazy("Indicator"), max_length=500, required=False)
    unit = forms.CharField(label=gettext_lazy("Unit"), max_length=100, required=False)
    target = forms.CharField(label=gettext_lazy("Target"), max_length=100, required=False)

    def clean(self):
        data = super().clean()
        values = [(data.get(n) or "").strip() for n in ("indicator", "unit", "target")]
        if any(values) and not all(values):
            raise ValidationError(
                _("Give the indicator, its unit and its target, or leave the row empty.")
            )
        return data

    @property
    def is_blank(self):
        data = getattr(self, "cleaned_data", {}) or {}
        return not any((data.get(n) or "").strip() for n in ("indicator", "unit", "target"))


KPIFormSet = forms.formset_factory(KPIForm, extra=1, can_delete=True, max_num=50, validate_max=True)


class BudgetForm(forms.Form):
    """Amounts per fiscal year (the round's year onwards) and expense category.

    Fields are named ``y<year>_<category>``; all five possible years exist so that a duration
    changed in the same submission is honoured, and years beyond it are refused field by field.
    """

    prefix = "budget"

    def __init__(self, *args, plan_round, duration, **kwargs):
        super().__init__(*args, **kwargs)
        self.plan_round = plan_round
        self.duration = duration
        self.years = [plan_round.fiscal_year + i for i in range(MAX_DURATION)]
        for year in self.years:
            for category in ExpenseCategory:
                self.fields[self.field_name(year, category)] = forms.CharField(
                    label=format_lazy(
                        gettext_lazy("{category}, FY{year}"), category=category.label, year=year
                    ),
                    required=False,
                    max_length=40,
                    widget=forms.TextInput(
                        attrs={
                            "class": "amount",
                            "inputmode": "decimal",
                            "autocomplete": "off",
                            "data-year": year,
                            "data-category": category.value,
                        }
                    ),
                )

    @staticmethod
    def field_name(year, category):
        return f"y{year}_{category}"

    @staticmethod
    def read_amount(raw):
        """One cell as a Decimal (``None`` when blank); ``ValidationError`` when refused."""
        if raw and _NOT_AN_AMOUNT.search(raw):
            # parse_amount would read "1e5" as a number; nobody types baht that way.
            raise ValidationError(
                _("Enter an amount in baht, for example 1,234,567.50."), code="invalid"
            )
        return parse_amount(raw)

    def _clean_fields(self):
        super()._clean_fields()
        for name, raw in list(self.cleaned_data.items()):
            try:
                self.cleaned_data[name] = self.read_amount(raw)
            except ValidationError as error:
                self.add_error(name, error)

    def clean(self):
        data = super().clean()
        allowed = self.years[: self.duration]
        for year in self.years[self.duration :]:
            for category in ExpenseCategory:
                name = self.field_name(year, category)
                if data.get(name):
                    self.add_error(
                        name,
                        _("FY%(year)s is outside the project's duration (FY%(first)s–FY%(last)s).")
                        % {"year": year, "first": allowed[0], "last": allowed[-1]},
                    )
        known = {self.add_prefix(n) for n in self.fields}
        strays = sorted(
            k for k in (self.data or {}) if k.startswith(self.prefix + "-") and k not in known
        )
        for key in strays:
            match = re.match(rf"{self.prefix}-y(\d+)_", key)
            self.add_error(
                None,
                _("FY%(year)s is outside the project's duration (FY%(first)s–FY%(last)s).")
                % {
                    "year": match.group(1) if match else "?",
                    "first": allowed[0],
                    "last": allowed[-1],
                },
            )
        return data

    def amounts(self) -> dict:
        """{(year, category): Decimal} of the non-blank cells (after ``is_valid``)."""
        result = {}
        for year in self.years:
            for category in ExpenseCategory:
                value = self.cleaned_data.get(self.field_name(year, category))
                if value is not None:
                    result[(year, category.value)] = value
        return result

    def lenient_amounts(self) -> dict:
        """The cells that are valid amounts, for showing totals next to a form that has errors.

        A refused cell (letters, too large, a negative amount) counts for nothing; it is marked
        by its own error.
        """
        result = {}
        for year in self.years:
            for category in ExpenseCategory:
                name = self.field_name(year, category)
                raw = self[name].value()
                try:
                    value = self.read_amount(raw)
                except ValidationError:
                    value = None
                if value is not None:
                    result[(year, category.value)] = value
        return result

    def rows(self):
        """Per year: its bound fields, whether it lies in the duration and whether to show it."""
        rows = []
        for i, year in enumerate(self.years):
            fields = [self[self.field_name(year, c)] for c in ExpenseCategory]
            has_value = any((f.value() or "").strip() for f in fields)
            in_duration = i < self.duration
            visible = in_duration or has_value or any(f.errors for f in fields)
            if not visible:
                for f in fields:
                    f.field.widget.attrs["disabled"] = True
            rows.append(
                {"year": year, "fields": fields, "in_duration": in_duration, "visible": visible}
            )
        return rows

    @staticmethod
    def initial_for(proposal) -> dict:
        return {
            BudgetForm.field_name(b.fiscal_year, b.category): format_baht(b.amount)
            for b in proposal.budget_lines.all()
        }


class AttachmentForm(InvisibleCharactersMixin, forms.Form):
    prefix = "attachment"
    file = forms.FileField(label=gettext_lazy("Document (PDF, XLSX or DOCX)"), required=False)
    description = forms.CharField(
        label=gettext_lazy("Description"),
        max_length=500,
        required=False,
        help_text=gettext_lazy("For example: terms of reference, feasibility study."),
    )

    def clean(self):
        data = super().clean()
        upload = data.get("file")
        if upload:
            try:
                validate_upload(upload)
            except ValidationError as error:
                self.add_error("file", error)
            if not (data.get("description") or "").strip():
                self.add_error("description", _("Please describe the document."))
        return data

    @property
    def has_upload(self):
        return bool(self.files.get(self.add_prefix("file")))


class WorkbookUploadForm(forms.Form):
    """The agency's filled budget workbook (issue 17); its content is read by ``workbook``."""

    file = forms.FileField(
        label=gettext_lazy("Filled budget workbook (.xlsx)"),
        help_text=gettext_lazy(
            "The workbook downloaded from this system. Nothing is saved before you confirm."
        ),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > WORKBOOK_MAX_BYTES:
            raise ValidationError(
                _("The file is too large for a proposal workbook."), code="too_large"
            )
        return upload


class WithdrawForm(InvisibleCharactersMixin, forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason for withdrawing"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
    )

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise ValidationError(_("Please give a reason."))
        return reason


def sign_base(snapshot: dict) -> str:
    return signing.dumps(snapshot, salt=_SIGNING_SALT, compress=True)


def unsign_base(token: str) -> dict | None:
    try:
        return signing.loads(token or "", salt=_SIGNING_SALT)
    except signing.BadSignature:
        return None


class ProposalEditor:
    """Sections 1–6 of one proposal as one page; each section is its own Django form."""

    def __init__(self, data=None, files=None, *, plan_round, proposal=None, agency_id=None):
        self.plan_round = plan_round
        self.proposal = proposal
        instance = proposal or Proposal(round=plan_round)
        self.general = GeneralForm(
            data, instance=instance, prefix="general", plan_round=plan_round,
            agency_id=proposal.agency_id if proposal else agency_id,
        )  # fmt: skip
        self.alignment = AlignmentForm(data, instance=instance, prefix="alignment")
        self.content = ContentForm(data, instance=instance, prefix="content")
        kpi_initial = [
            {"indicator": k.indicator, "unit": k.unit, "target": k.target}
            for k in (proposal.kpis.all() if proposal else [])
        ]
        # Bound: no initial, or rows left as they were would count as "unchanged" and vanish.
        self.kpis = KPIFormSet(
            data, initial=None if data is not None else kpi_initial, prefix="kpi"
        )
        self.budget = BudgetForm(
            data,
            plan_round=plan_round,
            duration=self._duration(data, instance),
            initial=BudgetForm.initial_for(proposal) if proposal else None,
        )
        self.attachment = AttachmentForm(data, files)

    def _duration(self, data, instance):
        if data is not None:
            try:
                value = int(data.get("general-duration_years", ""))
            except ValueError:
                value = instance.duration_years
            return min(max(value, 1), MAX_DURATION)
        return instance.duration_years

    @property
    def content_forms(self):
        return [self.general, self.alignment, self.content, self.kpis, self.budget]

    def is_valid(self) -> bool:
        """Sections 1–5 (the attachment upload is checked on its own)."""
        results = [f.is_valid() for f in self.content_forms]  # every section, to show all errors
        return all(results)

    def stripped_fields(self) -> list[str]:
        """Labels of the fields that lost invisible characters (after ``is_valid``)."""
        return collect_stripped([self.general, self.alignment, self.content, *self.kpis.forms])

    def has_errors(self) -> bool:
        return any(f.is_bound and not f.is_valid() for f in self.content_forms)

    def error_summary(self) -> list[dict]:
        """Every error of the page, in form order, with the id of the field to jump to."""
        summary = []
        forms_in_order = [self.general, self.alignment, self.content, *self.kpis.forms, self.budget]
        if self.attachment.is_bound:
            forms_in_order.append(self.attachment)
        for form in forms_in_order:
            if not form.is_bound or not form.errors:
                continue
            for name, errors in form.errors.items():
                if name == NON_FIELD_ERRORS:
                    summary.extend({"label": "", "message": e, "anchor": ""} for e in errors)
                    continue
                field = form[name]
                summary.extend(
                    {"label": field.label, "message": e, "anchor": field.auto_id} for e in errors
                )
        summary.extend(
            {"label": "", "message": e, "anchor": "section-kpis"}
            for e in self.kpis.non_form_errors()
        )
        return summary

    def to_content(self) -> ProposalContent:
        fields = {
            **self.general.cleaned_data,
            **self.alignment.cleaned_data,
            **self.content.cleaned_data,
        }
        kpis = [
            (f.cleaned_data["indicator"], f.cleaned_data["unit"], f.cleaned_data["target"])
            for f in self.kpis.forms
            if f.cleaned_data and not f.cleaned_data.get("DELETE") and not f.is_blank
        ]
        return ProposalContent(fields=fields, kpis=kpis, budget=self.budget.amounts())

    def grid(self):
        """Totals shown under the grid (the same selector as everywhere else)."""
        preview = Proposal(round=self.plan_round, duration_years=self.budget.duration)
        if self.budget.is_bound:
            lines = self.budget.lenient_amounts()
        elif self.proposal:
            lines = {
                (b.fiscal_year, b.category): b.amount for b in self.proposal.budget_lines.all()
            }
        else:
            lines = {}
        grid = get_budget_grid(preview, lines)
        by_year = {row["year"]: row["total"] for row in grid["rows"]}
        rows = self.budget.rows()
        for row in rows:
            row["total"] = by_year.get(row["year"], ZERO)
        grid["form_rows"] = rows
        return grid
