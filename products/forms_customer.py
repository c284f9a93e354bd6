"""The forms of the suitability panel's check, confirm and sell path on the customer 360
page. They validate input; products/services/checks.py and sales.py do the writing and
decide what is allowed."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.dates import DateWithinBounds
from products.models import CheckPurpose, Product, SaleChannel


def money_field(label, *, required: bool = True, help_text="") -> forms.DecimalField:
    """An amount of money as ProductSale stores one: at most 20 digits, cents, not negative."""
    return forms.DecimalField(
        label=label,
        required=required,
        help_text=help_text,
        max_digits=20,
        decimal_places=2,
        min_value=0,
    )


# The purposes staff choose on the page: a recommendation is the suggestions' own road, and
# an imported sale the import's.
PAGE_PURPOSES = (CheckPurpose.ENQUIRY, CheckPurpose.CUSTOMER_REQUEST)


class CheckForm(forms.Form):
    """Check a product (by its code) for the customer, with an amount if one is asked."""

    product = forms.CharField(label=_("Product code"), max_length=32)
    amount = money_field(_("Amount"), required=False)
    purpose = forms.ChoiceField(
        label=_("Why"),
        choices=[(purpose.value, purpose.label) for purpose in PAGE_PURPOSES],
        initial=CheckPurpose.ENQUIRY,
    )

    def clean_product(self) -> Product:
        code = self.cleaned_data["product"].strip()
        product = Product.objects.filter(code=code).first()
        if product is None:
            raise forms.ValidationError(
                _("No product has the code %(code)s."), params={"code": code}
            )
        return product


class ConfirmationForm(forms.Form):
    """The customer's confirmation of the special risk warning shown."""

    confirmed = forms.BooleanField(
        label=_("The customer read the special risk warning and confirmed it"),
        error_messages={"required": _("Tick the box once the customer has confirmed.")},
    )
    recording_ref = forms.CharField(
        label=_("Recording reference"),
        max_length=200,
        required=False,
        help_text=_("Where the audio or video recording of the confirmation is kept."),
    )


class SaleForm(forms.Form):
    """A sale on a check: the fee is the amount times the product's fee rate unless entered."""

    amount = money_field(_("Amount"))
    sold_on = forms.DateField(
        label=_("Sold on"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        validators=[DateWithinBounds(days_ahead=0)],
    )
    channel = forms.ChoiceField(label=_("Channel"), choices=SaleChannel.choices)
    fee = money_field(
        _("Fee income"),
        required=False,
        help_text=_("Leave empty for the amount times the product's fee rate."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("sold_on", timezone.localdate())
            self.initial.setdefault("channel", SaleChannel.BRANCH)
