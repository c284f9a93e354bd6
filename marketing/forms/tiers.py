"""The parameters of a cell of the dashboards' tiers, as the drill-down reads them."""

from django import forms
from django.utils.translation import gettext as _

from crm.dates import DateWithinBounds, month_start
from marketing.models import Tier
from marketing.selectors.tiers import NEW


class TierCellForm(forms.Form):
    """A cell's parameters: the month, the tier held then (`to`, a code), and either where
    they came from (`from`, a code or "new") or whether only those to watch (`watch`)."""

    month = forms.DateField(validators=[DateWithinBounds(days_ahead=366)])
    to = forms.ModelChoiceField(queryset=Tier.objects.all(), to_field_name="code")
    source = forms.CharField(required=False, max_length=30)
    watch = forms.BooleanField(required=False)

    def __init__(self, data, **kwargs):
        # `from` is a Python keyword: the query's parameter, the form's `source`.
        data = data.copy()
        data["source"] = data.pop("from", [""])[0]
        super().__init__(data, **kwargs)

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        code = cleaned["source"]
        cleaned["first_placed"] = code == NEW
        cleaned["from_tier"] = None
        if code and code != NEW:
            cleaned["from_tier"] = Tier.objects.filter(code=code).first()
            if cleaned["from_tier"] is None:
                raise forms.ValidationError(_("No such figure."))
        if code and cleaned["watch"]:
            raise forms.ValidationError(_("No such figure."))
        cleaned["month"] = month_start(cleaned["month"])
        return cleaned
