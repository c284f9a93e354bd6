"""URLs of one part of the campaigns (joined to marketing/urls.py, namespace marketing):
the SMS gateway's webhooks."""

from django.urls import path

from .views import gateway

urlpatterns: list = [
    path("gateway/receipts/", gateway.gateway_receipts, name="gateway-receipts"),
    path("gateway/replies/", gateway.gateway_replies, name="gateway-replies"),
]
