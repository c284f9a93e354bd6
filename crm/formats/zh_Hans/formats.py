"""Number formats for Chinese: amounts are grouped in thousands, as on every statement."""

from django.conf.locale.zh_Hans.formats import *  # noqa: F403

NUMBER_GROUPING = 3
THOUSAND_SEPARATOR = ","
DECIMAL_SEPARATOR = "."
