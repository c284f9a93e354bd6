"""Filters of the import pages: the runs list and one run's rejects."""

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from crm.dates import DateWithinBounds
from customers.models import ImportReject, ImportRun, RunStatus


class ImportRunFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=RunStatus.choices, empty_label=_("Any")
    )
    day_from = django_filters.DateFilter(
        label=_("Business day from"),
        field_name="business_date",
        lookup_expr="gte",
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[DateWithinBounds(days_ahead=366)],
    )
    day_to = django_filters.DateFilter(
        label=_("Business day to"),
        field_name="business_date",
        lookup_expr="lte",
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[DateWithinBounds(days_ahead=366)],
    )

    class Meta:
        model = ImportRun
        fields = ["status", "day_from", "day_to"]


class ImportRejectFilter(django_filters.FilterSet):
    """Rejects of one run by file; the file choices are the run's files that had rejects."""

    file = django_filters.ChoiceFilter(label=_("File"), empty_label=_("All files"))

    class Meta:
        model = ImportReject
        fields = ["file"]

    def __init__(self, *args, files: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["file"].extra["choices"] = [(name, f"{name}.csv") for name in files]
