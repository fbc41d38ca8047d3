"""Ids of nodes without a natural key: a type prefix and 12 hex digits (``need_3f2a9c0d1e4b``)."""

from __future__ import annotations

import uuid
from typing import Literal

IdPrefix = Literal["need", "prop", "ally", "proj", "ctr", "adv", "rep"]


def new_id(prefix: IdPrefix) -> str:
    """A fresh random id such as ``need_3f2a9c0d1e4b`` (48 random bits; uniqueness constraints back it)."""
    return f"{prefix}_{uuid.uuid4().hex[:12]}"
