from django.urls import path

from . import views

app_name = "customers"

urlpatterns = [
    path("", views.CustomerListView.as_view(), name="list"),
    path("imports/", views.ImportRunListView.as_view(), name="imports"),
    path("imports/<int:run_id>/", views.import_run_detail, name="import-run"),
    path("imports/<int:run_id>/progress/", views.import_run_progress, name="import-progress"),
    path(
        "imports/<int:run_id>/rejects/<slug:file>.csv",
        views.import_rejects_csv,
        name="import-rejects-csv",
    ),
    path(
        "imports/<int:run_id>/corrections/",
        views.import_corrections,
        name="import-corrections",
    ),
]
