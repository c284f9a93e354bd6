"""Marketing's data: segments (rule trees, members and their history), tiers, campaigns
(targets, recipients, sends, receipts, replies and opt-outs) and what campaigns cost."""

from .campaigns import *  # noqa: F403
from .costs import *  # noqa: F403
from .outreach import *  # noqa: F403
from .segments import *  # noqa: F403
from .tiers import *  # noqa: F403
