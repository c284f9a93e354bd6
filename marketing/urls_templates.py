"""URLs of one part of the campaigns (joined to marketing/urls.py, namespace marketing): the
message templates' pages (marketing/views/message_templates.py)."""

from django.urls import path

from .views import message_templates as views

urlpatterns: list = [
    path("templates/", views.MessageTemplateListView.as_view(), name="template-list"),
    path("templates/new/", views.MessageTemplateCreateView.as_view(), name="template-create"),
    path("templates/<int:pk>/edit/", views.MessageTemplateEditView.as_view(), name="template-edit"),
    path(
        "templates/<int:pk>/preview/",
        views.message_template_preview,
        name="template-preview",
    ),
]
