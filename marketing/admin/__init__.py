"""Marketing in Django admin: segments and tiers, edited while the CRM runs."""

from . import (  # noqa: F401
    campaigns,
    costs,
    segments,
    tiers,
)
