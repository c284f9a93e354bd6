from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MarketingConfig(AppConfig):
    name = "marketing"
    verbose_name = _("Marketing")

    def ready(self):
        # The customer list's "in segment / not in segment" filters: customers never imports
        # marketing, so marketing hands them to the list's extension point.
        from customers.filters.extensions import list_filter_register

        from .filters.segments import SEGMENT_FILTERS

        list_filter_register(SEGMENT_FILTERS)
