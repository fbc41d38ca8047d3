"""What a caller may see: a buyer key is scoped to its own buyer and never sees personal fields."""

from __future__ import annotations

from typing import Any

from service.auth import Principal

# Owner gender and contact details of firms are for advisors and admins only (DESIGN.md).
PERSONAL_FIELDS = frozenset({"owner_gender", "phone", "email"})


def buyer_scope(principal: Principal) -> str | None:
    """The buyer RUT a buyer key is bound to; None for advisors and admins (they see every buyer)."""
    return principal.buyer_rut if principal.is_buyer else None


def for_caller(data: Any, principal: Principal) -> Any:
    """``data`` without personal fields at any depth, unless the caller may see them."""
    if principal.sees_personal_data:
        return data
    return _strip(data)


def _strip(data: Any) -> Any:
    if isinstance(data, dict):
        return {k: _strip(v) for k, v in data.items() if k not in PERSONAL_FIELDS}
    if isinstance(data, list):
        return [_strip(v) for v in data]
    return data
