"""URLs of one part of the campaigns (joined to marketing/urls.py, namespace marketing): a
campaign's results, their CSV, expenses and the comparison table (marketing/views/results.py),
the gift catalogue and a gift given to a customer (marketing/views/gifts.py)."""

from django.urls import path

from customers import converters  # noqa: F401  (registers the cust_no converter)

from .views import gifts, results

urlpatterns: list = [
    path("campaigns/<int:pk>/results/", results.campaign_results_page, name="campaign-results"),
    path(
        "campaigns/<int:pk>/results.csv",
        results.campaign_results_export,
        name="campaign-results-export",
    ),
    path("campaigns/<int:pk>/expenses/", results.campaign_expense_add, name="campaign-expense-add"),
    path("campaigns/compare/", results.campaigns_compare, name="campaign-compare"),
    path("gifts/", gifts.gift_list, name="gift-list"),
    path("gifts/give/<cust_no:cust_no>/", gifts.gift_give_view, name="gift-give"),
    path("gifts/customers/<cust_no:cust_no>/", gifts.customer_campaigns, name="customer-campaigns"),
]
