"""Forms of the campaign pages: a campaign's plan with its channels (SMS, e-mail, the
managers' call script, an event invitation, a gift), the recipients' and call list's
filters, and the outcome of a call-list entry. They validate input; the campaigns' services
(marketing/services/campaigns.py, marketing/services/calls.py) do the writing."""

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.dates import DateWithinBounds
from crm.forms import RowChoiceField, RowMultipleChoiceField
from crm.models import Staff
from crm.roles import ROLES_WITH_ACCESS, Access
from crm.scoping import reach_of
from marketing.models import (
    Campaign,
    CampaignChannel,
    CampaignMessage,
    Gift,
    MessageTemplate,
    RecipientGroup,
    SendStatus,
)
from marketing.services.calls import CLOCK_SKEW, OUTCOMES, call_time_refusal

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"
# How far ahead a campaign may be planned, and how far back a call logged.
PLAN_DAYS = 3 * 366
LOG_DAYS_BACK = 31
FOLLOW_UP_DAYS = 366

# The campaign's own fields the form edits (its status, version and approval are the
# services').
PLAN_FIELDS = (
    "name",
    "goal",
    "product",
    "owner",
    "branches",
    "starts_at",
    "ends_on",
    "budget",
    "require_consent",
    "contact_window_days",
    "exclude_other_campaigns",
    "apply_frequency_cap",
    "holdout_percent",
    "conversion_days",
    "inflow_threshold",
)
# The channel fields, by the CampaignMessage field each fills.
CHANNEL_FIELDS = {
    CampaignChannel.SMS: {"template": "sms_template"},
    CampaignChannel.EMAIL: {"template": "email_template"},
    CampaignChannel.CALL: {"script": "call_script"},
    CampaignChannel.EVENT: {
        "event_name": "event_name",
        "event_at": "event_at",
        "venue": "venue",
        "template": "event_template",
    },
    CampaignChannel.GIFT: {"gift": "gift"},
}
# The field whose value switches the channel on.
CHANNEL_KEY = {
    CampaignChannel.SMS: "sms_template",
    CampaignChannel.EMAIL: "email_template",
    CampaignChannel.CALL: "call_script",
    CampaignChannel.EVENT: "event_name",
    CampaignChannel.GIFT: "gift",
}


def _moment_widget():
    return forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL)


def _to_the_minute(moment: datetime.datetime) -> datetime.datetime:
    return timezone.localtime(moment).replace(second=0, microsecond=0)


def owners_for(user):
    """The staff who may own a campaign the user plans: planners who log in; a branch
    manager's are their branch's."""
    owners = Staff.objects.filter(
        is_active=True,
        user__is_active=True,
        role__in=ROLES_WITH_ACCESS[Access.CAMPAIGN_PLANNING],
    ).select_related("branch")
    reach = reach_of(user)
    if not reach.everything:
        owners = owners.filter(branch_id=reach.branch_id)
    return owners.order_by("name")


class CampaignForm(forms.ModelForm):
    sms_template = RowChoiceField(
        label=_("SMS"),
        queryset=MessageTemplate.objects.filter(channel=CampaignChannel.SMS),
        required=False,
        empty_label=_("No SMS"),
    )
    email_template = RowChoiceField(
        label=_("E-mail"),
        queryset=MessageTemplate.objects.filter(channel=CampaignChannel.EMAIL),
        required=False,
        empty_label=_("No e-mail"),
    )
    call_script = forms.CharField(
        label=_("Managers' call script"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Filled in: each contacted customer's manager gets a call on their list."),
    )
    event_name = forms.CharField(
        label=_("Event"),
        required=False,
        max_length=CampaignMessage._meta.get_field("event_name").max_length,
        help_text=_("Filled in: the customers are invited, by SMS and on the call list."),
    )
    event_at = forms.DateTimeField(
        label=_("Event time"),
        required=False,
        widget=_moment_widget(),
        validators=[DateWithinBounds(days_ahead=PLAN_DAYS)],
    )
    venue = forms.CharField(
        label=_("Venue"),
        required=False,
        max_length=CampaignMessage._meta.get_field("venue").max_length,
    )
    event_template = RowChoiceField(
        label=_("Invitation SMS"),
        queryset=MessageTemplate.objects.filter(channel=CampaignChannel.SMS),
        required=False,
        empty_label=_("No invitation SMS"),
    )
    gift = RowChoiceField(
        label=_("Gift"),
        queryset=Gift.objects.filter(active=True),
        required=False,
        empty_label=_("No gift"),
    )

    class Meta:
        model = Campaign
        fields = PLAN_FIELDS
        field_classes = {
            "owner": RowChoiceField,
            "product": RowChoiceField,
            "branches": RowMultipleChoiceField,
        }
        widgets = {
            "goal": forms.Textarea(attrs={"rows": 3}),
            "starts_at": _moment_widget(),
            "ends_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "branches": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        reach = reach_of(user)
        owners = owners_for(user)
        if self.instance.pk and self.instance.owner_id:
            # The owner stays choosable even if they no longer plan (they keep the campaign).
            owners = owners | Staff.objects.filter(pk=self.instance.owner_id)
        self.fields["owner"].queryset = owners.distinct()
        self.fields["product"].queryset = self.fields["product"].queryset.order_by("code")
        if not reach.everything:
            branches = self.fields["branches"].queryset.filter(pk=reach.branch_id)
            self.fields["branches"].queryset = branches
        self.fields["starts_at"].validators.append(DateWithinBounds(days_ahead=PLAN_DAYS))
        self.fields["ends_on"].validators.append(DateWithinBounds(days_ahead=PLAN_DAYS))
        if self.instance.pk:
            # The form's times are to the minute: a stored time's seconds are no change.
            self.initial["starts_at"] = _to_the_minute(self.instance.starts_at)
            for message in self.instance.messages.all():
                for model_field, form_field in CHANNEL_FIELDS[message.channel].items():
                    value = getattr(message, f"{model_field}_id", None) or getattr(
                        message, model_field
                    )
                    if isinstance(value, datetime.datetime):
                        value = _to_the_minute(value)
                    self.initial.setdefault(form_field, value)
        elif not self.is_bound:
            staff = owners.filter(user=user).first()
            if staff is not None:
                self.initial.setdefault("owner", staff.pk)
            self.initial.setdefault(
                "starts_at", timezone.localtime().replace(second=0, microsecond=0)
            )

    def clean(self):
        cleaned = super().clean()
        starts_at, ends_on = cleaned.get("starts_at"), cleaned.get("ends_on")
        if starts_at and ends_on and ends_on < timezone.localtime(starts_at).date():
            self.add_error("ends_on", _("The campaign cannot end before it starts."))
        if cleaned.get("event_name") and not cleaned.get("event_at"):
            self.add_error("event_at", _("An event needs its time."))
        if not cleaned.get("event_name") and (cleaned.get("venue") or cleaned.get("event_at")):
            self.add_error("event_name", _("Name the event, or leave its time and venue empty."))
        return cleaned

    def plan(self) -> dict:
        """The campaign's own fields as cleaned (branches a list of branches)."""
        return {name: self.cleaned_data[name] for name in PLAN_FIELDS}

    def plan_changes(self) -> dict:
        """The campaign's own fields that differ from the campaign's."""
        return {name: self.cleaned_data[name] for name in self.changed_data if name in PLAN_FIELDS}

    def channels(self) -> dict[str, dict | None]:
        """Each channel's CampaignMessage fields as cleaned, or None for a channel off."""
        chosen = {}
        for channel, fields in CHANNEL_FIELDS.items():
            if not self.cleaned_data.get(CHANNEL_KEY[channel]):
                chosen[channel] = None
                continue
            values = {model: self.cleaned_data.get(form) for model, form in fields.items()}
            chosen[channel] = {
                model: (
                    "" if value is None and model in ("script", "event_name", "venue") else value
                )
                for model, value in values.items()
            }
        return chosen

    def channels_changed(self) -> bool:
        return any(
            name in self.changed_data
            for fields in CHANNEL_FIELDS.values()
            for name in fields.values()
        )


class CampaignListFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[("", _("Any status")), *Campaign._meta.get_field("status").choices],
        required=False,
    )


class RecipientFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Send status"),
        choices=[("", _("Any status")), *SendStatus.choices],
        required=False,
    )
    group = forms.ChoiceField(
        label=_("Group"),
        choices=[("", _("Both groups")), *RecipientGroup.choices],
        required=False,
    )


class CallListFilterForm(forms.Form):
    done = forms.BooleanField(label=_("Show the entries done"), required=False)
    campaign = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)


class CallLogForm(forms.Form):
    """The outcome of one call-list entry; the outcomes are those of its channel."""

    outcome = forms.ChoiceField(label=_("Outcome"))
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    at = forms.DateTimeField(label=_("When"), widget=_moment_widget())
    follow_up_on = forms.DateField(
        label=_("Follow up on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        validators=[DateWithinBounds(days_ahead=FOLLOW_UP_DAYS)],
    )

    def __init__(self, *args, channel: str, campaign: Campaign | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.campaign = campaign
        self.fields["outcome"].choices = [
            (outcome.value, outcome.label) for outcome in OUTCOMES.get(channel, ())
        ]
        if not self.is_bound:
            self.initial.setdefault("at", timezone.localtime().replace(second=0, microsecond=0))

    def clean_at(self):
        at = self.cleaned_data["at"]
        now = timezone.now()
        refusal = self.campaign is not None and call_time_refusal(self.campaign, at, now=now)
        if refusal:
            raise forms.ValidationError(refusal)
        if at > now + CLOCK_SKEW:
            raise forms.ValidationError(_("A contact cannot be logged in the future."))
        if at < now - datetime.timedelta(days=LOG_DAYS_BACK):
            raise forms.ValidationError(
                _("A contact is logged within %(days)s days of it.") % {"days": LOG_DAYS_BACK}
            )
        return at

    def clean_follow_up_on(self):
        follow_up_on = self.cleaned_data.get("follow_up_on")
        if follow_up_on is not None and follow_up_on < timezone.localdate():
            raise forms.ValidationError(_("The follow-up date cannot be in the past."))
        return follow_up_on
