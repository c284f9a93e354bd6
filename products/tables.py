"""The product list's table (django-tables2) and the cells its CSV export shares with it."""

import django_tables2 as tables
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from customers.tables.columns import DASH, NOWRAP, NUMBER, money_text
from products.models import Product


def rate_text(value) -> str:
    """0.012 → `1.2%`: a fee rate as people say it, without trailing zeros."""
    if value is None:
        return DASH
    percent = (value * 100).normalize()
    return f"{percent:f}%"


def window_text(product: Product) -> str:
    """The start and end days joined by an en dash; an open end as a dash."""
    if product.sale_starts_on is None and product.sale_ends_on is None:
        return DASH
    starts = product.sale_starts_on.isoformat() if product.sale_starts_on else DASH
    ends = product.sale_ends_on.isoformat() if product.sale_ends_on else DASH
    return f"{starts} – {ends}"


class ProductTable(tables.Table):
    code = tables.Column(linkify=("products:detail", {"code": tables.A("code")}), attrs=NOWRAP)
    name = tables.Column(linkify=("products:detail", {"code": tables.A("code")}))
    kind = tables.Column(attrs=NOWRAP)
    issuer = tables.Column(default=DASH)
    risk_level = tables.Column(attrs=NOWRAP)
    horizon = tables.Column(attrs=NOWRAP)
    variety = tables.Column()
    minimum_investment = tables.Column(attrs=NUMBER)
    sale_window = tables.Column(
        verbose_name=_("Sale window"),
        accessor="sale_starts_on",
        order_by=("sale_starts_on", "sale_ends_on", "code"),
        empty_values=(),
        attrs=NOWRAP,
    )
    status = tables.Column(attrs=NOWRAP)
    on_sale_today = tables.Column(
        verbose_name=_("On sale today"), accessor="pk", orderable=False, empty_values=()
    )
    fee_rate = tables.Column(attrs=NUMBER)
    professional_only = tables.BooleanColumn(yesno="✔,")

    class Meta:
        model = Product
        fields = (
            "code",
            "name",
            "kind",
            "issuer",
            "risk_level",
            "horizon",
            "variety",
            "minimum_investment",
            "sale_window",
            "status",
            "on_sale_today",
            "fee_rate",
            "professional_only",
        )
        order_by = ("code",)
        attrs = {"class": "table product-list"}
        empty_text = _("No product matches these filters.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = timezone.localdate()

    def render_risk_level(self, record):
        return format_html(
            '<span title="{}">{}</span>', record.get_risk_level_display(), record.risk_level
        )

    def render_minimum_investment(self, value):
        return money_text(value)

    def render_sale_window(self, record):
        return window_text(record)

    def render_on_sale_today(self, record):
        return "✔" if record.on_sale(self.today) else ""

    def render_fee_rate(self, value):
        return rate_text(value)
