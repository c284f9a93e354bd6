"""Form fields every app shares: a choice of a row by its id that refuses an id no row
can have (SQLite raises OverflowError for an integer past 64 bits, instead of finding
nothing) with the field's own "not one of the choices" message."""

from django import forms
from django.core.exceptions import ValidationError

ROW_IDS = range(-(2**63), 2**63)


def _refuse_impossible_ids(field, values) -> None:
    for value in values:
        try:
            number = int(str(value))
        except ValueError:
            continue  # not a number: the field's own validation says so
        if number not in ROW_IDS:
            raise ValidationError(
                field.error_messages["invalid_choice"],
                code="invalid_choice",
                params={"value": value},
            )


class RowChoiceField(forms.ModelChoiceField):
    def to_python(self, value):
        if value not in self.empty_values and not self.to_field_name:
            _refuse_impossible_ids(self, [value])
        return super().to_python(value)


class RowMultipleChoiceField(forms.ModelMultipleChoiceField):
    def clean(self, value):
        if value and not self.to_field_name:
            _refuse_impossible_ids(self, value if isinstance(value, list | tuple) else [value])
        return super().clean(value)
