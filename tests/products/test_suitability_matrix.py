"""The suitability matrix, cell by cell: every investor category (the lowest, C1 to C5,
professional classes A, B and C, a professional treated as ordinary) against every product
risk level R1 to R5 with the regulation's default rules; then each other reason on its own
(professional-only, assessment expired or missing, horizon, variety, minimum investment),
all of them together, and a rule changed in admin changing the verdict."""

import datetime
from decimal import Decimal

import pytest
from django.utils import translation

from crm.audit_text import audit_sentence
from crm.models import AuditEntry
from customers.models import Customer
from products.models import (
    CheckResult,
    InvestorCategory,
    Product,
    ProductStatus,
    SuitabilityRule,
)
from products.suitability import (
    Profile,
    Reason,
    check,
    offerable_customers,
    offerable_products,
    permitted_levels,
    verdict_for,
)
from tests.products.data import TODAY, customer_of, product_of

pytestmark = pytest.mark.django_db

LEVELS = ("R1", "R2", "R3", "R4", "R5")

# The investor of each row of the matrix, with a valid assessment, the longest horizon and
# every variety, so that only risk decides; and the highest level the defaults permit.
INVESTORS = {
    "lowest": ({"risk_level": "C1", "lowest_category": True}, "R1"),
    "C1": ({"risk_level": "C1"}, "R1"),
    "C2": ({"risk_level": "C2"}, "R2"),
    "C3": ({"risk_level": "C3"}, "R3"),
    "C4": ({"risk_level": "C4"}, "R4"),
    "C5": ({"risk_level": "C5"}, "R5"),
    "pro_a": ({"investor_class": "professional", "professional_class": "A"}, "R5"),
    "pro_b": ({"investor_class": "professional", "professional_class": "B"}, "R5"),
    "pro_c": ({"investor_class": "professional", "professional_class": "C"}, "R5"),
    # Professionals who elected to be treated as ordinary are matched by their C level.
    "pro_as_C2": (
        {
            "investor_class": "professional",
            "professional_class": "B",
            "treated_as_ordinary": True,
            "risk_level": "C2",
        },
        "R2",
    ),
    "pro_as_C4": (
        {
            "investor_class": "professional",
            "professional_class": "A",
            "treated_as_ordinary": True,
            "risk_level": "C4",
        },
        "R4",
    ),
}
CATEGORY = {
    "lowest": InvestorCategory.LOWEST,
    "pro_a": InvestorCategory.PROFESSIONAL_A,
    "pro_b": InvestorCategory.PROFESSIONAL_B,
    "pro_c": InvestorCategory.PROFESSIONAL_C,
    "pro_as_C2": "C2",
    "pro_as_C4": "C4",
}


def expected_cell(investor: str, level: str) -> tuple[str, tuple[str, ...]]:
    """The regulation's default for one cell of the matrix."""
    highest = INVESTORS[investor][1]
    if level <= highest:
        return CheckResult.SUITABLE, ()
    if investor == "lowest":
        return CheckResult.PROHIBITED, (Reason.LOWEST_CATEGORY, Reason.RISK_LEVEL)
    return CheckResult.MISMATCH, (Reason.RISK_LEVEL,)


def assert_one_verdict(customer, product, result, reasons, *, amount=None):
    """The pure check, the loaded check and the set-based functions all say the same."""
    verdict = verdict_for(customer, product, today=TODAY, amount=amount)
    assert (verdict.result, verdict.reasons) == (result, tuple(reasons))
    pure = check(Profile.of(customer), product, permitted=permitted_levels(), today=TODAY)
    if amount is None:
        assert pure == verdict
        suitable = result == CheckResult.SUITABLE
        customers = Customer.objects.filter(pk=customer.pk)
        assert offerable_customers(product, customers, today=TODAY).exists() is suitable
        products = Product.objects.filter(pk=product.pk)
        assert offerable_products(customer, products, today=TODAY).exists() is suitable
    return verdict


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize("investor", INVESTORS)
def test_the_default_matrix_decides_each_cell(investor, level):
    customer = customer_of(**INVESTORS[investor][0])
    product = product_of(risk_level=level)
    result, reasons = expected_cell(investor, level)
    verdict = assert_one_verdict(customer, product, result, reasons)
    assert verdict.category == CATEGORY.get(investor, investor)


def test_the_shipped_rules_are_the_regulation_defaults_and_nothing_else():
    rules = set(SuitabilityRule.objects.values_list("category", "product_risk", "permitted"))
    expected = {
        (category, level, level <= INVESTORS[investor][1])
        for investor, category in {
            "lowest": "lowest",
            "C1": "C1",
            "C2": "C2",
            "C3": "C3",
            "C4": "C4",
            "C5": "C5",
            "pro_a": "pro_a",
            "pro_b": "pro_b",
            "pro_c": "pro_c",
        }.items()
        for level in LEVELS
    }
    assert rules == expected


@pytest.mark.parametrize("level", LEVELS)
def test_a_lowest_category_investor_is_prohibited_above_r1_even_on_a_permitting_rule(level):
    SuitabilityRule.objects.filter(category=InvestorCategory.LOWEST).update(permitted=True)
    customer = customer_of(risk_level="C5", lowest_category=True)
    product = product_of(risk_level=level)
    if level == "R1":
        assert_one_verdict(customer, product, CheckResult.SUITABLE, ())
    else:
        assert_one_verdict(customer, product, CheckResult.PROHIBITED, [Reason.LOWEST_CATEGORY])


@pytest.mark.parametrize(
    "investor", ["lowest", "C1", "C3", "C5", "pro_as_C2", "pro_as_C4"], ids=str
)
def test_a_professional_only_product_is_prohibited_for_an_ordinary_investor(investor):
    customer = customer_of(**INVESTORS[investor][0])
    product = product_of(risk_level="R1", professional_only=True)
    assert_one_verdict(customer, product, CheckResult.PROHIBITED, [Reason.PROFESSIONAL_ONLY])


@pytest.mark.parametrize("investor", ["pro_a", "pro_b", "pro_c"])
def test_a_professional_only_product_suits_a_professional_investor(investor):
    customer = customer_of(**INVESTORS[investor][0])
    assert_one_verdict(
        customer, product_of(risk_level="R5", professional_only=True), CheckResult.SUITABLE, ()
    )


def test_a_professional_without_a_recorded_class_is_taken_as_class_c():
    SuitabilityRule.objects.filter(category="pro_c", product_risk="R5").update(permitted=False)
    customer = customer_of(investor_class="professional", professional_class="")
    verdict = assert_one_verdict(
        customer, product_of(risk_level="R5"), CheckResult.MISMATCH, [Reason.RISK_LEVEL]
    )
    assert verdict.category == InvestorCategory.PROFESSIONAL_C


@pytest.mark.parametrize(
    "assessed_days_ago, result, reasons",
    [
        (0, CheckResult.SUITABLE, []),
        (730, CheckResult.SUITABLE, []),  # the last day of its validity
        (731, CheckResult.MISMATCH, [Reason.ASSESSMENT_EXPIRED]),
        (4000, CheckResult.MISMATCH, [Reason.ASSESSMENT_EXPIRED]),
        (None, CheckResult.MISMATCH, [Reason.ASSESSMENT_MISSING]),
    ],
)
def test_an_expired_or_missing_assessment_asks_to_reassess_first(
    assessed_days_ago, result, reasons
):
    assessed_on = (
        None if assessed_days_ago is None else TODAY - datetime.timedelta(days=assessed_days_ago)
    )
    customer = customer_of(risk_level="C3", risk_assessed_on=assessed_on)
    assert_one_verdict(customer, product_of(risk_level="R2"), result, reasons)


def test_the_validity_of_an_assessment_follows_the_setting(settings):
    settings.RISK_ASSESSMENT_VALID_DAYS = 365
    customer = customer_of(risk_assessed_on=TODAY - datetime.timedelta(days=366))
    assert_one_verdict(customer, product_of(), CheckResult.MISMATCH, [Reason.ASSESSMENT_EXPIRED])


def test_an_investor_without_a_risk_level_must_be_assessed_first():
    customer = customer_of(risk_level="")
    verdict = assert_one_verdict(
        customer, product_of(), CheckResult.MISMATCH, [Reason.ASSESSMENT_MISSING]
    )
    assert verdict.category == ""


def test_a_professional_needs_no_assessment_horizon_or_variety():
    customer = customer_of(
        investor_class="professional",
        professional_class="B",
        risk_level="",
        risk_assessed_on=None,
        invest_horizon="",
        invest_varieties="",
    )
    product = product_of(risk_level="R5", horizon="long", variety="derivative")
    assert_one_verdict(customer, product, CheckResult.SUITABLE, [])


@pytest.mark.parametrize("product_horizon", ["short", "medium", "long"])
@pytest.mark.parametrize("customer_horizon", ["short", "medium", "long", ""])
def test_the_product_horizon_must_not_be_longer_than_the_customers(
    customer_horizon, product_horizon
):
    order = {"short": 1, "medium": 2, "long": 3}
    customer = customer_of(invest_horizon=customer_horizon)
    product = product_of(horizon=product_horizon)
    fits = customer_horizon and order[product_horizon] <= order[customer_horizon]
    if fits:
        assert_one_verdict(customer, product, CheckResult.SUITABLE, [])
    else:
        assert_one_verdict(customer, product, CheckResult.MISMATCH, [Reason.HORIZON])


@pytest.mark.parametrize(
    "stated, variety, fits",
    [
        ("fund", "fund", True),
        ("equity;fund", "fund", True),
        ("fund;equity", "fund", True),
        (" equity ; fund ", "fund", True),
        ("equity;;fund;", "fund", True),
        ("equity", "fund", False),
        ("", "fund", False),
        ("fixed_income", "fixed_income", True),
        # A code inside another code, or a code with something stuck to it, is not stated.
        ("private_fund", "fund", False),
        ("funds;equity", "fund", False),
        ("equity;fund_of_funds", "fund", False),
        ("equity,fund", "fund", False),
        ("fixed_income", "income", False),
        ("complex", "complex", True),
        ("Fund", "fund", False),
    ],
)
def test_the_product_variety_must_be_one_the_customer_stated(stated, variety, fits):
    customer = customer_of(invest_varieties=stated)
    product = product_of(variety=variety)
    if fits:
        assert_one_verdict(customer, product, CheckResult.SUITABLE, [])
    else:
        assert_one_verdict(customer, product, CheckResult.MISMATCH, [Reason.VARIETY])


@pytest.mark.parametrize(
    "amount, result, reasons",
    [
        (Decimal("49999.99"), CheckResult.MISMATCH, [Reason.MINIMUM_INVESTMENT]),
        (Decimal("50000"), CheckResult.SUITABLE, []),
        (Decimal("1000000"), CheckResult.SUITABLE, []),
    ],
)
def test_the_minimum_investment_is_checked_with_an_amount(amount, result, reasons):
    customer = customer_of()
    product = product_of(minimum_investment=Decimal("50000"))
    assert_one_verdict(customer, product, result, reasons, amount=amount)
    # Without an amount (nothing proactive knows one) the minimum does not decide.
    assert_one_verdict(customer, product, CheckResult.SUITABLE, [])


def test_every_reason_is_listed_when_several_apply():
    customer = customer_of(
        risk_level="C1",
        lowest_category=True,
        risk_assessed_on=TODAY - datetime.timedelta(days=800),
        invest_horizon="short",
        invest_varieties="fixed_income",
    )
    product = product_of(
        risk_level="R4",
        horizon="long",
        variety="equity",
        professional_only=True,
        minimum_investment=Decimal("1000000"),
    )
    assert_one_verdict(
        customer,
        product,
        CheckResult.PROHIBITED,
        [
            Reason.LOWEST_CATEGORY,
            Reason.PROFESSIONAL_ONLY,
            Reason.ASSESSMENT_EXPIRED,
            Reason.RISK_LEVEL,
            Reason.HORIZON,
            Reason.VARIETY,
            Reason.MINIMUM_INVESTMENT,
        ],
        amount=Decimal("10"),
    )
    mismatch = customer_of(
        risk_level="C2",
        risk_assessed_on=None,
        invest_horizon="medium",
        invest_varieties="fixed_income",
    )
    assert_one_verdict(
        mismatch,
        product_of(risk_level="R3", horizon="long", variety="equity"),
        CheckResult.MISMATCH,
        [Reason.ASSESSMENT_MISSING, Reason.RISK_LEVEL, Reason.HORIZON, Reason.VARIETY],
    )


@pytest.mark.parametrize(
    "status, starts, ends, offered",
    [
        (ProductStatus.ON_SALE, None, None, True),
        (ProductStatus.ON_SALE, TODAY, TODAY, True),
        (ProductStatus.ON_SALE, TODAY + datetime.timedelta(days=1), None, False),
        (ProductStatus.ON_SALE, None, TODAY - datetime.timedelta(days=1), False),
        (ProductStatus.DRAFT, None, None, False),
        (ProductStatus.SUSPENDED, None, None, False),
        (ProductStatus.CLOSED, None, None, False),
    ],
)
def test_a_product_not_on_sale_is_never_offered(status, starts, ends, offered):
    customer = customer_of()
    product = product_of(status=status, sale_starts_on=starts, sale_ends_on=ends)
    # The check itself still says it suits (a sale on request is the sales desk's question).
    assert verdict_for(customer, product, today=TODAY).suitable
    assert offerable_customers(product, Customer.objects.all(), today=TODAY).exists() is offered
    assert offerable_products(customer, Product.objects.all(), today=TODAY).exists() is offered


def test_the_set_based_functions_keep_the_callers_queryset_and_cost_one_query(
    django_assert_num_queries, org
):
    product = product_of(risk_level="R3")
    suited = customer_of(risk_level="C4", branch=org.branch_a)
    customer_of(risk_level="C4", branch=org.branch_b)
    customer_of(risk_level="C2", branch=org.branch_a)
    permitted = permitted_levels()
    with django_assert_num_queries(1):
        found = list(
            offerable_customers(
                product,
                Customer.objects.filter(branch=org.branch_a),
                today=TODAY,
                permitted=permitted,
            )
        )
    assert found == [suited]
    fitting = product_of(risk_level="R4")
    product_of(risk_level="R5")
    product_of(risk_level="R1", kind="bond")
    with django_assert_num_queries(1):
        products = list(
            offerable_products(
                suited, Product.objects.exclude(kind="bond"), today=TODAY, permitted=permitted
            )
        )
    assert products == [product, fitting]


def test_a_rule_changed_in_admin_changes_the_verdict(client, org):
    org.admin.user.is_staff = org.admin.user.is_superuser = True
    org.admin.user.save()
    client.force_login(org.admin.user)
    customer = customer_of(risk_level="C2")
    product = product_of(risk_level="R3")
    assert verdict_for(customer, product, today=TODAY).result == CheckResult.MISMATCH

    rules = list(SuitabilityRule.objects.order_by("category", "product_risk", "id"))
    form = {
        "form-TOTAL_FORMS": str(len(rules)),
        "form-INITIAL_FORMS": str(len(rules)),
        "_save": "Save",
    }
    for index, rule in enumerate(rules):
        form[f"form-{index}-id"] = str(rule.pk)
        permitted = rule.permitted or (rule.category, rule.product_risk) == ("C2", "R3")
        if permitted:
            form[f"form-{index}-permitted"] = "on"
    response = client.post("/admin/products/suitabilityrule/?o=", form)
    assert response.status_code == 302, response.content.decode()[:2000]

    assert SuitabilityRule.objects.get(category="C2", product_risk="R3").permitted
    assert_one_verdict(customer, product, CheckResult.SUITABLE, [])
    # Audited, the one cell that changed only.
    entry = AuditEntry.objects.get(action__startswith="suitability_rule.")
    assert (entry.action, entry.actor, entry.details) == (
        "suitability_rule.permit",
        org.admin.user,
        {"category": "C2", "product_risk": "R3"},
    )
    with translation.override("en"):
        assert audit_sentence(entry) == ("admin permitted R3 products to investors of category C2")


def test_a_rule_refused_in_admin_is_audited_and_refuses_the_sale(client, org):
    org.admin.user.is_staff = org.admin.user.is_superuser = True
    org.admin.user.save()
    client.force_login(org.admin.user)
    rule = SuitabilityRule.objects.get(category="pro_b", product_risk="R5")
    response = client.post(
        f"/admin/products/suitabilityrule/{rule.pk}/change/",
        {"category": "C1", "product_risk": "R1", "_save": "Save"},  # read-only: ignored
    )
    assert response.status_code == 302
    rule.refresh_from_db()
    assert (rule.category, rule.product_risk, rule.permitted) == ("pro_b", "R5", False)
    assert AuditEntry.objects.get().action == "suitability_rule.refuse"
    customer = customer_of(investor_class="professional", professional_class="B")
    assert_one_verdict(
        customer, product_of(risk_level="R5"), CheckResult.MISMATCH, [Reason.RISK_LEVEL]
    )


def test_the_admin_shows_the_whole_matrix_in_order_and_adds_or_deletes_no_cell(client, org):
    org.admin.user.is_staff = org.admin.user.is_superuser = True
    org.admin.user.save()
    client.force_login(org.admin.user)
    page = client.get("/admin/products/suitabilityrule/")
    assert page.status_code == 200
    shown = [rule.category for rule in page.context["cl"].result_list]
    assert len(shown) == 45
    assert list(dict.fromkeys(shown)) == list(InvestorCategory.values)
    assert 'name="form-0-permitted"' in page.content.decode()
    assert client.get("/admin/products/suitabilityrule/add/").status_code == 403
    rule = SuitabilityRule.objects.first()
    assert client.post(f"/admin/products/suitabilityrule/{rule.pk}/delete/").status_code == 403
    assert SuitabilityRule.objects.count() == 45


def test_the_written_out_spaces_are_what_strip_removes():
    """The variety pattern's spaces are written out (generating them walks every code point
    at start-up): they must be exactly the characters str.isspace() knows."""
    import sys

    from products import suitability

    spaces = "".join(c for c in map(chr, range(sys.maxunicode + 1)) if c.isspace())
    expected = f"[{spaces}]*"
    assert expected == suitability._SPACE
