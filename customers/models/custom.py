"""The custom fields administrators define on customers while the CRM runs: one row per
field. The values live in Customer.custom_fields (one JSON object keyed by the field's key),
so adding, renaming or retiring a field needs no migration; how a value is stored, typed
and compared is customers/custom_fields.py's.
"""

from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

# A key is a lookup name inside the JSON column and part of the list's query parameters
# (cf_<key>_min): lower-case words joined by single underscores, never "__" (Django's
# lookup separator).
KEY_PATTERN = r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$"
KEY_MAX_LENGTH = 40


class CustomFieldKind(models.TextChoices):
    TEXT = "text", _("Text")
    INTEGER = "integer", _("Whole number")
    DECIMAL = "decimal", _("Decimal number")
    DATE = "date", _("Date")
    CHOICE = "choice", _("Choice")
    MULTI_CHOICE = "multi_choice", _("Multiple choice")
    BOOLEAN = "boolean", _("Yes / no")


class CustomFieldAppliesTo(models.TextChoices):
    """Which customers a field is for, by Customer.cust_type ("0" individual, "1" institution)."""

    BOTH = "", _("Individuals and institutions")
    INDIVIDUALS = "0", _("Individuals")
    INSTITUTIONS = "1", _("Institutions")


# Kinds whose validation has a lower and an upper bound, a pattern, a list of choices.
BOUNDED_KINDS = (CustomFieldKind.INTEGER, CustomFieldKind.DECIMAL, CustomFieldKind.DATE)
PATTERN_KINDS = (CustomFieldKind.TEXT,)
CHOICE_KINDS = (CustomFieldKind.CHOICE, CustomFieldKind.MULTI_CHOICE)


class CustomField(models.Model):
    """One field of the customers' custom data: its key (fixed once values exist under it),
    its label and place on the 360 page, its kind and validation, and who may edit it.
    A retired field is hidden everywhere and its values are kept."""

    key = models.SlugField(
        _("key"),
        max_length=KEY_MAX_LENGTH,
        unique=True,
        validators=[
            RegexValidator(
                KEY_PATTERN,
                _("Lower-case letters and digits, words joined by single underscores."),
            )
        ],
        help_text=_("How the value is stored and named in links and exports; never changes."),
    )
    label = models.CharField(_("label"), max_length=100)
    kind = models.CharField(
        _("kind"), max_length=16, choices=CustomFieldKind.choices, default=CustomFieldKind.TEXT
    )
    applies_to = models.CharField(
        _("applies to"),
        max_length=1,
        choices=CustomFieldAppliesTo.choices,
        default=CustomFieldAppliesTo.BOTH,
        blank=True,
    )
    group = models.CharField(
        _("group"), max_length=100, blank=True, help_text=_("The heading it is shown under.")
    )
    order = models.PositiveIntegerField(_("order"), default=0)
    required = models.BooleanField(_("required"), default=False)
    default = models.JSONField(
        _("default"),
        null=True,
        blank=True,
        help_text=_("Offered when a customer has no value yet, as the form would take it."),
    )
    min_value = models.CharField(
        _("minimum"),
        max_length=40,
        blank=True,
        help_text=_("For numbers and dates (YYYY-MM-DD)."),
    )
    max_value = models.CharField(
        _("maximum"),
        max_length=40,
        blank=True,
        help_text=_("For numbers and dates (YYYY-MM-DD)."),
    )
    pattern = models.CharField(
        _("pattern"),
        max_length=200,
        blank=True,
        help_text=_("A regular expression the whole text must match (text fields)."),
    )
    choices = models.JSONField(
        _("choices"),
        default=list,
        blank=True,
        help_text=_('For choice fields: a list of {"value": …, "label": …}.'),
    )
    edit_roles = models.JSONField(
        _("roles that may edit"),
        default=list,
        blank=True,
        help_text=_("Empty: anybody who may act for the customer."),
    )
    retired = models.BooleanField(
        _("retired"), default=False, help_text=_("Hidden everywhere; the values are kept.")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["group", "order", "key"]
        verbose_name = _("custom field")
        verbose_name_plural = _("custom fields")

    def __str__(self) -> str:
        return f"{self.label} ({self.key})"

    def clean(self):
        # The rules of values and of definitions are one module's (it imports this one).
        from customers.custom_fields import custom_field_definition_check

        custom_field_definition_check(self)

    @property
    def choice_labels(self) -> dict[str, str]:
        """The choices as value → label."""
        return {
            str(choice["value"]): str(choice.get("label") or choice["value"])
            for choice in self.choices or ()
            if isinstance(choice, dict) and "value" in choice
        }

    def applies_to_type(self, cust_type: str) -> bool:
        return not self.applies_to or self.applies_to == cust_type

    def editable_by_role(self, role: str | None) -> bool:
        """Whether the role is one the field names (any role when it names none)."""
        return not self.edit_roles or role in self.edit_roles
