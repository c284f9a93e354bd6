"""Forms of static segments' lists (marketing/services/segment_lists.py writes them): an
uploaded file of customer numbers, a snapshot of a dynamic segment, the customer number
whose membership is explained."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.dates import DateWithinBounds
from marketing.models import Segment
from marketing.services.segment_lists import ADD, NUMBER_MAX_LENGTH, REPLACE, UPLOAD_MAX_BYTES


class SegmentUploadForm(forms.Form):
    file = forms.FileField(
        label=_("File of customer numbers"),
        help_text=_(
            "CSV or text: one customer number a line, or in the first column; UTF-8 or GBK."
        ),
    )
    mode = forms.ChoiceField(
        label=_("The list's members"),
        choices=[
            (REPLACE, _("Replace them with the file's customers")),
            (ADD, _("Add the file's customers to them")),
        ],
        initial=REPLACE,
        widget=forms.RadioSelect,
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > UPLOAD_MAX_BYTES:
            raise forms.ValidationError(
                _("%(file)s is larger than %(mb)s MB.")
                % {"file": upload.name, "mb": UPLOAD_MAX_BYTES >> 20}
            )
        return upload


class SegmentSnapshotForm(forms.Form):
    on = forms.DateField(
        label=_("Members as of"),
        validators=[DateWithinBounds(days_ahead=0)],
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    name = forms.CharField(
        label=_("Name of the new segment"),
        max_length=Segment._meta.get_field("name").max_length,
        required=False,
        help_text=_("Leave empty for the segment's name and the day."),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {"on": timezone.localdate()})
        super().__init__(*args, **kwargs)


class SegmentWhyForm(forms.Form):
    customer = forms.CharField(label=_("Customer number"), max_length=NUMBER_MAX_LENGTH)

    def clean_customer(self):
        value = self.cleaned_data["customer"].strip()
        if "\x00" in value:
            raise forms.ValidationError(_("Enter a customer number."))
        return value
