from django import forms
from django.utils.translation import gettext_lazy as _

from crm.dates import DateWithinBounds


class DateRangeForm(forms.Form):
    start = forms.DateField(
        label=_("From"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[DateWithinBounds(days_ahead=366)],
    )
    end = forms.DateField(
        label=_("To"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[DateWithinBounds(days_ahead=366)],
    )

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and start > end:
            raise forms.ValidationError(_("The start of the range is after its end."))
        return cleaned
