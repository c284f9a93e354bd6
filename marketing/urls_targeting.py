"""URLs of one part of the campaigns (joined to marketing/urls.py, namespace marketing): a
campaign's target page with its actions, and the campaign's decisions."""

from django.urls import path

from .views import targeting

urlpatterns: list = [
    path("campaigns/<int:pk>/targets/", targeting.campaign_targets, name="campaign-targets"),
    path(
        "campaigns/<int:pk>/targets/add/", targeting.campaign_target_add, name="campaign-target-add"
    ),
    path(
        "campaigns/<int:pk>/targets/<int:target_pk>/remove/",
        targeting.campaign_target_remove,
        name="campaign-target-remove",
    ),
    path(
        "campaigns/<int:pk>/targets/upload/",
        targeting.campaign_target_upload,
        name="campaign-target-upload",
    ),
    path("campaigns/<int:pk>/submit/", targeting.campaign_submit, name="campaign-submit"),
    path("campaigns/<int:pk>/approve/", targeting.campaign_approve, name="campaign-approve"),
    path("campaigns/<int:pk>/reject/", targeting.campaign_reject, name="campaign-reject"),
    path("campaigns/<int:pk>/pause/", targeting.campaign_pause, name="campaign-pause"),
    path("campaigns/<int:pk>/resume/", targeting.campaign_resume, name="campaign-resume"),
    path("campaigns/<int:pk>/cancel/", targeting.campaign_cancel, name="campaign-cancel"),
]
