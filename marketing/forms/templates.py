"""The message template form, shared by the planners' pages and Django admin: it refuses
unknown or malformed merge fields in the subject and the text, wants a subject for an
e-mail, and says how long an SMS comes out for a sample customer (marketing/messages.py
renders and counts). Given the user saving it (Django admin), it also refuses a change of
what a template says that campaigns the user may not edit would get
(marketing/services/message_templates.py decides again on save)."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from marketing import messages
from marketing.models import CampaignChannel, MessageTemplate


class MessageTemplateForm(forms.ModelForm):
    """`sample`: the values of the fields for the customer the length is counted for
    (each field's label when none is given); `user`: who saves it, checked in clean()."""

    class Meta:
        model = MessageTemplate
        fields = ("name", "channel", "subject", "body")
        widgets = {"body": forms.Textarea(attrs={"rows": 6})}
        # The model's "channel" reads as a trading channel (委托渠道) in Chinese.
        labels = {"channel": pgettext_lazy("message", "Channel")}

    user = None  # Django admin's form class carries the request's user (see the admin)

    def __init__(self, *args, sample=None, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if user is not None:
            self.user = user
        self.sample = sample if sample is not None else messages.sample_values()
        fields = ", ".join(f"{{{code}}}" for code in messages.MERGE_FIELDS)
        self.fields["body"].help_text = _(
            "Merge fields: %(fields)s. An SMS is signed %(signature)s and always ends with "
            "“%(opt_out)s”, added when it is sent."
        ) % {
            "fields": fields,
            "signature": settings.CAMPAIGN_SMS_SIGNATURE,
            "opt_out": settings.CAMPAIGN_OPT_OUT_TEXT,
        }
        self.fields["subject"].help_text = _("E-mail only; it may hold merge fields too.")

    def _fields_checked(self, name: str) -> str:
        text = self.cleaned_data[name]
        errors = messages.template_errors(text)
        if errors:
            raise forms.ValidationError(errors)
        return text

    def clean_subject(self) -> str:
        return self._fields_checked("subject")

    def clean_body(self) -> str:
        return self._fields_checked("body")

    def clean(self):
        cleaned = super().clean()
        channel = cleaned.get("channel")
        if channel == CampaignChannel.EMAIL and "subject" in cleaned and not cleaned["subject"]:
            self.add_error("subject", _("An e-mail needs a subject."))
        if channel == CampaignChannel.SMS:
            cleaned["subject"] = ""  # an SMS has none; a stale one would mislead the list
        if self.user is not None:
            self._campaigns_checked()
        return cleaned

    def _campaigns_checked(self) -> None:
        # Imported here: the services import the campaigns' services, heavier than a form.
        from marketing.services.message_templates import (
            changes_what_it_says,
            template_change_check,
        )

        if changes_what_it_says(self.instance, self.changed_data):
            try:
                template_change_check(template=self.instance, user=self.user)
            except forms.ValidationError as error:
                self.add_error(None, error)

    def sms_length(self) -> tuple[int, int] | None:
        """(characters, billed segments) of the SMS for the sample customer: of the text as
        saved before a submission, as submitted after one; None for an e-mail or a text
        whose merge fields are wrong."""
        data = getattr(self, "cleaned_data", None) if self.is_bound else self.initial
        data = data or {}
        body = data.get("body") or ""
        if data.get("channel") != CampaignChannel.SMS or not body:
            return None
        if messages.template_errors(body):
            return None
        text = messages.sms_text(body, self.sample)
        return len(text), messages.sms_segments(text)
