"""URLs of one part of the campaigns (joined to marketing/urls.py, namespace marketing)."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
