"""The customer list's segment filters: in a segment, not in a segment, combined with every
other filter of the list and kept in saved views. Registered from marketing's AppConfig
(customers/filters/extensions.py): customers never imports marketing."""

import functools

import django_filters
from django.utils.translation import gettext_lazy as _

from customers.filters.extensions import ListFilterExtension
from marketing.models import Segment, SegmentMember

IN_SEGMENT = "in_segment"
NOT_IN_SEGMENT = "not_in_segment"


def _members(segment_id: str):
    return SegmentMember.objects.filter(segment_id=segment_id).values("customer_id")


def _in_segment(queryset, name, value):
    return queryset.filter(pk__in=_members(value))


def _not_in_segment(queryset, name, value):
    return queryset.exclude(pk__in=_members(value))


def segment_list_filters(request) -> dict[str, django_filters.Filter]:
    """Both filters, offering every segment by name (anybody may open a segment's page; its
    members are narrowed to the user's scope by the list's queryset). The segments are read
    once for the request, however many of the filters validate and draw them."""
    choices = functools.cache(
        lambda: [(str(pk), name) for pk, name in Segment.objects.values_list("pk", "name")]
    )
    return {
        IN_SEGMENT: django_filters.ChoiceFilter(
            field_name=IN_SEGMENT,
            label=_("In segment"),
            choices=choices,
            empty_label=_("Any"),
            method=_in_segment,
        ),
        NOT_IN_SEGMENT: django_filters.ChoiceFilter(
            field_name=NOT_IN_SEGMENT,
            label=_("Not in segment"),
            choices=choices,
            empty_label=_("Any"),
            method=_not_in_segment,
        ),
    }


SEGMENT_FILTERS = ListFilterExtension(
    key="marketing.segments",
    names=(IN_SEGMENT, NOT_IN_SEGMENT),
    legend=_("Segments"),
    make=segment_list_filters,
)
