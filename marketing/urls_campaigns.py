"""URLs of one part of the campaigns (joined to marketing/urls.py, namespace marketing): the
campaign pages and the managers' call list (marketing/views/campaigns.py)."""

from django.urls import path

from .views import campaigns

urlpatterns: list = [
    path("campaigns/", campaigns.campaign_list, name="campaign-list"),
    path("campaigns/new/", campaigns.campaign_create, name="campaign-create"),
    path("campaigns/<int:pk>/", campaigns.campaign_detail, name="campaign-detail"),
    path("campaigns/<int:pk>/edit/", campaigns.campaign_edit, name="campaign-edit"),
    path("campaigns/<int:pk>/progress/", campaigns.campaign_progress, name="campaign-progress"),
    path(
        "campaigns/<int:pk>/recipients/", campaigns.campaign_recipients, name="campaign-recipients"
    ),
    path(
        "campaigns/<int:pk>/recipients.csv",
        campaigns.campaign_recipients_export,
        name="campaign-recipients-export",
    ),
    path("campaigns/calls/", campaigns.call_list, name="call-list"),
    path("campaigns/calls/<int:send_pk>/log/", campaigns.call_log_view, name="call-log"),
]
