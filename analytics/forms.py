from django import forms
from django.utils.translation import gettext_lazy as _

from crm.dates import DateWithinBounds

from .selectors import CHANNEL_VOLUMES, DAY_FIGURES


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


class DrilldownForm(forms.Form):
    """The figure a drill-down link names: a daily chart's point (`day`, `figure`), a pie's
    slice over the days from `start` to `end` (`figure` or `channel`), a month's top `top` %
    by contribution, or a channel's customers in the months from `since` to `month`.
    Cleaned, a day is the period from that day to that day."""

    day = forms.DateField(required=False, validators=[DateWithinBounds(days_ahead=366)])
    start = forms.DateField(required=False, validators=[DateWithinBounds(days_ahead=366)])
    end = forms.DateField(required=False, validators=[DateWithinBounds(days_ahead=366)])
    figure = forms.ChoiceField(required=False, choices=[(name, name) for name in DAY_FIGURES])
    month = forms.DateField(required=False, validators=[DateWithinBounds(days_ahead=366)])
    since = forms.DateField(required=False, validators=[DateWithinBounds(days_ahead=366)])
    top = forms.IntegerField(required=False, min_value=1, max_value=100)
    channel = forms.ChoiceField(required=False, choices=[(name, name) for name in CHANNEL_VOLUMES])

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        months = (cleaned["month"], cleaned["since"], cleaned["top"])
        if cleaned["day"]:
            others = (cleaned["start"], cleaned["end"], cleaned["channel"], *months)
            if not cleaned["figure"] or any(others):
                raise forms.ValidationError(_("No such figure."))
            cleaned["start"] = cleaned["end"] = cleaned["day"]
            return cleaned
        if cleaned["start"] or cleaned["end"]:
            start, end = cleaned["start"], cleaned["end"]
            one_of = bool(cleaned["figure"]) != bool(cleaned["channel"])
            if not (start and end) or start > end or not one_of or any(months):
                raise forms.ValidationError(_("No such figure."))
            return cleaned
        one_of = (cleaned["top"] is None) != (not cleaned["channel"])
        if cleaned["figure"] or not cleaned["month"] or not one_of:
            raise forms.ValidationError(_("No such figure."))
        # `since` widens a channel slice only; a top share is of one month.
        if not cleaned["channel"] or not cleaned["since"]:
            cleaned["since"] = cleaned["month"]
        return cleaned
