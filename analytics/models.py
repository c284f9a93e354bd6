"""Metrics per customer per business day and per month, computed set-based by the nightly
pipeline (analytics/services.py) from the imported facts. Every figure is a documented
formula (README, "Metrics"); the dashboards and the 360 page read only these tables.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from crm.models import Branch, Staff
from customers.models import Customer

MONEY = {"max_digits": 20, "decimal_places": 2, "default": 0}
# Metrics rows point at customers, branches and staff without database constraints: they
# are rebuilt wholesale and are never the source of truth for those rows.
RELATION = {"on_delete": models.DO_NOTHING, "db_constraint": False, "related_name": "+"}


class CustomerMetricsBase(models.Model):
    customer = models.ForeignKey(Customer, verbose_name=_("customer"), db_index=False, **RELATION)
    # Where the customer stood that day, so roll-ups follow transfers between brokers.
    branch = models.ForeignKey(Branch, verbose_name=_("branch"), **RELATION)
    manager = models.ForeignKey(Staff, verbose_name=_("manager"), null=True, **RELATION)
    total_assets = models.DecimalField(_("total assets"), **MONEY)
    net_inflow = models.DecimalField(_("net inflow"), **MONEY)
    trade_volume = models.DecimalField(_("trading volume"), **MONEY)
    trade_count = models.PositiveIntegerField(_("trades"), default=0)
    # Trading volume over assets (the day's total assets; the month's daily average).
    turnover = models.DecimalField(
        _("turnover"), max_digits=14, decimal_places=4, null=True, blank=True
    )
    commission = models.DecimalField(_("gross commission"), **MONEY)
    net_commission = models.DecimalField(_("net commission"), **MONEY)
    interest_base = models.DecimalField(_("interest accumulation"), **MONEY)
    interest_income = models.DecimalField(_("interest-spread income"), **MONEY)
    margin_interest = models.DecimalField(_("margin interest"), **MONEY)
    # Fees of the products sold that day (products.ProductSale.fee), by the day sold.
    product_fees = models.DecimalField(_("product-sale fees"), **MONEY, db_default=0)
    contribution = models.DecimalField(_("contribution"), **MONEY)
    volume_internet = models.DecimalField(_("volume via internet"), **MONEY)
    volume_mobile = models.DecimalField(_("volume via mobile"), **MONEY)
    volume_phone = models.DecimalField(_("volume via phone"), **MONEY)
    volume_counter = models.DecimalField(_("volume at the counter"), **MONEY)

    CUSTOMER_PATH = "customer"

    class Meta:
        abstract = True


class CustomerDay(CustomerMetricsBase):
    pk = models.CompositePrimaryKey("business_date", "customer")
    business_date = models.DateField(_("business date"))
    cash = models.DecimalField(_("cash"), **MONEY)
    market_value = models.DecimalField(_("market value"), **MONEY)
    collateral = models.DecimalField(_("credit collateral"), **MONEY)
    debt = models.DecimalField(_("credit debt"), **MONEY)
    net_assets = models.DecimalField(_("net assets"), **MONEY)

    class Meta:
        verbose_name = _("customer day")
        verbose_name_plural = _("customer days")
        indexes = [
            models.Index(fields=["customer", "business_date"], name="customerday_customer_idx"),
            models.Index(fields=["branch", "business_date"], name="customerday_branch_idx"),
            models.Index(fields=["manager", "business_date"], name="customerday_manager_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.business_date} {self.customer_id}"


class CustomerMonth(CustomerMetricsBase):
    """A calendar month: flows and revenue summed, assets averaged over natural days (a
    weekend or holiday carries the last business day's figures)."""

    pk = models.CompositePrimaryKey("month", "customer")
    month = models.DateField(_("month"), help_text=_("The first day of the month."))
    average_assets = models.DecimalField(_("daily average assets"), **MONEY)
    days = models.PositiveSmallIntegerField(_("natural days counted"), default=0)

    class Meta:
        verbose_name = _("customer month")
        verbose_name_plural = _("customer months")
        indexes = [
            models.Index(fields=["customer", "month"], name="customermonth_customer_idx"),
            models.Index(fields=["branch", "month"], name="customermonth_branch_idx"),
            models.Index(fields=["manager", "month"], name="customermonth_manager_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.customer_id}"


class GroupMetricsBase(models.Model):
    """Sums of customer metrics over a branch or a broker's book (pre-aggregated for the
    dashboards, which never scan customer rows)."""

    customers = models.PositiveIntegerField(_("customers"), default=0)
    active_customers = models.PositiveIntegerField(_("active customers"), default=0)
    total_assets = models.DecimalField(_("total assets"), **MONEY)
    net_inflow = models.DecimalField(_("net inflow"), **MONEY)
    trade_volume = models.DecimalField(_("trading volume"), **MONEY)
    trade_count = models.PositiveIntegerField(_("trades"), default=0)
    commission = models.DecimalField(_("gross commission"), **MONEY)
    net_commission = models.DecimalField(_("net commission"), **MONEY)
    interest_income = models.DecimalField(_("interest-spread income"), **MONEY)
    margin_interest = models.DecimalField(_("margin interest"), **MONEY)
    # Fees of the products sold that day (products.ProductSale.fee), by the day sold.
    product_fees = models.DecimalField(_("product-sale fees"), **MONEY, db_default=0)
    contribution = models.DecimalField(_("contribution"), **MONEY)
    volume_internet = models.DecimalField(_("volume via internet"), **MONEY)
    volume_mobile = models.DecimalField(_("volume via mobile"), **MONEY)
    volume_phone = models.DecimalField(_("volume via phone"), **MONEY)
    volume_counter = models.DecimalField(_("volume at the counter"), **MONEY)

    class Meta:
        abstract = True


class AccountCountsBase(models.Model):
    """The group's accounts as the day's import left them: opened that day, and by status
    (a team's are the sum of its members' broker days)."""

    new_accounts = models.PositiveIntegerField(_("accounts opened"), default=0, db_default=0)
    accounts_normal = models.PositiveIntegerField(_("normal accounts"), default=0, db_default=0)
    accounts_dormant = models.PositiveIntegerField(_("dormant accounts"), default=0, db_default=0)
    accounts_closed = models.PositiveIntegerField(_("closed accounts"), default=0, db_default=0)
    accounts_frozen_or_lost = models.PositiveIntegerField(
        _("frozen or lost accounts"), default=0, db_default=0
    )

    class Meta:
        abstract = True


class BranchDay(GroupMetricsBase, AccountCountsBase):
    pk = models.CompositePrimaryKey("business_date", "branch")
    business_date = models.DateField(_("business date"))
    branch = models.ForeignKey(Branch, verbose_name=_("branch"), db_index=False, **RELATION)

    class Meta:
        verbose_name = _("branch day")
        verbose_name_plural = _("branch days")
        indexes = [models.Index(fields=["branch", "business_date"], name="branchday_branch_idx")]

    def __str__(self) -> str:
        return f"{self.business_date} {self.branch_id}"


class BrokerDay(GroupMetricsBase, AccountCountsBase):
    pk = models.CompositePrimaryKey("business_date", "manager")
    business_date = models.DateField(_("business date"))
    manager = models.ForeignKey(Staff, verbose_name=_("manager"), db_index=False, **RELATION)
    branch = models.ForeignKey(Branch, verbose_name=_("branch"), **RELATION)

    class Meta:
        verbose_name = _("broker day")
        verbose_name_plural = _("broker days")
        indexes = [models.Index(fields=["manager", "business_date"], name="brokerday_manager_idx")]

    def __str__(self) -> str:
        return f"{self.business_date} {self.manager_id}"


class BranchMonth(GroupMetricsBase):
    pk = models.CompositePrimaryKey("month", "branch")
    month = models.DateField(_("month"))
    branch = models.ForeignKey(Branch, verbose_name=_("branch"), db_index=False, **RELATION)
    average_assets = models.DecimalField(_("daily average assets"), **MONEY)

    class Meta:
        verbose_name = _("branch month")
        verbose_name_plural = _("branch months")
        indexes = [models.Index(fields=["branch", "month"], name="branchmonth_branch_idx")]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.branch_id}"


class BrokerMonth(GroupMetricsBase):
    pk = models.CompositePrimaryKey("month", "manager")
    month = models.DateField(_("month"))
    manager = models.ForeignKey(Staff, verbose_name=_("manager"), db_index=False, **RELATION)
    branch = models.ForeignKey(Branch, verbose_name=_("branch"), **RELATION)
    average_assets = models.DecimalField(_("daily average assets"), **MONEY)

    class Meta:
        verbose_name = _("broker month")
        verbose_name_plural = _("broker months")
        indexes = [models.Index(fields=["manager", "month"], name="brokermonth_manager_idx")]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.manager_id}"


class ContributionPareto(models.Model):
    """A month's customers ranked by contribution, in 100 buckets of equal head-count, with
    the cumulative share of contribution up to each bucket: for the company (scope 0), for
    each branch (scope = branch id) and for each team (scope = minus the team id, of the
    customers its members served that month). Precomputed so the dashboard reads 100 rows."""

    pk = models.CompositePrimaryKey("month", "scope", "bucket")
    month = models.DateField(_("month"))
    scope = models.BigIntegerField(
        _("branch id, 0 for the company, or minus the team id for a team")
    )
    bucket = models.PositiveSmallIntegerField(_("percentile bucket"))
    cumulative_share = models.DecimalField(_("cumulative share"), max_digits=7, decimal_places=4)
    # The smallest contribution within the bucket: the customers of the top N % are those
    # contributing at least bucket N's minimum (the dashboard's drill-down).
    min_contribution = models.DecimalField(
        _("smallest contribution in the bucket"), max_digits=20, decimal_places=2, default=0
    )

    class Meta:
        verbose_name = _("contribution Pareto bucket")
        verbose_name_plural = _("contribution Pareto buckets")

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.scope} {self.bucket}"


class CustomerYear(models.Model):
    """A customer's contribution this year, from its first month to the latest the metrics
    step rolled up, with the customer's rank in the company (ties share a rank: 1, 2, 2, 4)
    and how many customers are ranked. Rewritten with every month computed, so that the 360
    page reads one row instead of summing every customer's months."""

    pk = models.CompositePrimaryKey("year", "customer")
    year = models.PositiveSmallIntegerField(_("year"))
    customer = models.ForeignKey(Customer, verbose_name=_("customer"), db_index=False, **RELATION)
    contribution = models.DecimalField(_("contribution"), **MONEY)
    company_rank = models.PositiveIntegerField(_("rank in the company"))
    company_ranked = models.PositiveIntegerField(_("customers ranked in the company"))

    CUSTOMER_PATH = "customer"

    class Meta:
        verbose_name = _("customer year")
        verbose_name_plural = _("customer years")

    def __str__(self) -> str:
        return f"{self.year} {self.customer_id}"


# The daily figures a running total is kept of, for the segments' "over the last N days"
# windows (marketing/segments/aggregates.py), and the count of daily rows (for averages).
RUNNING_FIGURES = (
    "total_assets",
    "net_inflow",
    "trade_volume",
    "trade_count",
    "commission",
    "net_commission",
    "contribution",
)


class CustomerRunning(models.Model):
    """Per business day with metrics, each customer's sums of their daily metrics rows from
    the first up to and including that day, for every customer with a row so far (one whose
    day has no row carries the previous day's sums). A window of days is then the
    difference of two days' rows, instead of a sum over every row of the window:
    sum over (S, A] = running on A minus running on the last day on or before S."""

    pk = models.CompositePrimaryKey("business_date", "customer")
    business_date = models.DateField(_("business date"))
    customer = models.ForeignKey(Customer, verbose_name=_("customer"), db_index=False, **RELATION)
    total_assets = models.DecimalField(_("total assets"), **MONEY)
    net_inflow = models.DecimalField(_("net inflow"), **MONEY)
    trade_volume = models.DecimalField(_("trading volume"), **MONEY)
    trade_count = models.PositiveBigIntegerField(_("trades"), default=0)
    commission = models.DecimalField(_("gross commission"), **MONEY)
    net_commission = models.DecimalField(_("net commission"), **MONEY)
    contribution = models.DecimalField(_("contribution"), **MONEY)
    days = models.PositiveIntegerField(_("days with metrics"), default=0)

    CUSTOMER_PATH = "customer"

    class Meta:
        verbose_name = _("customer running total")
        verbose_name_plural = _("customer running totals")

    def __str__(self) -> str:
        return f"{self.business_date} {self.customer_id}"
