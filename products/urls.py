from django.urls import path

from customers import converters  # noqa: F401  (registers the cust_no converter)

from . import views, views_applications, views_compliance, views_customer, views_targets

app_name = "products"

urlpatterns: list = [
    # The product library (products/views.py).
    path("", views.ProductListView.as_view(), name="list"),
    path("export.csv", views.product_export, name="export"),
    # The nightly suitability step's flags (before the product codes: not a product).
    path("compliance/", views_compliance.compliance, name="compliance"),
    # Investor-class applications: head office's review queue and one application
    # (products/views_applications.py), before the product codes too.
    path("applications/", views_applications.ApplicationListView.as_view(), name="applications"),
    path("applications/<int:pk>/", views_applications.application_detail, name="application"),
    # The 360 page's suitability panel: check, confirm, sell (products/views_customer.py).
    path(
        "customers/<cust_no:cust_no>/apply/",
        views_applications.customer_apply,
        name="customer-apply",
    ),
    path(
        "customers/<cust_no:cust_no>/check/",
        views_customer.customer_check,
        name="customer-check",
    ),
    path(
        "customers/<cust_no:cust_no>/checks/<int:pk>/confirm/",
        views_customer.customer_confirm,
        name="customer-confirm",
    ),
    path(
        "customers/<cust_no:cust_no>/checks/<int:pk>/sale/",
        views_customer.customer_sale,
        name="customer-sale",
    ),
    path("<str:code>/", views.product_detail, name="detail"),
    # A product's target list (products/views_targets.py).
    path("<str:code>/targets/", views_targets.product_targets, name="targets"),
    path("<str:code>/targets.csv", views_targets.product_targets_export, name="targets-export"),
]
