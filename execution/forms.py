"""The agency's report form and DGA's review form. Amounts are read by ``core.money``."""

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from core.money import parse_amount
from core.text import InvisibleCharactersMixin
from proposals.attachments import validate_upload
from proposals.models import KPI, ExpenseCategory

from .models import QuarterlyReport
from .workflow import ProgressStatus

CATEGORY_LABELS = dict(ExpenseCategory.choices)
# An amendment's KPI row: field → (label, the KPI's length)
KPI_PARTS = {
    "indicator": (_("Indicator"), 500),
    "unit": (_("Unit"), 100),
    "target": (_("Target"), 100),
}


class AmountField(forms.Field):
    """Baht as people type them (``1,234.50``, Thai digits); blank is zero."""

    widget = forms.TextInput(attrs={"inputmode": "decimal", "maxlength": "30"})

    def to_python(self, value: Any) -> Decimal:
        if isinstance(value, str) and len(value) > 30:
            raise ValidationError(_("The amount is too large."), code="too_large")
        amount = parse_amount(value)
        return amount if amount is not None else Decimal("0.00")


class ReportForm(InvisibleCharactersMixin, forms.Form):
    progress = forms.ChoiceField(label=_("Project status"), choices=ProgressStatus.choices)
    milestones = forms.CharField(
        label=_("Milestones done"), required=False, max_length=5000, widget=forms.Textarea
    )
    problems = forms.CharField(
        label=_("Problems and obstacles"), required=False, max_length=5000, widget=forms.Textarea
    )
    help_requested = forms.CharField(
        label=_("Help asked of DGA"), required=False, max_length=5000, widget=forms.Textarea
    )

    def __init__(self, *args: Any, report: QuarterlyReport, **kwargs: Any) -> None:
        initial = {
            "progress": report.progress,
            "milestones": report.milestones,
            "problems": report.problems,
            "help_requested": report.help_requested,
        }
        self.line_rows = []
        for line in report.lines.order_by("category"):
            initial[f"disbursed_{line.category}"] = f"{line.disbursed:,.2f}"
            initial[f"committed_{line.category}"] = f"{line.committed:,.2f}"
        self.kpi_rows = []
        for actual in report.kpi_actuals.select_related("kpi").order_by("kpi__order", "kpi_id"):
            initial[f"kpi_{actual.kpi_id}"] = actual.actual
            initial[f"kpinote_{actual.kpi_id}"] = actual.note
        super().__init__(*args, initial=initial, **kwargs)
        for line in report.lines.order_by("category"):
            label = CATEGORY_LABELS.get(line.category, line.category)
            for kind, title in (("disbursed", _("disbursed")), ("committed", _("committed"))):
                self.fields[f"{kind}_{line.category}"] = AmountField(
                    label=f"{label}: {title}", required=False
                )
            self.line_rows.append(
                (line.category, label, self[f"disbursed_{line.category}"],
                 self[f"committed_{line.category}"])
            )  # fmt: skip
        removable: list[tuple[str, str]] = []
        for actual in (
            report.kpi_actuals.select_related("kpi")
            .prefetch_related("evidence")
            .order_by("kpi__order", "kpi_id")
        ):
            self.fields[f"kpi_{actual.kpi_id}"] = forms.CharField(
                label=actual.kpi.indicator, required=False, max_length=100
            )
            self.fields[f"kpinote_{actual.kpi_id}"] = forms.CharField(
                label=_("Evidence and notes"), required=False, max_length=500
            )
            self.fields[f"evidence_{actual.kpi_id}"] = forms.FileField(
                label=_("Attach evidence (PDF, XLSX or DOCX)"), required=False,
                validators=[validate_upload],
            )  # fmt: skip
            evidence = list(actual.evidence.all())
            self.kpi_rows.append(
                (actual.kpi, self[f"kpi_{actual.kpi_id}"], self[f"kpinote_{actual.kpi_id}"],
                 self[f"evidence_{actual.kpi_id}"], evidence)
            )  # fmt: skip
            removable += [(str(e.pk), e.original_name) for e in evidence]
            # the mixin wrapped the fields that existed before; these are added afterwards
            for name in (f"kpi_{actual.kpi_id}", f"kpinote_{actual.kpi_id}"):
                field = self.fields[name]
                field.to_python = self._stripping(name, field, field.to_python)

        self.fields["remove_evidence"] = forms.MultipleChoiceField(
            label=_("Remove"), choices=removable, required=False,
            widget=forms.CheckboxSelectMultiple,
        )  # fmt: skip

    def evidence_uploads(self) -> dict[int, Any]:
        """KPI id → the document uploaded as its evidence (the KPIs with one only)."""
        return {
            kpi.pk: self.cleaned_data[f"evidence_{kpi.pk}"]
            for kpi, *_rest in self.kpi_rows
            if self.cleaned_data.get(f"evidence_{kpi.pk}")
        }

    def evidence_to_remove(self) -> list[int]:
        return [int(pk) for pk in self.cleaned_data.get("remove_evidence", [])]

    def service_arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "texts": {k: data.get(k, "") for k in ("milestones", "problems", "help_requested")},
            "progress": data["progress"],
            "amounts": {
                category: (data[f"disbursed_{category}"], data[f"committed_{category}"])
                for category, *_rest in self.line_rows
            },
            "kpi_actuals": {
                kpi.pk: (data.get(f"kpi_{kpi.pk}", ""), data.get(f"kpinote_{kpi.pk}", ""))
                for kpi, *_rest in self.kpi_rows
            },
        }


class ReviewForm(InvisibleCharactersMixin, forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("accept", _("Accept")), ("return", _("Return for correction"))],
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Comments to the agency"), required=False, max_length=5000, widget=forms.Textarea
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("decision") == "return" and not (data.get("comment") or "").strip():
            raise ValidationError({"comment": _("Say what the agency must correct.")})
        return data


class NewReportForm(forms.Form):
    fiscal_year = forms.IntegerField(min_value=2500, max_value=2700)
    quarter = forms.IntegerField(min_value=1, max_value=4)


class AmendmentAmountField(AmountField):
    """An amount the amendment asks for: blank is a mistake, not zero."""

    def to_python(self, value: Any) -> Decimal:
        if value is None or (isinstance(value, str) and not value.strip()):
            raise ValidationError(_("Enter the amount (0 for none)."), code="required")
        return super().to_python(value)


class AmendmentForm(InvisibleCharactersMixin, forms.Form):
    """The agency's request: the approved amount of each budget line as it should become, the
    reasons, and any change of scope or KPIs."""

    reason = forms.CharField(
        label=_("Reasons for the amendment"), max_length=5000, widget=forms.Textarea
    )
    scope_change = forms.CharField(
        label=_("Change of scope (if any)"), required=False, max_length=5000,
        widget=forms.Textarea,
    )  # fmt: skip
    kpi_change = forms.CharField(
        label=_("Change of KPIs (if any)"), required=False, max_length=5000,
        widget=forms.Textarea,
    )  # fmt: skip

    def __init__(
        self,
        *args: Any,
        cells: list[tuple[int, str, Decimal, Decimal]],
        kpis: Sequence[KPI] = (),
        **kwargs: Any,
    ) -> None:
        """``cells``: per budget line of the proposal (fiscal year, category, the amount
        requested, the approved amount now); ``kpis``: the proposal's KPIs, each a row of
        indicator, unit and target to change, and one empty row for a new KPI."""
        initial = {f"amount_{y}_{c}": f"{now:,.2f}" for y, c, _req, now in cells}
        for kpi in kpis:
            for name in KPI_PARTS:
                initial[f"kpi{name}_{kpi.pk}"] = getattr(kpi, name)
        super().__init__(*args, initial=initial, **kwargs)
        self.cell_rows = []
        for year, category, requested, now in cells:
            name = f"amount_{year}_{category}"
            label = f"{year} {CATEGORY_LABELS.get(category, category)}"
            self.fields[name] = AmendmentAmountField(label=label)
            self.cell_rows.append((year, category, label, requested, now, self[name]))
        self.kpi_rows = [(kpi, self._kpi_fields(str(kpi.pk))) for kpi in kpis]
        self.new_kpi = self._kpi_fields("new")

    def _kpi_fields(self, key: str) -> list[forms.BoundField]:
        bound = []
        for name, (label, length) in KPI_PARTS.items():
            field_name = f"kpi{name}_{key}"
            field = forms.CharField(label=label, required=False, max_length=length)
            field.to_python = self._stripping(field_name, field, field.to_python)  # type: ignore[method-assign]
            self.fields[field_name] = field
            bound.append(self[field_name])
        return bound

    def kpi_changes(self) -> list[tuple[int | None, str, str, str]]:
        """Each KPI row as (KPI id, indicator, unit, target); the new one with the id None."""
        data = self.cleaned_data
        rows: list[tuple[int | None, str, str, str]] = [
            (kpi.pk, *(data.get(f"kpi{name}_{kpi.pk}", "") for name in KPI_PARTS))  # type: ignore[misc]
            for kpi, _fields in self.kpi_rows
        ]
        rows.append((None, *(data.get(f"kpi{name}_new", "") for name in KPI_PARTS)))  # type: ignore[arg-type]
        return rows

    def amounts(self) -> dict[tuple[int, str], Decimal]:
        return {
            (year, category): self.cleaned_data[f"amount_{year}_{category}"]
            for year, category, *_rest in self.cell_rows
        }


class AmendmentDecisionForm(InvisibleCharactersMixin, forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("approve", _("Approve")), ("refuse", _("Refuse"))],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Reasons (required to refuse)"), required=False, max_length=5000,
        widget=forms.Textarea,
    )  # fmt: skip

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("decision") == "refuse" and not (data.get("reason") or "").strip():
            raise ValidationError({"reason": _("Say why the amendment is refused.")})
        return data
