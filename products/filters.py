"""The product list's filters (django-filter): kind, risk level, status, horizon, variety,
on sale today, professional only, and a search of code, name and issuer. The library shows
no customer, so the queryset is every product (products.selectors.library.products_all)."""

import django_filters
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from products.models import InvestHorizon, InvestVariety, ProductKind, ProductRisk, ProductStatus
from products.suitability import on_sale_q

SEARCH_MAX_LENGTH = 100  # no code, name or issuer is longer (and SQLite refuses huge LIKEs)
YES_NO = (("yes", _("Yes")), ("no", _("No")))


def _yes_no(queryset, condition: Q, value: str):
    if value == "yes":
        return queryset.filter(condition)
    if value == "no":
        return queryset.exclude(condition)
    return queryset


class ProductListFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Code, name or issuer"), method="filter_text", max_length=SEARCH_MAX_LENGTH
    )
    kind = django_filters.ChoiceFilter(
        label=_("Kind"), choices=ProductKind.choices, empty_label=_("Any")
    )
    risk_level = django_filters.ChoiceFilter(
        label=_("Risk level"), choices=ProductRisk.choices, empty_label=_("Any")
    )
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=ProductStatus.choices, empty_label=_("Any")
    )
    horizon = django_filters.ChoiceFilter(
        label=_("Investment horizon"), choices=InvestHorizon.choices, empty_label=_("Any")
    )
    variety = django_filters.ChoiceFilter(
        label=_("Investment variety"), choices=InvestVariety.choices, empty_label=_("Any")
    )
    on_sale = django_filters.ChoiceFilter(
        label=_("On sale today"), choices=YES_NO, empty_label=_("Any"), method="filter_on_sale"
    )
    professional_only = django_filters.ChoiceFilter(
        label=_("Professional investors only"),
        choices=YES_NO,
        empty_label=_("Any"),
        method="filter_professional",
    )

    def filter_text(self, queryset, name, value):
        """A prefix of the code, any part of the name or of the issuer."""
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(code__istartswith=value) | Q(name__icontains=value) | Q(issuer__icontains=value)
        )

    def filter_on_sale(self, queryset, name, value):
        return _yes_no(queryset, on_sale_q(timezone.localdate()), value)

    def filter_professional(self, queryset, name, value):
        return _yes_no(queryset, Q(professional_only=True), value)


def filter_params(data, filterset: ProductListFilter, *, sort: str = "") -> dict[str, str]:
    """The filters of a valid filterset as the request set them, and the sort (checked by
    the caller against the table), for an audit entry."""
    params = {name: data[name] for name in filterset.filters if data.get(name, "").strip()}
    return {**params, "sort": sort} if sort else params
