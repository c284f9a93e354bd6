"""Reads of customer data and of the import's records. Functions that take a `user` scope
through crm.scoping; the import-monitoring reads at the end are company-wide."""

import django_filters
from django import forms
from django.core.cache import cache
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from crm.scoping import scope_for_user

from .models import (
    Customer,
    CustomerStatus,
    ImportFileResult,
    ImportReject,
    ImportRun,
    RunStatus,
)
from .services import progress_key


def customers_for_user(user) -> QuerySet[Customer]:
    """Every customer the user may see, with what a list row shows."""
    return scope_for_user(user, Customer.objects.select_related("branch", "manager"))


def customer_get_for_user(user, *, cust_no: str) -> Customer:
    """The one road to a single customer: out of scope and missing are the same 404."""
    customer = customers_for_user(user).filter(cust_no=cust_no).first()
    if customer is None:
        raise Http404(_("No such customer."))
    return customer


def customers_recently_updated_for_user(user, *, limit: int) -> list[Customer]:
    return list(customers_for_user(user).order_by("-updated_at", "-id")[:limit])


class CustomerFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Name, customer number or mobile"), method="filter_text")
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=CustomerStatus.choices, empty_label=_("Any")
    )

    class Meta:
        model = Customer
        fields = ["q", "status"]

    def filter_text(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(cust_no__startswith=value) | Q(name__startswith=value) | Q(mobile__startswith=value)
        )


# -- import monitoring -------------------------------------------------------------------------
# Import runs are company-wide records, not customer data: these selectors do not scope, and
# the views that call them admit only import monitors (customers.views.import_monitor_required).


def import_runs() -> QuerySet[ImportRun]:
    """Every import run, newest first, with what a history row shows."""
    return ImportRun.objects.select_related("profile", "started_by").order_by("-started_at", "-id")


def import_run_get(run_id: int) -> ImportRun:
    run = import_runs().filter(pk=run_id).first()
    if run is None:
        raise Http404(_("No such import run."))
    return run


def import_run_files(run: ImportRun) -> QuerySet[ImportFileResult]:
    """The run's files in the order they were loaded."""
    return run.files.order_by("id")


def import_rejects(
    run: ImportRun, *, file: str | None = None, open_only: bool = False
) -> QuerySet[ImportReject]:
    """The run's rejected rows in file and line order; `open_only` leaves out superseded ones."""
    rejects = run.rejects.order_by("file", "line_no", "id")
    if file is not None:
        rejects = rejects.filter(file=file)
    if open_only:
        rejects = rejects.filter(resolved_by__isnull=True)
    return rejects


def import_reject_open_files(run: ImportRun) -> list[str]:
    """The files of the run that still have rejects nobody has loaded again."""
    return list(
        import_rejects(run, open_only=True)
        .order_by("file")
        .values_list("file", flat=True)
        .distinct()
    )


def import_progress(run: ImportRun) -> dict | None:
    """What a running run last reported ({file, done, total, rows, message}), or None."""
    if run.status != RunStatus.RUNNING:
        return None
    return cache.get(progress_key(run.pk))


def import_progress_of_running() -> dict[int, dict | None]:
    """The progress of every running run by run id (usually none or one: runs take a lock)."""
    running = list(ImportRun.objects.filter(status=RunStatus.RUNNING).values_list("pk", flat=True))
    if not running:
        return {}
    reported = cache.get_many([progress_key(pk) for pk in running])
    return {pk: reported.get(progress_key(pk)) for pk in running}


class ImportRunFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=RunStatus.choices, empty_label=_("Any")
    )
    day_from = django_filters.DateFilter(
        label=_("Business day from"),
        field_name="business_date",
        lookup_expr="gte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    day_to = django_filters.DateFilter(
        label=_("Business day to"),
        field_name="business_date",
        lookup_expr="lte",
        widget=forms.DateInput(attrs={"type": "date"}),
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
