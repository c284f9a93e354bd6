"""Forms of a campaign's target page and decisions: a source to add (a segment or a
product's target list), an uploaded list of customer numbers, the note of a rejection.
The writing is marketing/services/campaigns.py's and targeting.py's."""

from django import forms
from django.utils.translation import gettext_lazy as _

from crm.forms import RowChoiceField
from marketing.models import Segment
from marketing.services.segment_lists import UPLOAD_MAX_BYTES
from products.models import Product


class TargetAddForm(forms.Form):
    segment = RowChoiceField(
        label=_("Segment"), queryset=Segment.objects.order_by("name"), required=False
    )
    product = RowChoiceField(
        label=_("Product target list"), queryset=Product.objects.order_by("code"), required=False
    )

    def clean(self):
        cleaned = super().clean()
        if bool(cleaned.get("segment")) == bool(cleaned.get("product")):
            raise forms.ValidationError(_("Choose a segment or a product."))
        return cleaned


class CampaignUploadForm(forms.Form):
    file = forms.FileField(
        label=_("File of customer numbers"),
        help_text=_(
            "CSV, text or an .xlsx workbook: the customer numbers in the first column, or one "
            "a line."
        ),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > UPLOAD_MAX_BYTES:
            raise forms.ValidationError(
                _("%(file)s is larger than %(mb)s MB.")
                % {"file": upload.name, "mb": UPLOAD_MAX_BYTES >> 20}
            )
        return upload


class RejectForm(forms.Form):
    note = forms.CharField(label=_("Why it is sent back"), max_length=2000)
