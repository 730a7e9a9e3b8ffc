from django import forms
from django.utils.translation import gettext_lazy as _

from core.text import InvisibleCharactersMixin


class PublishForm(InvisibleCharactersMixin, forms.Form):
    note = forms.CharField(
        label=_("Note for this version (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class CompareForm(forms.Form):
    a = forms.TypedChoiceField(label=_("Older version"), coerce=int)
    b = forms.TypedChoiceField(label=_("Newer version"), coerce=int)

    def __init__(self, *args, numbers, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(n, _("Version %(number)s") % {"number": n}) for n in numbers]
        self.fields["a"].choices = choices
        self.fields["b"].choices = choices

    def clean(self):
        data = super().clean()
        if data.get("a") is not None and data.get("a") == data.get("b"):
            raise forms.ValidationError(_("Choose two different versions."))
        return data
