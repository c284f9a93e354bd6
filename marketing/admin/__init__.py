"""Marketing in Django admin: segments and tiers, edited while the CRM runs."""

from . import segments, tiers  # noqa: F401
