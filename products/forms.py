"""Forms of the product library: the admin's product form and the product list file of its
import page."""

from django import forms
from django.utils.translation import gettext_lazy as _

from products.models import Product
from products.services.library import product_code_problem

MAX_FILE_BYTES = 10 * 1024 * 1024  # a thousand products are a few hundred kilobytes


class ProductListImportForm(forms.Form):
    file = forms.FileField(
        label=_("Product list"),
        help_text=_("An .xlsx workbook (its first sheet) or a .csv file, with a header row."),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_FILE_BYTES:
            raise forms.ValidationError(
                _("%(file)s is larger than %(limit)s MB."),
                params={"file": upload.name, "limit": MAX_FILE_BYTES // (1024 * 1024)},
            )
        return upload


class ProductAdminForm(forms.ModelForm):
    """The admin's product: its code follows the import's rule (product_code_problem)."""

    class Meta:
        model = Product
        fields = (
            "code",
            "name",
            "kind",
            "issuer",
            "description",
            "risk_level",
            "horizon",
            "variety",
            "professional_only",
            "status",
            "sale_starts_on",
            "sale_ends_on",
            "minimum_investment",
            "fee_rate",
            "security",
        )

    def clean_code(self):
        code = self.cleaned_data["code"].strip()
        problem = product_code_problem(code)
        if problem:
            raise forms.ValidationError(problem)
        return code
