"""Daily facts from the counter: end-of-day snapshots (balances, positions, credit) and the
day's flows (trades, cash flows).

Every fact table's primary key starts with its business date, so that PostgreSQL can
partition it by month (README: "Partitioning the fact tables"). Money is Decimal throughout.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from products.models import Security

from .master import CapitalAccount

MONEY = {"max_digits": 20, "decimal_places": 2}
QUANTITY = {"max_digits": 20, "decimal_places": 4}
PRICE = {"max_digits": 18, "decimal_places": 4}


# Facts reach their account and security without database foreign keys: the import checks
# every reference set-based before it loads a row, and a million FK checks per day would cost
# more than the load itself. The composite indexes below lead with these columns.
FACT_RELATION = {"on_delete": models.PROTECT, "db_constraint": False, "db_index": False}


class SerialNumberField(models.CharField):
    """A flow's serial number, compared byte by byte on PostgreSQL (collation "C"): it is a
    code, not text to sort for people, and a million key checks a night cost less so."""

    def db_parameters(self, connection):
        parameters = super().db_parameters(connection)
        if connection.vendor == "postgresql":
            parameters["collation"] = "C"
        return parameters


def _account():
    return models.ForeignKey(
        CapitalAccount, related_name="+", verbose_name=_("fund account"), **FACT_RELATION
    )


def _security():
    return models.ForeignKey(
        Security, related_name="+", verbose_name=_("security"), **FACT_RELATION
    )


class DailyBalance(models.Model):
    CUSTOMER_PATH = "account__customer"

    pk = models.CompositePrimaryKey("business_date", "account", "currency")
    business_date = models.DateField(_("business date"))
    account = _account()
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    balance = models.DecimalField(_("cash balance"), **MONEY)
    available = models.DecimalField(_("available"), null=True, blank=True, **MONEY)
    frozen = models.DecimalField(_("frozen"), null=True, blank=True, **MONEY)

    class Meta:
        verbose_name = _("daily balance")
        verbose_name_plural = _("daily balances")
        indexes = [models.Index(fields=["account", "business_date"], name="balance_account_idx")]

    def __str__(self) -> str:
        return f"{self.business_date} {self.account_id} {self.balance}"


class DailyPosition(models.Model):
    CUSTOMER_PATH = "account__customer"

    pk = models.CompositePrimaryKey("business_date", "account", "security")
    business_date = models.DateField(_("business date"))
    account = _account()
    security = _security()
    quantity = models.DecimalField(_("quantity"), **QUANTITY)
    available_qty = models.DecimalField(_("available quantity"), null=True, blank=True, **QUANTITY)
    cost_price = models.DecimalField(_("cost price"), null=True, blank=True, **PRICE)
    market_value = models.DecimalField(_("market value"), **MONEY)

    class Meta:
        verbose_name = _("daily position")
        verbose_name_plural = _("daily positions")
        indexes = [
            models.Index(fields=["account", "business_date"], name="position_account_idx"),
            models.Index(fields=["security", "business_date"], name="position_security_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.business_date} {self.account_id} {self.security_id} {self.quantity}"


class TradeSide(models.TextChoices):
    BUY = "B", _("Buy")
    SELL = "S", _("Sell")
    RIGHTS_SUBSCRIPTION = "RS", _("Rights-issue subscription")
    IPO_ALLOTMENT = "IPO", _("New-share allotment")
    STOCK_DIVIDEND = "DIV", _("Stock dividend")


class Channel(models.TextChoices):
    INTERNET = "internet", _("Internet")
    MOBILE = "mobile", _("Mobile")
    PHONE = "phone", _("Phone")
    COUNTER = "counter", _("Counter")


class Trade(models.Model):
    """交割流水: one settled trade. The serial number is unique within its day."""

    CUSTOMER_PATH = "account__customer"

    pk = models.CompositePrimaryKey("trade_date", "serial_no")
    trade_date = models.DateField(_("trade date"))
    serial_no = SerialNumberField(_("serial number"), max_length=32)
    account = _account()
    security = _security()
    side = models.CharField(_("side"), max_length=3, choices=TradeSide.choices)
    quantity = models.DecimalField(_("quantity"), **QUANTITY)
    price = models.DecimalField(_("price"), **PRICE)
    amount = models.DecimalField(_("amount"), **MONEY)
    commission = models.DecimalField(_("commission"), **MONEY)
    stamp_tax = models.DecimalField(_("stamp tax"), null=True, blank=True, **MONEY)
    transfer_fee = models.DecimalField(_("transfer fee"), null=True, blank=True, **MONEY)
    handling_fee = models.DecimalField(_("handling fee"), null=True, blank=True, **MONEY)
    regulatory_fee = models.DecimalField(_("regulatory fee"), null=True, blank=True, **MONEY)
    net_amount = models.DecimalField(_("net amount"), **MONEY)
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices, blank=True)

    class Meta:
        verbose_name = _("trade")
        verbose_name_plural = _("trades")
        # Trades are read by day (the key) and by account (the 360 page); who holds a
        # security is a question for positions, so trades carry no index on it: a million
        # rows a day pay for every index on insert.
        indexes = [models.Index(fields=["account", "trade_date"], name="trade_account_idx")]

    def __str__(self) -> str:
        return f"{self.trade_date} {self.serial_no}"

    @property
    def other_fees(self):
        """Transfer, handling and regulatory fees together (the table shows them as one)."""
        fees = (self.transfer_fee, self.handling_fee, self.regulatory_fee)
        return sum((fee for fee in fees if fee is not None), start=type(self.amount)(0))


class CashFlowType(models.TextChoices):
    BANK_IN = "BANK_IN", _("Bank transfer in")
    BANK_OUT = "BANK_OUT", _("Bank transfer out")
    DIVIDEND = "DIVIDEND", _("Dividend")
    INTEREST = "INTEREST", _("Interest")
    FEE = "FEE", _("Fee")
    TRADE = "TRADE", _("Trade settlement")
    OTHER = "OTHER", _("Other")


class CashFlow(models.Model):
    """资金流水: one movement of money; amount is signed (positive in, negative out)."""

    CUSTOMER_PATH = "account__customer"

    pk = models.CompositePrimaryKey("flow_date", "serial_no")
    flow_date = models.DateField(_("flow date"))
    serial_no = SerialNumberField(_("serial number"), max_length=32)
    account = _account()
    biz_type = models.CharField(_("type"), max_length=10, choices=CashFlowType.choices)
    amount = models.DecimalField(_("amount"), **MONEY)
    balance_after = models.DecimalField(_("balance after"), null=True, blank=True, **MONEY)

    class Meta:
        verbose_name = _("cash flow")
        verbose_name_plural = _("cash flows")
        indexes = [models.Index(fields=["account", "flow_date"], name="cashflow_account_idx")]

    def __str__(self) -> str:
        return f"{self.flow_date} {self.serial_no}"

    @property
    def is_bank_transfer(self) -> bool:
        return self.biz_type in (CashFlowType.BANK_IN, CashFlowType.BANK_OUT)


class DailyCredit(models.Model):
    """融资融券: a credit account's debt and collateral at the end of a day."""

    CUSTOMER_PATH = "account__customer"

    pk = models.CompositePrimaryKey("business_date", "account")
    business_date = models.DateField(_("business date"))
    account = _account()
    financing_debt = models.DecimalField(_("financing debt"), **MONEY)
    lending_debt = models.DecimalField(_("securities lending debt"), **MONEY)
    accrued_interest = models.DecimalField(_("accrued interest"), **MONEY)
    collateral_value = models.DecimalField(_("collateral value"), **MONEY)
    maintenance_ratio = models.DecimalField(
        _("maintenance ratio"), max_digits=12, decimal_places=4, null=True, blank=True
    )

    class Meta:
        verbose_name = _("daily credit account")
        verbose_name_plural = _("daily credit accounts")
        indexes = [models.Index(fields=["account", "business_date"], name="credit_account_idx")]

    def __str__(self) -> str:
        return f"{self.business_date} {self.account_id}"
