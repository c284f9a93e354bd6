"""Marketing's data: segments (rule trees, members and their history) and tiers."""

from .segments import *  # noqa: F403
from .tiers import *  # noqa: F403
