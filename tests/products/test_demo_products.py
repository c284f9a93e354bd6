"""The demo's product library and suitability (`make demo`'s demo_products) on a small demo
imported as `make demo` imports it: every kind and risk level, the demo's listed funds and
bonds linked to their securities, varied suitability profiles, sales each backed by its
check, a few over-risk holdings to act on, and nothing added or changed by a second run."""

import datetime
import io
import random

import pytest
from django.core.management import call_command

from customers.demo.exports import generate_exports
from customers.models import Customer, DailyPosition
from products.management.commands.demo_products import (
    COHORTS,
    product_specs,
)
from products.models import (
    CheckResult,
    Product,
    ProductKind,
    ProductRisk,
    ProductSale,
    ProductStatus,
    ProfessionalApplication,
    Security,
    SuitabilityCheck,
    SuitabilityConfirmation,
)
from products.services.compliance import over_risk_customers
from products.suitability import Reason

DAY = datetime.date(2026, 11, 20)


def demo_day() -> datetime.date:
    """The day the demo's products are dated from: its latest positions'."""
    return DailyPosition.objects.order_by("-business_date").values_list("business_date", flat=True)[
        0
    ]


@pytest.fixture
def demo(tmp_path, db):
    """Four trading days of 150 customers with `make demo`'s options, imported and with
    metrics and the demo logins, as `make demo` has them before demo_products."""
    generate_exports(
        out_dir=tmp_path / "exports",
        customers=150,
        days=4,
        seed=7,
        start_date=datetime.date(2026, 9, 29),
        calendar="exchange",
        openings=True,
        planted_rejects=True,
    )
    quiet = {"stdout": io.StringIO()}
    call_command("import_counter", str(tmp_path / "exports"), **quiet)
    call_command("compute_metrics", **quiet)
    call_command("demo_users", **quiet)
    call_command("demo_products", language="en", **quiet)


def state() -> dict:
    """What a second run could add or change."""
    profile = ("pk", "risk_level", "risk_assessed_on", "investor_class", "professional_class")
    profile += ("treated_as_ordinary", "lowest_category", "invest_horizon", "invest_varieties")
    return {
        "products": sorted(Product.objects.values_list("code", "risk_level", "security_id")),
        "checks": SuitabilityCheck.objects.count(),
        "confirmations": SuitabilityConfirmation.objects.count(),
        "sales": sorted(ProductSale.objects.values_list("external_ref", "amount")),
        "applications": sorted(ProfessionalApplication.objects.values_list("pk", "status")),
        "customers": sorted(Customer.objects.values_list(*profile)),
    }


def test_the_library_has_every_kind_and_level_and_links_the_listed_funds_and_bonds(demo):
    kinds = set(Product.objects.values_list("kind", flat=True))
    assert kinds == set(ProductKind.values)
    assert set(Product.objects.values_list("risk_level", flat=True)) == set(ProductRisk.values)
    assert set(Product.objects.values_list("status", flat=True)) == set(ProductStatus.values)
    assert 1000 <= Product.objects.count() <= 1100
    assert Product.objects.filter(fee_rate__gt=0).count() > 800
    assert Product.objects.filter(professional_only=True).exists()
    assert not Product.objects.filter(issuer="").exclude(kind=ProductKind.PUBLIC_FUND).exists()
    day = demo_day()
    on_sale = Product.objects.filter(status=ProductStatus.ON_SALE)
    assert all(product.on_sale(day) for product in on_sale)
    assert Product.objects.filter(status=ProductStatus.CLOSED, sale_ends_on__lt=day).exists()
    # The demo's listed funds and bonds are products, linked to their securities.
    listed = Security.objects.filter(sec_type__in=("fund", "bond"))
    assert listed.exists()
    linked = Product.objects.filter(security__in=listed)
    assert linked.count() == listed.count()
    for product in linked.select_related("security"):
        assert product.code == f"{product.security.sec_code}.{product.security.market}"
    # No stock is a product, and no unlisted product's code named one by accident.
    assert not Product.objects.filter(security__sec_type="stock").exists()


def test_profiles_vary_sales_are_backed_by_checks_and_a_few_holdings_exceed_their_level(demo):
    customers = Customer.objects.all()
    lowest = customers.filter(lowest_category=True)
    assert lowest.exists() and not lowest.exclude(risk_level="C1").exists()
    professional = customers.filter(investor_class="professional")
    assert set(professional.values_list("professional_class", flat=True)) >= {"B", "C"}
    assert professional.filter(treated_as_ordinary=True).exists()
    assert not customers.exclude(investor_class="professional").exclude(professional_class="")
    assert customers.filter(risk_assessed_on__isnull=True).exists()
    expired_before = demo_day() - datetime.timedelta(days=730)
    assert customers.filter(risk_assessed_on__lt=expired_before).exists()
    assert {"short", "medium", "long"} <= set(customers.values_list("invest_horizon", flat=True))
    assert customers.filter(invest_varieties__contains="complex").exists()
    first_cohort = sorted(pk for pk in customers.values_list("pk", flat=True) if not pk % COHORTS)
    assert sorted(lowest.values_list("pk", flat=True)) == first_cohort
    # Sales, each backed by its check; a mismatch by the customer's confirmed warning.
    sales = ProductSale.objects.select_related("suitability_check", "product")
    assert sales.count() >= 20
    results = set()
    for sale in sales:
        check = sale.suitability_check
        assert (check.customer_id, check.product_id) == (sale.customer_id, sale.product_id)
        assert check.result != CheckResult.PROHIBITED
        assert Reason.ASSESSMENT_MISSING not in check.reasons
        if check.result == CheckResult.MISMATCH:
            assert SuitabilityConfirmation.objects.filter(suitability_check=check).exists()
        assert sale.product.on_sale(sale.sold_on)
        results.add(check.result)
    assert results == {CheckResult.SUITABLE, CheckResult.MISMATCH}
    assert ProfessionalApplication.objects.exists()
    # A few holdings to act on.
    over = over_risk_customers(day=demo_day())
    assert 0 < over.count() < Customer.objects.count() // 4


def test_a_second_run_adds_and_changes_nothing(demo):
    before = state()
    out = io.StringIO()
    call_command("demo_products", language="en", stdout=out)
    assert state() == before
    assert "(0 new)" in out.getvalue() and "0 sales recorded" in out.getvalue()


def test_the_library_is_the_same_for_the_same_seed_and_day():
    first = product_specs(random.Random(15), DAY)
    assert first == product_specs(random.Random(15), DAY)
    assert first != product_specs(random.Random(16), DAY)
    assert len({spec.code for spec in first}) == len(first)
