"""Text folding shared by name lookup, search and matching: case, accents and spacing."""

from __future__ import annotations

import re
import unicodedata

_NON_WORD = re.compile(r"[^0-9a-z]+")


def strip_accents(text: str) -> str:
    """``"Ñuñoa"`` -> ``"Nunoa"``: drop combining marks after NFKD decomposition."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def fold(text: str) -> str:
    """A comparison key: lower case, no accents, punctuation as single spaces.

    >>> fold("  Ñuñoa ")
    'nunoa'
    >>> fold("O'Higgins")
    'o higgins'
    """
    return _NON_WORD.sub(" ", strip_accents(text).lower()).strip()
