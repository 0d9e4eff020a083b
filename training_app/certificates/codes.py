"""Verification codes: unguessable, easy to read aloud and type back.

A code is 16 characters from an alphabet without look-alikes (no 0/O, 1/I/L), written in four groups
of four: "7KQ2-M9XD-R4TW-HB8N". 31 symbols ** 16 is about 2**79, drawn with `secrets`, so a code
cannot be guessed even at the verification page's rate limit. Typed codes are read back leniently:
case, spaces and dashes do not matter.
"""

from __future__ import annotations

import secrets

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
GROUPS, GROUP_LENGTH = 4, 4
CODE_LENGTH = GROUPS * GROUP_LENGTH


def _grouped(characters: str) -> str:
    return "-".join(characters[i : i + GROUP_LENGTH] for i in range(0, CODE_LENGTH, GROUP_LENGTH))


def new_code() -> str:
    """A fresh verification code, grouped."""
    return _grouped("".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH)))


def normalise_code(typed: str | None) -> str | None:
    """The code as stored for what someone typed, or None when it cannot be a code at all."""
    characters = "".join(ch for ch in (typed or "").upper() if ch not in " -\t")
    if len(characters) != CODE_LENGTH or any(ch not in ALPHABET for ch in characters):
        return None
    return _grouped(characters)
