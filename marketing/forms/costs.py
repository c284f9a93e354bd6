"""Forms of campaigns' costs: a gift handed to a customer (on the 360 page) and an event
expense of a campaign (on its results page). The services decide again (stock, kinds)."""

from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.forms import RowChoiceField
from marketing.models import ExpenseKind
from marketing.selectors.results import gift_campaigns_of, gifts_available


class GiftGiveForm(forms.Form):
    gift = RowChoiceField(label=_("Gift"), queryset=None, empty_label=None)
    quantity = forms.IntegerField(label=_("Quantity"), min_value=1, max_value=1000, initial=1)
    campaign = RowChoiceField(
        label=_("In the campaign"),
        queryset=None,
        required=False,
        empty_label=_("No campaign"),
    )
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args, customer, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["gift"].queryset = gifts_available()
        self.fields["gift"].label_from_instance = gift_label
        self.fields["campaign"].queryset = gift_campaigns_of(customer)


def gift_label(gift) -> str:
    return _("%(name)s (%(stock)s in stock, %(cost)s each)") % {
        "name": gift.name,
        "stock": gift.stock,
        "cost": gift.unit_cost,
    }


class ExpenseForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=ExpenseKind.choices)
    amount = forms.DecimalField(
        label=_("Amount"), max_digits=14, decimal_places=2, min_value=Decimal("0.01")
    )
    spent_on = forms.DateField(
        label=_("Spent on"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {"spent_on": timezone.localdate()})
        super().__init__(*args, **kwargs)
