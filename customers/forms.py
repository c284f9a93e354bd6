"""Django forms of the customers app: starting an import and the upload of corrected import
rejects; logging a contact, opening a service request and moving it along its workflow."""

import datetime
import tempfile
from pathlib import Path

from django import forms
from django.conf import settings
from django.db.models import Q
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from crm.dates import DateWithinBounds
from crm.models import Role, Staff
from crm.scoping import scope_for_user
from customers.permissions import may_act_for

from .filters import filter_query
from .models import (
    SERVICE_REQUEST_FLOW,
    Customer,
    ImportProfile,
    Interaction,
    RunStatus,
    ServiceRequest,
    ServiceRequestStatus,
)
from .selectors.imports import day_folder_label


class ImportStartForm(forms.Form):
    """Start an import from the Imports page: every pending day, or one day folder again
    (`days`: the folder names that can be imported), with a profile (the default first)."""

    day = forms.ChoiceField(
        label=_("Day"),
        required=False,
        help_text=_(
            "Every pending day: each day folder not loaded yet as it is now. A chosen day is"
            " imported again, even when it is loaded already."
        ),
    )
    profile = forms.ChoiceField(label=_("Profile"))

    def __init__(self, *args, days: list[str], states: dict[str, str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        labels = dict(RunStatus.choices)
        states = states or {}
        self.fields["day"].choices = [
            ("", _("Every pending day")),
            *(
                (
                    name,
                    _("%(day)s — %(state)s")
                    % {
                        "day": day_folder_label(name),
                        "state": labels[states[name]] if name in states else _("not loaded yet"),
                    },
                )
                for name in days
            ),
        ]
        profiles = list(
            ImportProfile.objects.order_by("-is_default", "name").only(
                "name", "is_default", "description"
            )
        )
        self.fields["profile"].choices = [
            (profile.name, _profile_label(profile)) for profile in profiles
        ]
        defaults = [profile.name for profile in profiles if profile.is_default]
        if defaults:
            self.fields["profile"].initial = defaults[0]


def _profile_label(profile: ImportProfile) -> str:
    """A profile's choice: its name, whether it is the default, and what it is for."""
    label = _("%(name)s (default)") % {"name": profile.name} if profile.is_default else profile.name
    description = profile.description_shown
    return f"{label} — {description}" if description else label


class ImportCorrectionForm(forms.Form):
    """A corrected CSV for one file of a run; the file choices are those with open rejects."""

    file = forms.ChoiceField(label=_("File"))
    upload = forms.FileField(
        label=_("Corrected CSV"),
        help_text=_(
            "The downloaded rejects with the rows corrected, header line included, "
            "in the profile's encoding."
        ),
    )

    def __init__(self, *args, files: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].choices = [(name, f"{name}.csv") for name in files]

    def save_upload(self, *, prefix: str) -> Path:
        """Write the upload to a temporary file under DATA_DIR/uploads (the caller deletes it)."""
        folder = Path(settings.DATA_DIR) / "uploads"
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(
            dir=folder, prefix=prefix, suffix=".csv", delete=False
        ) as handle:
            for chunk in self.cleaned_data["upload"].chunks():
                handle.write(chunk)
        return Path(handle.name)


# -- relationship: interactions and service requests -------------------------------------------
# The forms validate input; customers/services/relationship.py does the writing.

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
    """Active staff of the customer's branch who log in and may see the customer.

    The narrowing mirrors crm/scoping.py in reverse (the manager, the manager's team lead,
    the branch managers), so that a request's task never lands on a workbench that cannot
    show its customer; ServiceRequestForm re-checks the chosen one through scope_for_user.
    """
    reach = Q(role=Role.BRANCH_MANAGER)
    if customer.manager_id:
        reach |= Q(pk=customer.manager_id)
        if customer.manager.team_id:
            reach |= Q(role=Role.TEAM_LEAD, team_id=customer.manager.team_id)
    return Staff.objects.filter(
        reach,
        branch_id=customer.branch_id,
        is_active=True,
        user__isnull=False,
        user__is_active=True,
    ).select_related("user")


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


class SavedViewForm(forms.Form):
    name = forms.CharField(label=pgettext_lazy("saved view", "Name"), max_length=100)
    shared_with_team = forms.BooleanField(label=_("Share with my team"), required=False)
    query = forms.CharField(widget=forms.HiddenInput, required=False, max_length=2000)

    def clean_query(self):
        # Stored as the known filters only: a saved view can link to nothing but the list.
        return filter_query(QueryDict(self.cleaned_data["query"]))
