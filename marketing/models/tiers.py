"""Tiers: ordered service levels by assets, contribution and turnover, one per customer per month.

A `Tier` is what admins edit (thresholds, how they combine, the hysteresis, the service
standard); `CustomerTier` is the evaluation's monthly record of what each customer holds
(marketing/services/tiers.py writes it set-based); `TierCount` pre-aggregates those records
for the dashboards; `TierRun` logs each evaluation. No queries live here.
"""

import datetime

from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from crm.dates import previous_month
from crm.models import Branch, Staff
from customers.models import Customer

__all__ = ["CustomerTier", "Tier", "TierCombine", "TierCount", "TierRun"]

MONEY = {"max_digits": 20, "decimal_places": 2}
TURNOVER = {"max_digits": 14, "decimal_places": 4}  # as analytics.CustomerMonth.turnover
# Where a customer stood when evaluated: the dashboards' scope, never the source of truth.
STOOD = {"on_delete": models.DO_NOTHING, "db_constraint": False, "related_name": "+"}


class TierCombine(models.TextChoices):
    ANY = "any", _("Any threshold set")
    ALL = "all", _("Every threshold set")


class Tier(models.Model):
    """A service level. Rank 1 is the top; the active tier with the largest rank is the floor
    that every customer qualifies for, whatever its thresholds. A threshold left empty is no
    requirement; a tier with none set qualifies everybody who reaches it."""

    name = models.CharField(_("name"), max_length=50)
    code = models.SlugField(_("code"), max_length=30, unique=True)
    rank = models.PositiveSmallIntegerField(
        _("rank"), unique=True, help_text=_("1 is the highest tier; larger numbers rank lower.")
    )
    min_average_assets = models.DecimalField(
        _("daily average assets of the month at least"),
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        **MONEY,
    )
    min_contribution = models.DecimalField(
        _("contribution over 12 months at least"),
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        **MONEY,
    )
    min_turnover = models.DecimalField(
        _("turnover of the month at least"),
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text=_("Trading volume over daily average assets: 0.5 is half the assets traded."),
        **TURNOVER,
    )
    combine = models.CharField(
        _("qualifies when it meets"),
        max_length=3,
        choices=TierCombine.choices,
        default=TierCombine.ANY,
    )
    downgrade_after_months = models.PositiveSmallIntegerField(
        _("downgrade after months below"),
        default=3,
        validators=[MinValueValidator(1)],
        help_text=_(
            "A customer below this tier is watched, and downgraded after this many "
            "consecutive months below it."
        ),
    )
    contact_every_days = models.PositiveSmallIntegerField(
        _("contact at least every (days)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_("Empty: no contact standard. An overdue customer becomes a task."),
    )
    review_every_days = models.PositiveSmallIntegerField(
        _("review every (days)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_("Empty: no review. 90 is a review every quarter."),
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["rank"]
        verbose_name = _("tier")
        verbose_name_plural = _("tiers")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(downgrade_after_months__gte=1), name="tier_downgrade_after_one"
            ),
            models.CheckConstraint(
                condition=models.Q(contact_every_days__gte=1)
                | models.Q(contact_every_days__isnull=True),
                name="tier_contact_every_day_or_more",
            ),
            models.CheckConstraint(
                condition=models.Q(review_every_days__gte=1)
                | models.Q(review_every_days__isnull=True),
                name="tier_review_every_day_or_more",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class CustomerTier(models.Model):
    """What a customer holds in a month (its first day), from the figures of the month before:
    the tier held, the one the figures qualified for, the one held the month before (None at
    the first evaluation), whether the customer is below the tier held (to watch) and for how
    many consecutive months, and since when the tier is held."""

    CUSTOMER_PATH = "customer"

    # A row per customer per month, 200,000 at a time: only the indexes the evaluation and the
    # drill-down read (the unique one leads with the customer), and no database constraint
    # on the tiers (a trigger per row and tier at commit). Django keeps a tier that customers
    # held from being deleted (PROTECT: the admin refuses; deactivate it instead).
    customer = models.ForeignKey(
        Customer,
        on_delete=models.CASCADE,
        related_name="tiers",
        verbose_name=_("customer"),
        db_index=False,
    )
    month = models.DateField(_("month"), help_text=_("The first day of the month."))
    tier = models.ForeignKey(
        Tier,
        on_delete=models.PROTECT,
        db_constraint=False,
        db_index=False,
        related_name="+",
        verbose_name=_("tier"),
    )
    qualified_tier = models.ForeignKey(
        Tier,
        on_delete=models.PROTECT,
        db_constraint=False,
        db_index=False,
        related_name="+",
        verbose_name=_("qualified for"),
    )
    previous_tier = models.ForeignKey(
        Tier,
        on_delete=models.PROTECT,
        db_constraint=False,
        db_index=False,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("tier the month before"),
    )
    to_watch = models.BooleanField(_("to watch"), default=False)
    months_below = models.PositiveSmallIntegerField(_("consecutive months below"), default=0)
    since = models.DateField(_("held since"))
    branch = models.ForeignKey(Branch, verbose_name=_("branch"), db_index=False, **STOOD)
    manager = models.ForeignKey(
        Staff, verbose_name=_("manager"), null=True, db_index=False, **STOOD
    )
    average_assets = models.DecimalField(_("daily average assets"), default=0, **MONEY)
    contribution = models.DecimalField(_("contribution over 12 months"), default=0, **MONEY)
    turnover = models.DecimalField(_("turnover"), default=0, **TURNOVER)

    class Meta:
        verbose_name = _("customer tier")
        verbose_name_plural = _("customer tiers")
        constraints = [
            models.UniqueConstraint(fields=["customer", "month"], name="customertier_one_a_month")
        ]
        indexes = [models.Index(fields=["month", "tier"], name="customertier_month_tier_idx")]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.customer_id} {self.tier_id}"

    @property
    def basis_month(self) -> datetime.date:
        """The month whose figures this tier was evaluated from."""
        return previous_month(self.month)


class TierCount(models.Model):
    """A month's customers per branch and manager, by the tier held the month before and the
    tier held now (the migration matrix; its column sums are the distribution) and whether
    they are to watch. Rebuilt with every evaluation of the month."""

    month = models.DateField(_("month"))
    branch = models.ForeignKey(Branch, verbose_name=_("branch"), db_index=False, **STOOD)
    manager = models.ForeignKey(
        Staff, verbose_name=_("manager"), null=True, db_index=False, **STOOD
    )
    previous_tier = models.ForeignKey(
        Tier, verbose_name=_("tier the month before"), null=True, db_index=False, **STOOD
    )
    tier = models.ForeignKey(Tier, verbose_name=_("tier"), db_index=False, **STOOD)
    to_watch = models.BooleanField(_("to watch"), default=False)
    customers = models.PositiveIntegerField(_("customers"), default=0)

    class Meta:
        verbose_name = _("tier count")
        verbose_name_plural = _("tier counts")
        indexes = [models.Index(fields=["month", "branch"], name="tiercount_month_branch_idx")]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.branch_id} {self.previous_tier_id}→{self.tier_id}"


class TierRun(models.Model):
    """One evaluation of a month: when, from which month's figures, and what it found."""

    month = models.DateField(_("month"), unique=True)
    basis_month = models.DateField(_("figures of"))
    started_at = models.DateTimeField(_("started"))
    finished_at = models.DateTimeField(_("finished"))
    customers = models.PositiveIntegerField(_("customers"), default=0)
    upgraded = models.PositiveIntegerField(_("upgraded"), default=0)
    downgraded = models.PositiveIntegerField(_("downgraded"), default=0)
    watched = models.PositiveIntegerField(_("to watch"), default=0)

    class Meta:
        ordering = ["-month"]
        verbose_name = _("tier evaluation")
        verbose_name_plural = _("tier evaluations")

    def __str__(self) -> str:
        return f"{self.month:%Y-%m}"
