"""The one slugify: the address part of a course page, made from its title."""

import re
import unicodedata


def slugify(text: str, max_length: int = 80, fallback: str = "course") -> str:
    """'Working Together: Level 3' -> 'working-together-level-3' (ASCII; at most `max_length` characters).

    Accents are dropped ('é' -> 'e'), and every run of other characters becomes one hyphen.
    An empty result becomes `fallback`.
    """
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:max_length].rstrip("-") or fallback
