from django.urls import path

from . import views

app_name = "analytics"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("brokers.csv", views.broker_export, name="broker-export"),
    path("customers/", views.DrilldownView.as_view(), name="drilldown"),
]
