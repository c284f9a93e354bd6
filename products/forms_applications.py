"""Forms of investor-class applications: the 360 page's application and the review's move.
They validate input; products/services/applications.py does the writing."""

from django import forms
from django.utils.translation import gettext_lazy as _

from products.models import ApplicationDirection, ApplicationStatus
from products.selectors.applications import APPLICATION_FLOW

MONEY = {"max_digits": 20, "decimal_places": 2, "min_value": 0}


class ApplicationForm(forms.Form):
    """An application for the one direction open to the customer (a hidden field: a page
    left open while the customer's class changed is refused by the service)."""

    direction = forms.ChoiceField(choices=ApplicationDirection.choices, widget=forms.HiddenInput)
    financial_assets = forms.DecimalField(label=_("Financial assets"), required=False, **MONEY)
    annual_income = forms.DecimalField(
        label=_("Average annual income over the last 3 years"), required=False, **MONEY
    )
    experience_years = forms.IntegerField(
        label=_("Years of investment experience"), required=False, min_value=0, max_value=80
    )
    evidence = forms.CharField(
        label=_("Evidence"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What the customer provided: statements, certificates, the signed form."),
    )

    def __init__(self, *args, direction: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.setdefault("direction", direction)
        if direction == ApplicationDirection.TO_ORDINARY:
            # The customer's election: no figures to prove.
            for name in ("financial_assets", "annual_income", "experience_years"):
                del self.fields[name]
            self.fields["evidence"].label = _("The customer's election")
            self.fields["evidence"].help_text = _(
                "How and when the customer asked to be treated as an ordinary investor."
            )


class ApplicationMoveForm(forms.Form):
    to_status = forms.ChoiceField(
        choices=[(status, ApplicationStatus(status).label) for status in ApplicationStatus]
    )
    note = forms.CharField(
        label=_("Note"), max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, application, **kwargs):
        super().__init__(*args, **kwargs)
        self.application = application

    def clean_to_status(self):
        to_status = self.cleaned_data["to_status"]
        # The flow itself is the service's to enforce (under lock); this only names the
        # statuses the flow knows at all.
        if not any(to_status in targets for targets in APPLICATION_FLOW.values()):
            raise forms.ValidationError(_("Not a step of the review."))
        return to_status
