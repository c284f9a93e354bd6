"""Filters of the relationship lists (django-filter): my tasks and the service requests.
The querysets handed in are scoped already (customers/selectors/relationship.py
tasks_for_user and service_requests_for_user): a filter only narrows them."""

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from customers.models import (
    ServiceRequest,
    ServiceRequestStatus,
    ServiceRequestType,
    Task,
    TaskKind,
    TaskStatus,
)
from customers.selectors.relationship import task_assignees_for_user, task_team_for_user


class TaskFilter(django_filters.FilterSet):
    """My tasks: open ones unless another status (or any) is asked for; a team lead's, of
    one member of the team if asked (the filter is there for team leads only)."""

    assignee = django_filters.ModelChoiceFilter(
        label=_("Assignee"),
        queryset=lambda request: task_assignees_for_user(request.user),
        empty_label=_("Anyone in the team"),
    )

    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=TaskStatus.choices, empty_label=_("Any")
    )
    kind = django_filters.ChoiceFilter(
        label=_("Kind"), choices=TaskKind.choices, empty_label=_("Any")
    )
    due_on = django_filters.DateFromToRangeFilter(
        label=_("Due between"),
        widget=django_filters.widgets.DateRangeWidget(attrs={"type": "date"}),
    )

    class Meta:
        model = Task
        fields = ["assignee", "status", "kind", "due_on"]

    def __init__(self, data=None, *args, **kwargs):
        # FilterView passes no data at all for a bare URL: that, too, means open tasks.
        data = {} if data is None else data.copy()
        if "status" not in data:
            data["status"] = TaskStatus.OPEN
        super().__init__(data, *args, **kwargs)
        if self.request is None or task_team_for_user(self.request.user) is None:
            del self.filters["assignee"]


class ServiceRequestFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=ServiceRequestStatus.choices, empty_label=_("Any")
    )
    request_type = django_filters.ModelChoiceFilter(
        label=_("Type"), queryset=ServiceRequestType.objects.all(), empty_label=_("Any")
    )
    overdue = django_filters.BooleanFilter(
        label=_("Overdue only"), widget=forms.CheckboxInput, method="filter_overdue"
    )

    class Meta:
        model = ServiceRequest
        fields = ["status", "request_type", "overdue"]

    def filter_overdue(self, queryset, name, value):
        # `overdue` is the annotation of service_requests_for_user: one definition of it.
        return queryset.filter(overdue=True) if value else queryset
