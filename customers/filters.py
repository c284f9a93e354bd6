"""The customer list's filters (django-filter): any combination becomes one SQL statement.

Filters on holdings are EXISTS subqueries over the positions of the latest business day
(that day is looked up first, by one index probe, so that the statement carries it as a
constant); filters on money, ratio and last trade read CustomerFigures. The queryset
handed in is already scoped (customers.selectors.lists.customer_list_for_user): a filter
only narrows it.
"""

import datetime
import functools
import itertools
from collections.abc import Callable
from decimal import Decimal
from urllib.parse import urlencode

import django_filters
from django import forms
from django.db.models import Exists, OuterRef, Q, Sum
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from crm.pii import mask_mobile
from customers.models import (
    CustomerStatus,
    CustomerType,
    DailyPosition,
    InvestorClass,
    RiskLevel,
)
from customers.selectors.lists import (
    branches_for_user,
    latest_business_day,
    managers_for_user,
)
from customers.tables import CustomerTable, sort_of
from products.models import Security

# Query parameters that are not filters but belong to a view of the list (the sort order).
VIEW_PARAMS = ("sort",)
# Bounds of the filters that count back from today: far beyond any account (nothing is
# dated before 1900), and within what date arithmetic reaches (10**5 years is before year 1).
MAX_AGE_YEARS = 200
MAX_DAYS = MAX_AGE_YEARS * 366
SEARCH_MAX_LENGTH = 100  # customers' and securities' names are at most as long
MOBILE_LENGTH = 11  # the counter's mobiles (shared/COUNTER_EXPORTS.md)
# Customers a search by mobile found that its audit entry names (a prefix can find many).
PII_AUDIT_CUSTOMERS = 20


class IntegerFilter(django_filters.NumberFilter):
    field_class = forms.IntegerField


class StaffByBranchIterator(forms.models.ModelChoiceIterator):
    """Staff as one <optgroup> per branch, labelled as the branch filter labels the branch
    (the list's script shows only the chosen branch's group)."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        staff = self.queryset.select_related("branch").order_by("branch__code", "staff_code")
        for branch, members in itertools.groupby(staff, key=lambda member: member.branch):
            yield (str(branch), [self.choice(member) for member in members])


class StaffByBranchField(forms.ModelChoiceField):
    iterator = StaffByBranchIterator


class StaffByBranchFilter(django_filters.ModelChoiceFilter):
    field_class = StaffByBranchField


def _user(request):
    return getattr(request, "user", None)


def _branches(request):
    return branches_for_user(_user(request))


def _managers(request):
    return managers_for_user(_user(request))


def _industries():
    names = (
        Security.objects.exclude(industry="")
        .order_by("industry")
        .values_list("industry", flat=True)
        .distinct()
    )
    return [(name, name) for name in names]


def search_term_digest(term: str) -> str:
    """A keyed digest of a searched mobile, for the audit log: compliance checks whether a
    given number was searched by computing its digest, and the log never holds the number
    (a plain hash of eleven digits is undone by trying them all; this one needs the key)."""
    return salted_hmac("customers.search_pii", term, algorithm="sha256").hexdigest()


def masked_search_term(term: str) -> str:
    """A searched mobile as the audit log shows it: a full number as the page masks it, a
    prefix by its first three digits (its length stays readable)."""
    if len(term) >= MOBILE_LENGTH:
        return mask_mobile(term)
    return term[:3] + "*" * (len(term) - 3)


def years_before(day: datetime.date, years: int) -> datetime.date:
    """The same calendar day `years` earlier (29 February becomes the 28th)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


class CustomerListForm(forms.Form):
    def clean(self):
        cleaned = super().clean()
        wants_amount = (
            cleaned.get("holds_quantity") is not None or cleaned.get("holds_value") is not None
        )
        if wants_amount and not cleaned.get("holds"):
            self.add_error("holds", _("Enter a security to filter its quantity or market value."))
        return cleaned


class CustomerListFilter(django_filters.FilterSet):
    # No name, number or mobile is longer (and SQLite refuses a LIKE pattern past 50 KB).
    q = django_filters.CharFilter(
        label=_("Name, customer number or mobile"),
        method="filter_text",
        max_length=SEARCH_MAX_LENGTH,
    )
    branch = django_filters.ModelChoiceFilter(
        label=_("Branch"), queryset=_branches, empty_label=_("Any")
    )
    # Head office chooses among every branch's staff (a thousand and more): by branch.
    manager = StaffByBranchFilter(label=_("Manager"), queryset=_managers, empty_label=_("Any"))
    cust_type = django_filters.ChoiceFilter(
        label=_("Customer type"), choices=CustomerType.choices, empty_label=_("Any")
    )
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=CustomerStatus.choices, empty_label=_("Any")
    )
    risk_level = django_filters.ChoiceFilter(
        label=_("Risk level"), choices=RiskLevel.choices, empty_label=_("Any")
    )
    investor_class = django_filters.ChoiceFilter(
        label=_("Investor class"), choices=InvestorClass.choices, empty_label=_("Any")
    )
    assets_min = django_filters.NumberFilter(
        label=_("Total assets at least"), field_name="figures__total_assets", lookup_expr="gte"
    )
    assets_max = django_filters.NumberFilter(
        label=_("Total assets at most"), field_name="figures__total_assets", lookup_expr="lte"
    )
    cash_min = django_filters.NumberFilter(
        label=_("Cash at least"), field_name="figures__cash", lookup_expr="gte"
    )
    cash_max = django_filters.NumberFilter(
        label=_("Cash at most"), field_name="figures__cash", lookup_expr="lte"
    )
    holds = django_filters.CharFilter(
        label=_("Holds security (code or name)"),
        method="filter_holds",
        max_length=SEARCH_MAX_LENGTH,
    )
    # Read by filter_holds: on their own they filter nothing (the form says so).
    holds_quantity = django_filters.NumberFilter(
        label=_("Holding quantity at least"), method="filter_nothing", min_value=0
    )
    holds_value = django_filters.NumberFilter(
        label=_("Holding market value at least"), method="filter_nothing", min_value=0
    )
    industry = django_filters.ChoiceFilter(
        label=_("Holds an industry"),
        choices=_industries,
        empty_label=_("Any"),
        method="filter_industry",
    )
    ratio_min = django_filters.NumberFilter(
        label=_("Position ratio at least (%)"),
        method="filter_ratio",
        min_value=0,
        max_value=100,
    )
    ratio_max = django_filters.NumberFilter(
        label=_("Position ratio at most (%)"),
        method="filter_ratio",
        min_value=0,
        max_value=100,
    )
    age_min = IntegerFilter(
        label=_("Account age at least (years)"),
        method="filter_age",
        min_value=0,
        max_value=MAX_AGE_YEARS,
    )
    age_max = IntegerFilter(
        label=_("Account age at most (years)"),
        method="filter_age",
        min_value=0,
        max_value=MAX_AGE_YEARS,
    )
    no_trade_days = IntegerFilter(
        label=_("No trade for at least (days)"),
        method="filter_no_trade",
        min_value=0,
        max_value=MAX_DAYS,
    )
    no_contact_days = IntegerFilter(
        label=_("Not contacted for at least (days)"),
        method="filter_no_contact",
        min_value=0,
        max_value=MAX_DAYS,
    )

    # How the form lays the filters out, in fieldsets.
    GROUPS = (
        (
            _("Customer"),
            ("q", "branch", "manager", "cust_type", "status", "risk_level", "investor_class"),
        ),
        (_("Account age"), ("age_min", "age_max")),
        (
            _("Money"),
            ("assets_min", "assets_max", "cash_min", "cash_max", "ratio_min", "ratio_max"),
        ),
        (_("Holdings"), ("holds", "holds_quantity", "holds_value", "industry")),
        (_("Activity"), ("no_trade_days", "no_contact_days")),
    )

    class Meta:
        form = CustomerListForm

    def __init__(self, *args, may_reveal: Callable[[], bool] = lambda: False, **kwargs):
        """`may_reveal`: whether the user may reveal personal data (the view checks the
        permission); only then does a mobile prefix find customers. Asked only of a search
        that could match a mobile: the permission check costs two queries."""
        super().__init__(*args, **kwargs)
        self._may_reveal = may_reveal
        # Read once per request: validating the value and drawing the select both need them.
        self.filters["industry"].extra["choices"] = functools.cache(_industries)

    def field_groups(self) -> list[tuple[str, list]]:
        return [(legend, [self.form[name] for name in names]) for legend, names in self.GROUPS]

    def filter_text(self, queryset, name, value):
        """Prefix match on customer number or name, and on the mobile as the page shows it:
        the full number only, a prefix for users who may reveal it (else one digit more at
        a time rebuilds a masked number). All three columns are indexed."""
        value = value.strip()
        if not value:
            return queryset
        matches = Q(cust_no__startswith=value) | Q(name__startswith=value)
        by_mobile = self._mobile_match(value)
        if by_mobile is not None:
            matches |= by_mobile
        return queryset.filter(matches)

    def _mobile_match(self, value: str) -> Q | None:
        if not (value.isascii() and value.isdigit()):
            return None
        return Q(mobile__startswith=value) if self.revealed else Q(mobile=value)

    @functools.cached_property
    def revealed(self) -> bool:
        return self._may_reveal()

    def pii_search(self) -> dict | None:
        """What the audit log keeps of a search that found customers by their mobile, or
        None when it found none that way: the term masked (and its digest), whether it was a
        prefix, and the customers it found, which is what compliance asks about first."""
        if not self.is_valid():
            return None
        term = (self.form.cleaned_data.get("q") or "").strip()
        by_mobile = self._mobile_match(term)
        if by_mobile is None:
            return None
        found = list(
            self.qs.filter(by_mobile)
            .order_by("cust_no")
            .values_list("cust_no", flat=True)[: PII_AUDIT_CUSTOMERS + 1]
        )
        if not found:
            return None
        return {
            "field": "mobile",
            "term": masked_search_term(term),
            "term_digest": search_term_digest(term),
            "prefix": self.revealed,
            "customers": found[:PII_AUDIT_CUSTOMERS],
            "more": len(found) > PII_AUDIT_CUSTOMERS,
        }

    def filter_nothing(self, queryset, name, value):
        return queryset

    def filter_holds(self, queryset, name, value):
        """Customers holding, on the latest business day, a security whose code is `value`
        or whose name starts with it; with a minimum quantity or market value, summed over
        the customer's accounts (a normal and a credit account hold the same stock)."""
        value = value.strip()
        if not value:
            return queryset
        securities = Security.objects.filter(Q(sec_code=value) | Q(name__startswith=value))
        positions = self._positions_today().filter(security__in=securities.values("pk"))
        quantity = self.form.cleaned_data.get("holds_quantity")
        market_value = self.form.cleaned_data.get("holds_value")
        if quantity is not None or market_value is not None:
            positions = positions.values("security_id").annotate(
                held=Sum("quantity"), worth=Sum("market_value")
            )
            if quantity is not None:
                positions = positions.filter(held__gte=quantity)
            if market_value is not None:
                positions = positions.filter(worth__gte=market_value)
        return queryset.filter(Exists(positions))

    def filter_industry(self, queryset, name, value):
        positions = self._positions_today().filter(security__industry=value)
        return queryset.filter(Exists(positions))

    def filter_ratio(self, queryset, name, value):
        lookup = "gte" if name == "ratio_min" else "lte"
        return queryset.filter(**{f"figures__position_ratio__{lookup}": value / Decimal(100)})

    def filter_age(self, queryset, name, value):
        today = timezone.localdate()
        if name == "age_min":
            return queryset.filter(open_date__lte=years_before(today, value))
        # "At most N years" still includes the day before the account turns N + 1.
        return queryset.filter(open_date__gt=years_before(today, value + 1))

    def filter_no_trade(self, queryset, name, value):
        cutoff = timezone.localdate() - datetime.timedelta(days=value)
        return queryset.filter(
            Q(figures__last_trade_date__lte=cutoff) | Q(figures__last_trade_date__isnull=True)
        )

    def filter_no_contact(self, queryset, name, value):
        # Days are counted in local calendar days: contacted at 23:59 yesterday is 1 day ago.
        first_recent_day = timezone.localdate() - datetime.timedelta(days=value - 1)
        cutoff = timezone.make_aware(datetime.datetime.combine(first_recent_day, datetime.time()))
        return queryset.filter(Q(last_contact_at__lt=cutoff) | Q(last_contact_at__isnull=True))

    def _positions_today(self):
        return DailyPosition.objects.filter(
            account__customer=OuterRef("pk"), business_date=self._latest_day
        )

    @functools.cached_property
    def _latest_day(self) -> datetime.date | None:
        return latest_business_day()


def filter_params(data) -> dict[str, str]:
    """The non-empty filter and sort parameters of a query (a QueryDict), in form order:
    what a saved view stores, an export audits and the export link carries."""
    names = (*CustomerListFilter.base_filters, *VIEW_PARAMS)
    params = {}
    for name in names:
        value = (data.get(name) or "").strip()
        if value:
            params[name] = value
    if not sort_of(CustomerTable, params.get("sort", "")):
        params.pop("sort", None)
    return params


def filter_query(data) -> str:
    """`filter_params` as a query string (without the page number)."""
    return urlencode(filter_params(data))
