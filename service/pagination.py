"""Opaque cursors for list endpoints: ``?limit=&cursor=`` in, ``next_cursor`` out."""

from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime

from pydantic import Field

from matching.errors import FieldError, InvalidInput
from service.query_models import QueryModel


class PageQuery(QueryModel):
    limit: int = Field(50, ge=1, le=200, description="Cuántos elementos por página (1 a 200).")
    cursor: str | None = Field(None, max_length=500, description="El next_cursor de la página anterior.")


def encode_cursor(state: dict) -> str:
    raw = json.dumps(state, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def decode_cursor(cursor: str | None, kind: str) -> dict:
    """The state inside a cursor made by ``encode_cursor`` for the same list (``kind``)."""
    if not cursor:
        return {}
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        state = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
    except (ValueError, binascii.Error, UnicodeError, RecursionError):
        state = None
    if not isinstance(state, dict) or state.get("k") != kind:
        raise InvalidInput(FieldError("cursor", "El cursor no es válido para esta lista; "
                                                "use el next_cursor que entregó la página anterior."))
    return state


def page(items: list, limit: int, kind: str, next_state: dict | None) -> dict:
    """The list response: items, and a cursor when there may be more."""
    return {
        "items": items[:limit],
        "next_cursor": encode_cursor({"k": kind, **next_state}) if next_state and len(items) > limit else None,
    }


# -- newest-first lists (needs, alliances, proposals): the cursor is the last (created_at, id) --

def decode_time_cursor(cursor: str | None, kind: str) -> tuple[str, str] | None:
    """``(created_at, id)`` of the previous page's last item, or None for the first page."""
    state = decode_cursor(cursor, kind)
    if not state:
        return None
    created_at, item_id = state.get("t"), state.get("id")
    try:
        datetime.fromisoformat(str(created_at))
    except ValueError:
        created_at = None
    if not isinstance(created_at, str) or not isinstance(item_id, str):
        raise InvalidInput(FieldError("cursor", "El cursor no es válido para esta lista; "
                                                "use el next_cursor que entregó la página anterior."))
    return created_at, item_id


def time_page(items: list[dict], limit: int, kind: str) -> dict:
    """``page`` for a list ordered by ``created_at`` then ``id``, both descending."""
    last = items[limit - 1] if len(items) > limit else None
    return page(items, limit, kind, {"t": last["created_at"], "id": last["id"]} if last else None)
