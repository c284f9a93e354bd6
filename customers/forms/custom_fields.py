"""Forms of the custom fields: the 360 panel's edit form (a form field per custom field the
user may edit, handing the raw values to customers/services/custom_fields.py, which cleans
them by each field's rules) and the admin's form of a field's definition."""

from django import forms
from django.utils.translation import gettext_lazy as _

from crm.models import Role
from customers.custom_fields import custom_value_python, custom_value_text
from customers.models import CustomField, CustomFieldKind

NO_VALUE = ("", "—")
YES_NO = [NO_VALUE, ("true", _("Yes")), ("false", _("No"))]


def _form_field(field: CustomField) -> forms.Field:
    """The input of one custom field; it checks nothing the field's own rules check."""
    kind = field.kind
    choices = list(field.choice_labels.items())
    options = {"label": field.label, "required": False}
    if kind == CustomFieldKind.MULTI_CHOICE:
        return forms.Field(widget=forms.CheckboxSelectMultiple(choices=choices), **options)
    if kind == CustomFieldKind.CHOICE:
        widget: forms.Widget = forms.Select(choices=[NO_VALUE, *choices])
    elif kind == CustomFieldKind.BOOLEAN:
        widget = forms.Select(choices=YES_NO)
    elif kind == CustomFieldKind.INTEGER:
        widget = forms.NumberInput(attrs={"step": "1"})
    elif kind == CustomFieldKind.DECIMAL:
        widget = forms.TextInput(attrs={"inputmode": "decimal"})
    elif kind == CustomFieldKind.DATE:
        widget = forms.DateInput(attrs={"type": "date"})
    else:
        widget = forms.TextInput()
    if field.required:
        widget.attrs["aria-required"] = "true"
    return forms.CharField(widget=widget, strip=True, **options)


class CustomFieldsForm(forms.Form):
    """The custom fields of one customer that the user may edit, named by their keys; each
    starts from the customer's value, or the field's default when there is none."""

    def __init__(self, *args, fields: list[CustomField], customer, **kwargs):
        super().__init__(*args, **kwargs)
        for field in fields:
            self.fields[field.key] = _form_field(field)
            value = custom_value_python(field, customer)
            if value is None and field.default is not None:
                value = field.default
            if field.kind == CustomFieldKind.MULTI_CHOICE:
                self.initial[field.key] = value if isinstance(value, list) else []
            else:
                self.initial[field.key] = custom_value_text(field, value)

    def values(self) -> dict:
        """The raw values by key, for customers.services.custom_fields (after is_valid)."""
        return {key: self.cleaned_data.get(key) for key in self.fields}


class CustomFieldAdminForm(forms.ModelForm):
    """A field's definition in the admin. The roles as boxes to tick; when saving changes
    what stored values mean (kind, choices, bounds, pattern), the admin first sees what
    happens to them and confirms (customers/admin.py)."""

    edit_roles = forms.MultipleChoiceField(
        label=_("roles that may edit"),
        choices=Role.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=CustomField._meta.get_field("edit_roles").help_text,
    )
    convert_values = forms.BooleanField(
        label=_("Convert the stored values as listed"),
        required=False,
        help_text=_("Needed when the change converts values customers already have."),
    )
    clear_refused = forms.BooleanField(
        label=_("Clear the values that cannot be converted"),
        required=False,
        help_text=_("The customers listed lose their value of this field."),
    )

    class Meta:
        model = CustomField
        fields = (
            "key",
            "label",
            "kind",
            "applies_to",
            "group",
            "order",
            "required",
            "default",
            "min_value",
            "max_value",
            "pattern",
            "choices",
            "edit_roles",
            "retired",
        )
