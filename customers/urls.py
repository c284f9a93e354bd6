"""The customers app's pages: the workbench, which is the site's home page, and everything
under /customers/."""

from django.urls import include, path

from . import converters  # noqa: F401  (registers the cust_no converter)
from .views import custom_fields, customer360, customers, imports, lists, relationship

app_name = "customers"

# Under /customers/.
customer_patterns = [
    path("", lists.CustomerListView.as_view(), name="list"),
    # -- customer list: saved views and export (lists) --
    path("views/save/", lists.saved_view_save, name="saved-view-save"),
    path("views/<int:pk>/delete/", lists.saved_view_delete, name="saved-view-delete"),
    path("export.csv", lists.customer_export, name="export"),
    path("managers/", lists.manager_search, name="manager-search"),
    # -- relationship: interactions, service requests, tasks --
    path("tasks/", relationship.TaskListView.as_view(), name="tasks"),
    path("tasks/<int:pk>/done/", relationship.task_done_view, name="task-done"),
    path("tasks/<int:pk>/cancel/", relationship.task_cancel_view, name="task-cancel"),
    path(
        "service-requests/",
        relationship.ServiceRequestListView.as_view(),
        name="service-requests",
    ),
    path(
        "service-requests/<int:pk>/move/",
        relationship.service_request_move_view,
        name="service-request-move",
    ),
    # -- the service requests list's row actions: the answer is the row --
    path(
        "service-requests/<int:pk>/row-move/",
        relationship.service_request_row_move_view,
        name="service-request-row-move",
    ),
    path(
        "service-requests/<int:pk>/assign/",
        relationship.service_request_assign_view,
        name="service-request-assign",
    ),
    path(
        "<cust_no:cust_no>/interactions/",
        relationship.interaction_log_view,
        name="interaction-log",
    ),
    path(
        "<cust_no:cust_no>/service-requests/",
        relationship.service_request_open_view,
        name="service-request-open",
    ),
    # -- the 360 page's custom fields --
    path(
        "<cust_no:cust_no>/custom-fields/",
        custom_fields.custom_fields_edit,
        name="custom-fields-edit",
    ),
    # -- import monitoring (head office) --
    path("imports/", imports.ImportRunListView.as_view(), name="imports"),
    path("imports/start/", imports.import_start, name="import-start"),
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
    # -- customer 360: last, because a customer number may spell any other segment --
    path("<cust_no:cust_no>/", customer360.customer_detail, name="detail"),
    path("<cust_no:cust_no>/reveal/", customer360.customer_reveal, name="reveal"),
    path(
        "<cust_no:cust_no>/reveal-contacts/",
        customer360.customer_reveal_contacts,
        name="reveal-contacts",
    ),
]

urlpatterns = [
    path("", customers.workbench, name="workbench"),
    path("customers/", include(customer_patterns)),
]
