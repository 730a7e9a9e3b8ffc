"""Forms of the meeting pages. They parse and validate input; the rules live in services."""

from django import forms
from django.utils.translation import gettext_lazy as _

from core.money import parse_amount
from core.text import InvisibleCharactersMixin
from core.text_limits import LIST_MAX, limit_length
from directory.models import User
from proposals.models import PlanRound

from .models import Attendance, Committee, Meeting, Outcome, VoteChoice


class AmountField(forms.Field):
    """Baht typed the way people type it: ``1,234,567.50`` or Thai digits."""

    widget = forms.TextInput

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
        self.widget.attrs.update({"inputmode": "decimal", "autocomplete": "off", "maxlength": 40})

    def to_python(self, value):
        text = str(value or "").strip()[:40]
        return parse_amount(text) if text else None


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, **kwargs):
        super().__init__(format="%H:%M", **kwargs)


class MeetingForm(InvisibleCharactersMixin, forms.ModelForm):
    class Meta:
        model = Meeting
        fields = ["committee", "round", "number", "year_be", "date", "start_time", "place"]
        widgets = {"date": DateInput(), "start_time": TimeInput()}
        help_texts = {"year_be": _("Buddhist Era, e.g. 2567")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["committee"].queryset = Committee.objects.order_by("name_th")
        self.fields["round"].queryset = PlanRound.objects.order_by("-fiscal_year")
        self.fields["year_be"].min_value = 2500
        self.fields["year_be"].widget.attrs.update({"min": 2500, "max": 2700})
        self.fields["number"].widget.attrs.update({"min": 1})

    def clean_year_be(self):
        year = self.cleaned_data["year_be"]
        if not 2500 <= year <= 2700:
            raise forms.ValidationError(_("Give the year in the Buddhist Era, e.g. 2567."))
        return year

    def clean_number(self):
        number = self.cleaned_data["number"]
        if number < 1:
            raise forms.ValidationError(_("The meeting number starts at 1."))
        return number

    def validate_unique(self):
        # The service reports a taken number in the user's language.
        pass


class MeetingDetailsForm(InvisibleCharactersMixin, forms.ModelForm):
    class Meta:
        model = Meeting
        fields = [
            "date", "start_time", "end_time", "place", "others_attending", "minute_taker",
            "minutes_reviewer", "chair_announcements", "minutes_certification", "matters_arising",
            "other_matters",
        ]  # fmt: skip
        widgets = {
            "date": DateInput(),
            "start_time": TimeInput(),
            "end_time": TimeInput(),
            "others_attending": forms.Textarea(attrs={"rows": 4}),
            "chair_announcements": forms.Textarea(attrs={"rows": 3}),
            "minutes_certification": forms.Textarea(attrs={"rows": 2}),
            "matters_arising": forms.Textarea(attrs={"rows": 3}),
            "other_matters": forms.Textarea(attrs={"rows": 3}),
        }
        labels = {
            "start_time": _("Scheduled start"),
            "end_time": _("Scheduled end"),
            "chair_announcements": _("Agenda 1: matters the chair informs the meeting of"),
            "minutes_certification": _("Agenda 2: certification of the previous minutes"),
            "matters_arising": _("Agenda 3: matters arising"),
            "other_matters": _("Agenda 5: other matters"),
        }
        help_texts = {
            "others_attending": _("One person per line: name and position."),
            "start_time": _("The minutes print the time the meeting was really opened and closed."),
            "other_matters": _(
                "Agenda 4 lists the proposals considered. Empty agenda parts print “none”."
            ),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        staff = (
            User.objects.filter(groups__name__in=["secretary", "screener"], is_active=True)
            .distinct()
            .order_by("first_name", "username")
        )
        self.fields["minute_taker"].queryset = staff
        # The reviewer is often the chair or a member: anyone of the committee's side may be.
        self.fields["minutes_reviewer"].queryset = (
            User.objects.filter(
                groups__name__in=["secretary", "screener", "committee"], is_active=True
            )
            .distinct()
            .order_by("first_name", "username")
        )
        for name in ("others_attending", "chair_announcements", "minutes_certification",
                     "matters_arising", "other_matters"):  # fmt: skip
            limit_length(self.fields[name], LIST_MAX)


class VoteForm(forms.Form):
    choice = forms.ChoiceField(
        label=_("Your vote"), choices=VoteChoice.choices, widget=forms.RadioSelect,
        error_messages={"required": _("Choose how you vote.")},
    )  # fmt: skip
    # That a reduced vote needs its amount is cast_vote's rule; the view shows its message.
    amount = AmountField(label=_("Reduced amount (baht)"))


class ConflictForm(InvisibleCharactersMixin, forms.Form):
    reason = forms.CharField(
        label=_("Nature of the conflict of interest"), max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Describe the conflict of interest.")},
    )  # fmt: skip


class ResolutionForm(InvisibleCharactersMixin, forms.Form):
    outcome = forms.ChoiceField(
        label=_("Resolution"), choices=Outcome.choices,
        error_messages={"required": _("Choose the resolution.")},
    )  # fmt: skip
    approved_amount = AmountField(label=_("Approved amount (baht)"))
    reason = forms.CharField(
        label=_("Reason (required when it differs from the votes)"), required=False,
        max_length=2000, widget=forms.Textarea(attrs={"rows": 2}),
    )  # fmt: skip
    over_frame = forms.BooleanField(
        label=_("Record it over the budget frame (give the reason)"), required=False
    )


class ReopenForm(InvisibleCharactersMixin, forms.Form):
    reason = forms.CharField(
        label=_("Reason for reopening"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Give the reason for reopening the meeting.")},
    )  # fmt: skip


class AttendanceForm(forms.Form):
    """One present/absent choice per member, named ``member-<membership id>``."""

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.members = members
        for row in members:
            self.fields[f"member-{row.membership.pk}"] = forms.ChoiceField(
                label=str(row.user), choices=Attendance.Presence.choices,
                widget=forms.RadioSelect, initial=row.presence, required=False,
            )  # fmt: skip

    def presence(self) -> dict:
        return {
            row.membership.pk: self.cleaned_data[f"member-{row.membership.pk}"]
            for row in self.members
            if self.cleaned_data.get(f"member-{row.membership.pk}")
        }

    def rows(self):
        return [(row, self[f"member-{row.membership.pk}"]) for row in self.members]


# --- the budget frame and the fit-to-frame suggestion ---------------------------------------


class PercentField(forms.DecimalField):
    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(min_value=0, max_value=100, max_digits=5, decimal_places=2, **kwargs)
        self.widget.attrs.update({"step": "0.01", "inputmode": "decimal"})


class FrameForm(forms.Form):
    """One amount per fiscal year (``frame-<year>``, blank: no frame) and the least and most
    share of the round's year per value-chain stage (``min-<stage id>``, ``max-<stage id>``)."""

    def __init__(self, *args, years, stages, initial_frames, initial_shares, **kwargs):
        super().__init__(*args, **kwargs)
        self.years, self.stages = years, stages
        for year in years:
            self.fields[f"frame-{year}"] = AmountField(
                label=_("FY %(year)s (baht)") % {"year": year},
                initial=initial_frames.get(year),
            )
        for stage in stages:
            low, high = initial_shares.get(stage.pk, (None, None))
            self.fields[f"min-{stage.pk}"] = PercentField(
                label=_("%(stage)s: at least (percent)") % {"stage": stage.name}, initial=low
            )
            self.fields[f"max-{stage.pk}"] = PercentField(
                label=_("%(stage)s: at most (percent)") % {"stage": stage.name}, initial=high
            )

    def clean(self):
        data = super().clean()
        for stage in self.stages:
            low, high = data.get(f"min-{stage.pk}"), data.get(f"max-{stage.pk}")
            if low is not None and high is not None and low > high:
                self.add_error(
                    f"max-{stage.pk}", _("A stage's least share cannot be more than its most.")
                )
        return data

    def frames(self) -> dict:
        return {year: self.cleaned_data.get(f"frame-{year}") for year in self.years}

    def shares(self) -> dict:
        return {
            stage.pk: (self.cleaned_data.get(f"min-{stage.pk}"),
                       self.cleaned_data.get(f"max-{stage.pk}"))
            for stage in self.stages
        }  # fmt: skip

    def year_fields(self):
        return [self[f"frame-{year}"] for year in self.years]

    def stage_fields(self):
        return [(stage, self[f"min-{stage.pk}"], self[f"max-{stage.pk}"]) for stage in self.stages]


PIN_CHOICES = [
    ("free", _("Let the suggestion decide")),
    ("in", _("Pin in (approve)")),
    ("out", _("Pin out (leave out)")),
]


class SuggestionForm(forms.Form):
    """The floor of reductions and a pin per undecided item (``pin-<agenda item id>``)."""

    floor = PercentField(
        label=_("Reductions down to (percent of the recommended amount)"), required=True,
        error_messages={"required": _("Give the floor of reductions, e.g. 80.")},
    )  # fmt: skip

    def __init__(self, *args, items, **kwargs):
        super().__init__(*args, **kwargs)
        self.items = items
        for board in items:
            self.fields[f"pin-{board.item.pk}"] = forms.ChoiceField(
                label=f"{board.proposal.code}", choices=PIN_CHOICES, required=False,
                initial="free",
            )  # fmt: skip

    def pins(self) -> dict:
        return {
            board.item.pk: self.cleaned_data.get(f"pin-{board.item.pk}") or "free"
            for board in self.items
        }

    def rows(self):
        return [(board, self[f"pin-{board.item.pk}"]) for board in self.items]
