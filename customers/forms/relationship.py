"""Forms of the relationship: logging a contact, opening a service request, moving it along
its workflow and giving it to someone else. They validate input;
customers/services/relationship.py does the writing."""

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.dates import DateWithinBounds
from crm.models import Staff
from crm.scoping import scope_for_user, staff_who_see
from customers.models import (
    SERVICE_REQUEST_FLOW,
    Customer,
    Interaction,
    ServiceRequest,
    ServiceRequestStatus,
)
from customers.permissions import may_act_for

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"
# Clocks of phones and PCs drift: a contact "now" may arrive a little in the future.
CLOCK_SKEW = datetime.timedelta(minutes=5)
# How far ahead a follow-up may be planned.
FOLLOW_UP_DAYS = 3 * 366


class InteractionForm(forms.ModelForm):
    """Log a contact: when it happened defaults to now; a follow-up date makes a task."""

    class Meta:
        model = Interaction
        fields = ("channel", "direction", "occurred_at", "content", "result", "follow_up_on")
        widgets = {
            "occurred_at": forms.DateTimeInput(
                attrs={"type": "datetime-local"}, format=DATETIME_LOCAL
            ),
            "content": forms.Textarea(attrs={"rows": 3}),
            "follow_up_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["follow_up_on"].validators.append(DateWithinBounds(days_ahead=FOLLOW_UP_DAYS))
        if not self.is_bound:
            self.initial.setdefault("channel", "phone")
            self.initial.setdefault(
                "occurred_at", timezone.localtime().replace(second=0, microsecond=0)
            )

    def clean_occurred_at(self):
        occurred_at = self.cleaned_data["occurred_at"]
        if occurred_at > timezone.now() + CLOCK_SKEW:
            raise forms.ValidationError(_("A contact cannot be logged in the future."))
        DateWithinBounds(days_ahead=1)(occurred_at)
        return occurred_at

    def clean_follow_up_on(self):
        follow_up_on = self.cleaned_data.get("follow_up_on")
        if follow_up_on is not None and follow_up_on < timezone.localdate():
            raise forms.ValidationError(_("The follow-up date cannot be in the past."))
        return follow_up_on


def staff_assignable_for(customer: Customer):
    """Staff of the customer's branch who log in and may see the customer: those of
    crm.scoping.staff_who_see in the branch, so that a request's task never lands on a
    workbench that cannot show its customer. The forms re-check the chosen one through
    scope_for_user (assignee_sees_customer)."""
    return staff_who_see(customer).filter(branch_id=customer.branch_id).select_related("user")


class ServiceRequestForm(forms.ModelForm):
    """Open a request for `customer`; the SLA comes from the type."""

    class Meta:
        model = ServiceRequest
        fields = ("request_type", "description", "assignee")
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, customer: Customer, **kwargs):
        super().__init__(*args, **kwargs)
        self.customer = customer
        self.fields["assignee"].queryset = staff_assignable_for(customer)

    def clean_assignee(self):
        return assignee_sees_customer(self.cleaned_data["assignee"], self.customer)


def assignee_sees_customer(assignee: Staff, customer: Customer) -> Staff:
    """`assignee`, if the customer is in their scope; else the form error that says not."""
    visible = scope_for_user(assignee.user, Customer.objects.filter(pk=customer.pk))
    if not visible.exists():
        raise forms.ValidationError(_("This member of staff cannot see the customer."))
    return assignee


class ServiceRequestAssignForm(forms.Form):
    """Give an open request to someone else: a member of staff who can see its customer
    (staff_assignable_for) and whom `user` may act for (customers/permissions.py)."""

    assignee = forms.ModelChoiceField(
        label=_("Assignee"), queryset=Staff.objects.none(), empty_label=None
    )

    def __init__(self, *args, service_request: ServiceRequest, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.service_request = service_request
        allowed = [
            staff.pk
            for staff in staff_assignable_for(service_request.customer)
            if may_act_for(user, staff)
        ]
        self.fields["assignee"].queryset = Staff.objects.filter(pk__in=allowed).order_by("name")
        self.initial.setdefault("assignee", service_request.assignee_id)

    def clean_assignee(self):
        return assignee_sees_customer(self.cleaned_data["assignee"], self.service_request.customer)


class ServiceRequestMoveForm(forms.Form):
    """One step of a request's workflow; resolving needs the resolution written down."""

    to_status = forms.ChoiceField(label=_("Move to"))
    resolution = forms.CharField(
        label=_("Resolution"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, service_request: ServiceRequest, **kwargs):
        super().__init__(*args, **kwargs)
        self.service_request = service_request
        self.fields["to_status"].choices = [
            (status.value, status.label)
            for status in SERVICE_REQUEST_FLOW.get(service_request.status, ())
        ]

    def clean(self):
        cleaned = super().clean()
        resolving = cleaned.get("to_status") == ServiceRequestStatus.RESOLVED
        if resolving and not cleaned.get("resolution", "").strip():
            self.add_error("resolution", _("Describe how the request was resolved."))
        return cleaned
