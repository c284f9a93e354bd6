"""How people write a security and how the pages print one: `601899`, `601899.SH`, `SH601899`
(any case) and any part of its name are read by `security_search_parse`; every page and
export prints the code as `security_code` does, the exchange's code with its market after a
dot (`601899.SH`), as the counter carries them (market and sec_code, shared/COUNTER_EXPORTS.md).
"""

import re
from dataclasses import dataclass

from django.db.models import Q

from products.models import Market

MARKETS = "|".join(Market.values)
# 601899, 601899.SH, SH601899, SH.601899 (what a broker copies from a quote screen).
_CODE = re.compile(rf"(?:(?P<before>{MARKETS})\.?)?(?P<code>\d{{6}})(?:\.(?P<after>{MARKETS}))?")


@dataclass(frozen=True)
class SecuritySearch:
    """What a holdings search asks for: an exact code (on one market, or any when the text
    named none), or else a part of the name."""

    code: str = ""
    market: str = ""
    name: str = ""

    def condition(self) -> Q:
        """The securities it finds, as a condition on products.Security."""
        if self.code:
            found = Q(sec_code=self.code)
            return found & Q(market=self.market) if self.market else found
        return Q(name__icontains=self.name)


def security_search_parse(text: str) -> SecuritySearch | None:
    """A holdings search as typed; None for an empty one."""
    text = text.strip()
    if not text:
        return None
    match = _CODE.fullmatch(text.upper())
    if match is None or (match["before"] and match["after"]):
        return SecuritySearch(name=text)
    return SecuritySearch(code=match["code"], market=match["before"] or match["after"] or "")


def security_code(security) -> str:
    """A security's code as every page prints it: `601899.SH`."""
    return f"{security.sec_code}.{security.market}"
