"""Securities master and daily closing quotes, as the trading counter exports them.

The product library (library.py) links to these by code.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Market(models.TextChoices):
    SH = "SH", _("Shanghai")
    SZ = "SZ", _("Shenzhen")
    BJ = "BJ", _("Beijing")


class SecurityType(models.TextChoices):
    STOCK = "stock", _("Stock")
    FUND = "fund", _("Fund")
    BOND = "bond", _("Bond")
    REPO = "repo", _("Repo")
    OTHER = "other", _("Other")


class Security(models.Model):
    market = models.CharField(_("market"), max_length=2, choices=Market.choices)
    sec_code = models.CharField(_("security code"), max_length=6)
    name = models.CharField(_("name"), max_length=100, db_index=True)
    sec_type = models.CharField(_("security type"), max_length=8, choices=SecurityType.choices)
    industry = models.CharField(_("industry"), max_length=100, blank=True, db_index=True)
    # The business day of the export this row was last loaded from: a late day never
    # overwrites what a later day said.
    as_of = models.DateField(_("as of"), null=True, blank=True)

    class Meta:
        ordering = ["market", "sec_code"]
        verbose_name = _("security")
        verbose_name_plural = _("securities")
        constraints = [
            models.UniqueConstraint(fields=["market", "sec_code"], name="security_unique_code")
        ]
        indexes = [models.Index(fields=["sec_code"], name="security_code_idx")]

    def __str__(self) -> str:
        return f"{self.sec_code}.{self.market} {self.name}"


class Quote(models.Model):
    pk = models.CompositePrimaryKey("trade_date", "security")
    trade_date = models.DateField(_("trade date"))
    security = models.ForeignKey(
        Security,
        on_delete=models.CASCADE,
        related_name="quotes",
        verbose_name=_("security"),
        db_index=False,  # quote_security_day_idx leads with it
    )
    close_price = models.DecimalField(_("close price"), max_digits=18, decimal_places=4)

    class Meta:
        verbose_name = _("quote")
        verbose_name_plural = _("quotes")
        indexes = [models.Index(fields=["security", "trade_date"], name="quote_security_day_idx")]

    def __str__(self) -> str:
        return f"{self.trade_date} {self.security_id} {self.close_price}"
