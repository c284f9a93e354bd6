from django.urls import path

from .views import customer360, customers, imports

app_name = "customers"

urlpatterns = [
    path("", customers.CustomerListView.as_view(), name="list"),
    # -- customer list: saved views and export (lists) --
    # -- relationship: interactions, service requests, tasks --
    # -- import monitoring (head office) --
    path("imports/", imports.ImportRunListView.as_view(), name="imports"),
    path("imports/<int:run_id>/", imports.import_run_detail, name="import-run"),
    path("imports/<int:run_id>/progress/", imports.import_run_progress, name="import-progress"),
    path(
        "imports/<int:run_id>/rejects/<slug:file>.csv",
        imports.import_rejects_csv,
        name="import-rejects-csv",
    ),
    path(
        "imports/<int:run_id>/corrections/",
        imports.import_corrections,
        name="import-corrections",
    ),
    # -- customer 360: last, because a customer number is any path segment --
    path("<str:cust_no>/", customer360.customer_detail, name="detail"),
    path("<str:cust_no>/reveal/", customer360.customer_reveal, name="reveal"),
]
