"""UK postcodes: one rule for what counts as one and how it is written.

"so14 7ly", "SO147LY" and " So14  7LY " are all written "SO14 7LY" (upper case, one space before
the inward code). The pattern is the usual outward/inward shape (A9 9AA, A99 9AA, AA9 9AA, AA99 9AA,
A9A 9AA, AA9A 9AA, and GIR 0AA) with the letters each position allows (no Q, V or X first, and
so on); it does not check that the postcode exists.
"""

from __future__ import annotations

import re
from urllib.parse import quote_plus

_OUTWARD = (
    r"[A-PR-UWYZ][0-9][0-9]?"  # A9, A99
    r"|[A-PR-UWYZ][A-HK-Y][0-9][0-9]?"  # AA9, AA99
    r"|[A-PR-UWYZ][0-9][A-HJKPSTUW]"  # A9A
    r"|[A-PR-UWYZ][A-HK-Y][0-9][ABEHMNPRVWXY]"  # AA9A
)
_POSTCODE = re.compile(rf"^(?:GIR0AA|(?:{_OUTWARD})[0-9][ABD-HJLNP-UW-Z]{{2}})$")


def normalise_postcode(text: str | None) -> str | None:
    """The postcode written the standard way, or None if `text` is not a UK postcode."""
    compact = "".join((text or "").split()).upper()
    if not compact.isascii() or not _POSTCODE.match(compact):
        return None
    return f"{compact[:-3]} {compact[-3:]}"


def map_search_url(query: str) -> str:
    """An OpenStreetMap search for `query` (a postcode, or an address)."""
    return "https://www.openstreetmap.org/search?query=" + quote_plus(query)
