from django.urls import include, path

from .views import segment_editor, segments, tiers

app_name = "marketing"

urlpatterns: list = [
    path("tiers/customers/", tiers.TierCustomersView.as_view(), name="tier-customers"),
    # Segments' pages (marketing/views/segments.py).
    path("segments/", segments.SegmentListView.as_view(), name="segment-list"),
    path("segments/<int:pk>/", segments.SegmentDetailView.as_view(), name="segment-detail"),
    path("segments/<int:pk>/why/", segments.segment_why, name="segment-why"),
    path("segments/<int:pk>/members.csv", segments.segment_export, name="segment-export"),
    path("segments/<int:pk>/evaluate/", segments.segment_evaluate, name="segment-evaluate"),
    path("segments/<int:pk>/upload/", segments.segment_list_upload, name="segment-upload"),
    path("segments/<int:pk>/snapshot/", segments.segment_snapshot_freeze, name="segment-snapshot"),
    # The rule editor (marketing/views/segment_editor.py): its pages and its fragments.
    path("segments/new/", segment_editor.SegmentCreateView.as_view(), name="segment-create"),
    path("segments/<int:pk>/edit/", segment_editor.SegmentEditView.as_view(), name="segment-edit"),
    path("segments/editor/", segment_editor.segment_editor, name="segment-editor"),
    path("segments/editor/words/", segment_editor.segment_words, name="segment-words"),
    path("segments/editor/preview/", segment_editor.segment_preview, name="segment-preview"),
    # Campaigns: each part's URLs in a module of its own, in this namespace.
    path("", include("marketing.urls_campaigns")),
    path("", include("marketing.urls_targeting")),
    path("", include("marketing.urls_templates")),
    path("", include("marketing.urls_sending")),
    path("", include("marketing.urls_results")),
]
