"""Drawing among unequal choices from cumulative weights: how every part of the demo data
picks a branch, a status, a channel or a surname."""

from bisect import bisect_right
from collections.abc import Callable, Sequence

Roll = Callable[[], float]  # a random float in [0, 1), such as random.Random().random


def draw(cumulative: Sequence[float], roll: Roll) -> int:
    """The index drawn from cumulative weights."""
    return bisect_right(cumulative, roll() * cumulative[-1])
