"""Reads of the product library for its pages: the products (the library shows no customer,
so every member of staff sees all of it), one product by code, and the sales of a product
within the viewer's scope. Whether a product is on sale on a day, as a condition, is
products.suitability.on_sale_q.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, QuerySet, Sum
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from crm.scoping import scope_for_user
from products.models import Product, ProductSale


def products_all() -> QuerySet[Product]:
    """Every product with its linked security (one join): the library is no customer's."""
    return Product.objects.select_related("security")


def product_get(*, code: str) -> Product:
    """One product by its code, with its security, or 404 (also for a code no product can
    have: PostgreSQL cannot even compare a text holding NUL)."""
    too_long = len(code) > (Product._meta.get_field("code").max_length or 0)
    product = None if too_long or "\x00" in code else products_all().filter(code=code).first()
    if product is None:
        raise Http404(_("No such product."))
    return product


@dataclass(frozen=True)
class SalesFigures:
    count: int
    amount: Decimal
    fee: Decimal
    customers: int


def product_sales_for_user(user, product: Product) -> SalesFigures:
    """The product's recorded sales to the customers in the user's scope (crm.scoping):
    how many, the amount sold, the fee income and the customers who bought, in one query."""
    figures = scope_for_user(user, ProductSale.objects.filter(product=product)).aggregate(
        count=Count("id"),
        amount=Sum("amount"),
        fee=Sum("fee"),
        customers=Count("customer_id", distinct=True),
    )
    return SalesFigures(
        count=figures["count"],
        amount=figures["amount"] or Decimal("0"),
        fee=figures["fee"] or Decimal("0"),
        customers=figures["customers"],
    )
