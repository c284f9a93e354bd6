"""Investor-class applications (投资者类别转化) end to end through the pages: a broker submits
from the 360 page, head office starts the review and approves (the customer's class changes,
audited) or rejects with a note; every step is recorded; a decision out of turn, a second
open application, evidence below the thresholds and a customer out of scope are refused
with a message or a 404, never a 500, and write nothing."""

from decimal import Decimal

import pytest
from django.core.exceptions import ImproperlyConfigured

from crm.models import AuditEntry
from customers.models import Customer
from products.models import (
    ApplicationDirection,
    ApplicationStatus,
    ApplicationStep,
    ProfessionalApplication,
)
from products.selectors.applications import (
    class_after_approval,
    evidence_verdict,
    professional_thresholds,
)

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
HTMX = {**EN, "HTTP_HX_REQUEST": "true"}
EVIDENCE = {
    "direction": ApplicationDirection.TO_PROFESSIONAL,
    "financial_assets": "3500000",
    "annual_income": "",
    "experience_years": "2",
    "evidence": "近20个交易日日均金融资产证明；两年投资经历。",
}


def apply_url(customer) -> str:
    return f"/products/customers/{customer.cust_no}/apply/"


def detail_url(application) -> str:
    return f"/products/applications/{application.pk}/"


def submit(client, staff, customer, **changes):
    client.force_login(staff.user)
    return client.post(apply_url(customer), {**EVIDENCE, **changes}, **EN)


def move(client, staff, application, to_status, note=""):
    client.force_login(staff.user)
    return client.post(detail_url(application), {"to_status": to_status, "note": note}, **EN)


def messages_of(client, response) -> list[str]:
    return [str(message) for message in response.wsgi_request._messages]


def steps_of(application) -> list[tuple[str, str]]:
    return list(
        ApplicationStep.objects.filter(application=application).values_list(
            "action", "actor__username"
        )
    )


@pytest.fixture
def submitted(client, org):
    response = submit(client, org.broker, org.broker_customer)
    assert response.status_code == 302
    return ProfessionalApplication.objects.get(customer=org.broker_customer)


def test_it_converts_an_ordinary_investor_to_professional_class_c_through_the_pages(
    client, org, submitted
):
    customer = org.broker_customer
    assert submitted.status == ApplicationStatus.SUBMITTED
    assert submitted.financial_assets == Decimal("3500000")
    assert submitted.submitted_by == org.broker.user
    # Head office finds it in the queue (open applications by default) and opens it.
    client.force_login(org.head_office.user)
    queue = client.get("/products/applications/", **EN)
    assert queue.status_code == 200
    assert customer.name in queue.content.decode()
    page = client.get(detail_url(submitted), **EN).content.decode()
    assert "The evidence meets the thresholds" in page
    assert "Start the review" in page
    assert org.broker.name in page  # who submitted it, as colleagues know them
    assert move(client, org.head_office, submitted, "in_review").status_code == 302
    response = move(client, org.head_office, submitted, "approved", note="证明材料齐全，同意。")
    assert response.status_code == 302
    assert "The application is now: Approved." in messages_of(client, response)
    customer.refresh_from_db()
    assert (customer.investor_class, customer.professional_class) == ("professional", "C")
    assert customer.treated_as_ordinary is False
    submitted.refresh_from_db()
    assert submitted.status == ApplicationStatus.APPROVED
    assert submitted.decided_by == org.head_office.user
    assert submitted.decision_note == "证明材料齐全，同意。"
    assert steps_of(submitted) == [
        ("submitted", "broker"),
        ("in_review", "headoffice"),
        ("approved", "headoffice"),
    ]
    change = AuditEntry.objects.get(action="customer.investor_class")
    assert change.object_id == str(customer.pk)
    assert change.details["before"]["investor_class"] == ""  # as the factory left it
    assert change.details["after"]["professional_class"] == "C"
    moves = AuditEntry.objects.filter(action="class_application.move")
    assert sorted(moves.values_list("details__to", flat=True)) == ["approved", "in_review"]


def test_a_rejection_needs_a_note_and_leaves_the_customer_as_they_were(client, org, submitted):
    before = Customer.objects.filter(pk=org.broker_customer.pk).values().get()
    move(client, org.head_office, submitted, "in_review")
    refused = move(client, org.head_office, submitted, "rejected")
    assert "Give the reason for the decision." in messages_of(client, refused)
    submitted.refresh_from_db()
    assert submitted.status == ApplicationStatus.IN_REVIEW
    move(client, org.head_office, submitted, "rejected", note="收入证明不足。")
    submitted.refresh_from_db()
    assert submitted.status == ApplicationStatus.REJECTED
    assert steps_of(submitted)[-1] == ("rejected", "headoffice")
    after = Customer.objects.filter(pk=org.broker_customer.pk).values().get()
    assert after == before
    assert not AuditEntry.objects.filter(action="customer.investor_class").exists()
    # Decided: a new application may be made.
    assert submit(client, org.broker, org.broker_customer).status_code == 302
    assert ProfessionalApplication.objects.filter(customer=org.broker_customer).count() == 2


def test_a_decision_on_an_application_not_in_review_is_refused_with_a_message(
    client, org, submitted
):
    response = move(client, org.head_office, submitted, "approved", note="直接批准")
    # The page again, with the refusal.
    assert response.status_code == 200
    assert "Only an application in review can be approved or rejected." in messages_of(
        client, response
    )
    submitted.refresh_from_db()
    assert submitted.status == ApplicationStatus.SUBMITTED
    org.broker_customer.refresh_from_db()
    assert org.broker_customer.investor_class != "professional"
    # Decided applications move no more either.
    move(client, org.head_office, submitted, "in_review")
    move(client, org.head_office, submitted, "rejected", note="不符合")
    again = move(client, org.head_office, submitted, "approved", note="改批")
    assert "Only an application in review can be approved or rejected." in messages_of(
        client, again
    )
    assert len(steps_of(submitted)) == 3


def test_a_second_open_application_is_refused_with_a_message(client, org, submitted):
    response = submit(client, org.broker, org.broker_customer)
    assert response.status_code == 302
    assert "The customer already has an open application: it must be decided first." in messages_of(
        client, response
    )
    assert ProfessionalApplication.objects.filter(customer=org.broker_customer).count() == 1


def test_evidence_below_the_thresholds_is_shown_and_cannot_be_approved(client, org):
    submit(client, org.broker, org.broker_customer, financial_assets="2999999.99")
    application = ProfessionalApplication.objects.get()
    client.force_login(org.head_office.user)
    page = client.get(detail_url(application), **EN).content.decode()
    assert "The evidence does not meet the thresholds" in page
    move(client, org.head_office, application, "in_review")
    response = move(client, org.head_office, application, "approved", note="同意")
    assert "The evidence does not meet the thresholds of a professional investor." in messages_of(
        client, response
    )
    # The page again, the note as typed (not lost to a redirect), to reject with it instead.
    assert response.status_code == 200
    assert ">同意</textarea>" in response.content.decode()
    application.refresh_from_db()
    assert application.status == ApplicationStatus.IN_REVIEW
    org.broker_customer.refresh_from_db()
    assert org.broker_customer.investor_class != "professional"


def test_an_application_to_professional_needs_experience_and_assets_or_income(client, org):
    response = submit(client, org.broker, org.broker_customer, financial_assets="")
    assert (
        "Give the years of investment experience and the financial assets or the average "
        "annual income." in messages_of(client, response)
    )
    assert not ProfessionalApplication.objects.exists()
    # Income alone will do.
    submit(client, org.broker, org.broker_customer, financial_assets="", annual_income="310000")
    assert ProfessionalApplication.objects.get().annual_income == Decimal("310000")


def test_the_thresholds_are_settings_with_the_regulations_defaults(settings):
    thresholds = professional_thresholds()
    assert (thresholds.financial_assets, thresholds.annual_income) == (3_000_000, 300_000)
    assert thresholds.experience_years == 1
    figures = {"financial_assets": None, "annual_income": Decimal("300000"), "experience_years": 1}
    assert evidence_verdict(**figures, thresholds=thresholds).met
    assert not evidence_verdict(**{**figures, "experience_years": 0}, thresholds=thresholds).met
    settings.PROFESSIONAL_MIN_ANNUAL_INCOME = "500000"
    assert not evidence_verdict(**figures, thresholds=professional_thresholds()).met
    settings.PROFESSIONAL_MIN_FINANCIAL_ASSETS = "three million"
    with pytest.raises(ImproperlyConfigured):
        professional_thresholds()


@pytest.mark.parametrize(
    ("professional_class", "expected"),
    [
        ("A", {"investor_class": "professional", "professional_class": "A"}),
        ("B", {"investor_class": "professional", "professional_class": "B"}),
        ("C", {"investor_class": "ordinary", "professional_class": ""}),
    ],
)
def test_a_professionals_election_makes_a_b_treated_as_ordinary_and_c_ordinary_again(
    client, org, professional_class, expected
):
    customer = org.broker_customer
    Customer.objects.filter(pk=customer.pk).update(
        investor_class="professional", professional_class=professional_class
    )
    response = submit(
        client,
        org.broker,
        customer,
        direction=ApplicationDirection.TO_ORDINARY,
        evidence="客户书面申请转化为普通投资者。",
    )
    assert response.status_code == 302
    application = ProfessionalApplication.objects.get()
    assert application.direction == ApplicationDirection.TO_ORDINARY
    move(client, org.head_office, application, "in_review")
    move(client, org.head_office, application, "approved", note="客户自愿选择。")
    customer.refresh_from_db()
    assert customer.investor_class == expected["investor_class"]
    assert customer.professional_class == expected["professional_class"]
    assert customer.treated_as_ordinary is (professional_class != "C")


def test_an_a_b_professional_treated_as_ordinary_is_professional_again_on_approval(org):
    customer = org.broker_customer
    customer.investor_class, customer.professional_class = "professional", "B"
    customer.treated_as_ordinary = True
    assert class_after_approval(customer, ApplicationDirection.TO_PROFESSIONAL) == {
        "treated_as_ordinary": False
    }


def test_a_stale_direction_is_refused(client, org):
    """The page was opened while the customer was ordinary; they became professional since."""
    Customer.objects.filter(pk=org.broker_customer.pk).update(
        investor_class="professional", professional_class="B"
    )
    response = submit(client, org.broker, org.broker_customer)
    assert "This customer cannot apply for that: their investor class has changed." in messages_of(
        client, response
    )
    assert not ProfessionalApplication.objects.exists()


def test_a_customer_out_of_scope_is_a_404_and_nothing_is_written(client, org):
    before = (AuditEntry.objects.count(), ProfessionalApplication.objects.count())
    for headers in (EN, HTMX):
        client.force_login(org.other_broker.user)
        response = client.post(apply_url(org.broker_customer), EVIDENCE, **headers)
        assert response.status_code == 404
    assert (AuditEntry.objects.count(), ProfessionalApplication.objects.count()) == before


def test_only_head_office_opens_the_queue_and_decides(client, org, submitted):
    for staff in (org.broker, org.team_lead, org.branch_manager):
        client.force_login(staff.user)
        assert client.get("/products/applications/", **EN).status_code == 403
        assert client.get(detail_url(submitted), **EN).status_code == 403
        response = client.post(detail_url(submitted), {"to_status": "in_review"}, **EN)
        assert response.status_code == 403
    assert steps_of(submitted) == [("submitted", "broker")]
    client.force_login(org.admin.user)
    assert client.get(detail_url(submitted), **EN).status_code == 200


def test_the_queue_filters_by_status(client, org, submitted):
    other = submit(client, org.teammate, org.teammate_customer)
    assert other.status_code == 302
    decided = ProfessionalApplication.objects.get(customer=org.teammate_customer)
    move(client, org.head_office, decided, "in_review")
    move(client, org.head_office, decided, "rejected", note="不符合")
    client.force_login(org.head_office.user)

    def listed(query: str) -> set[str]:
        response = client.get(f"/products/applications/{query}", **EN)
        return {row.customer.cust_no for row in response.context["object_list"]}

    assert listed("") == {"A0001"}  # open ones by default
    assert listed("?status=rejected") == {"A0002"}
    assert listed("?status=") == {"A0001", "A0002"}
    assert listed("?status=approved") == set()


def test_the_360_panel_shows_the_class_the_form_then_the_open_application_and_its_steps(
    client, org
):
    client.force_login(org.broker.user)
    page = client.get(f"/customers/{org.broker_customer.cust_no}/", **EN).content.decode()
    assert 'id="investor-class-panel"' in page
    assert "Apply to become a professional investor" in page
    assert "at least 3,000,000" in page or "at least 3000000" in page
    # Submitted with htmx: the answer is the panel, now with the open application.
    response = client.post(apply_url(org.broker_customer), EVIDENCE, **HTMX)
    assert response.status_code == 200
    panel = response.content.decode()
    assert 'id="investor-class-panel"' in panel
    assert "Open application" in panel and "Submitted" in panel
    assert "Apply to become a professional investor" not in panel
    page = client.get(f"/customers/{org.broker_customer.cust_no}/", **EN).content.decode()
    assert "Open application" in page
    assert "Review this application" not in page  # the broker does not review
    client.force_login(org.head_office.user)
    page = client.get(f"/customers/{org.broker_customer.cust_no}/", **EN).content.decode()
    assert "Review this application" in page


def test_a_professional_treated_as_ordinary_is_offered_the_way_back(client, org):
    """Their application to professional revokes their election; the panel says so."""
    customer = org.broker_customer
    customer.investor_class, customer.professional_class = "professional", "B"
    customer.treated_as_ordinary = True
    customer.save()
    client.force_login(org.broker.user)
    page = client.get(f"/customers/{customer.cust_no}/", **EN).content.decode()
    assert "Apply to be treated as a professional investor again" in page
    assert "Apply to become a professional investor" not in page


def test_a_refused_htmx_submission_answers_the_panel_with_the_reason(client, org):
    client.force_login(org.broker.user)
    response = client.post(apply_url(org.broker_customer), {**EVIDENCE, "evidence": ""}, **HTMX)
    assert response.status_code == 200
    assert 'id="investor-class-panel"' in response.content.decode()
    assert "This field is required." in response.content.decode()
    assert not ProfessionalApplication.objects.exists()


def test_the_queue_and_the_application_page_run_a_bounded_number_of_queries(
    client, org, submitted, django_assert_max_num_queries
):
    for customer in (org.teammate_customer, org.lead_customer, org.manager_customer):
        submit(client, org.head_office, customer)
    assert ProfessionalApplication.objects.count() == 4  # the queue's rows grew
    client.force_login(org.head_office.user)
    with django_assert_max_num_queries(12):
        assert client.get("/products/applications/", **EN).status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get(detail_url(submitted), **EN).status_code == 200
