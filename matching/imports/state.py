"""What an import does to each firm: rows of one RUT merged, the firm's state after the import, and
whether writing it would change anything.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from matching.imports.reading import ImportRow
from matching.records import FIRM_FIELDS, FirmRecord
from matching.segments import size_segment


@dataclass(frozen=True)
class MergedFirm:
    """All valid rows of one RUT, later rows' filled cells winning."""

    rut: str
    lines: tuple[int, ...]
    given: dict


def merge_by_rut(rows: list[ImportRow]) -> list[MergedFirm]:
    """One firm per RUT, in order of first appearance; later rows' filled cells win."""
    merged: dict[str, tuple[list[int], dict]] = {}
    for row in rows:
        lines, given = merged.setdefault(row.rut, ([], {}))
        lines.append(row.line)
        given.update(row.given)
    return [MergedFirm(rut, tuple(lines), given) for rut, (lines, given) in merged.items()]


# What a firm created by an import holds in the fields its row left empty: the API's defaults.
NEW_FIRM_DEFAULTS: dict[str, Any] = {
    name: info.get_default(call_default_factory=True)
    for name, info in FirmRecord.model_fields.items() if name in FIRM_FIELDS and not info.is_required()
} | {"size_segment": size_segment(None)}
STATE_FIELDS = FIRM_FIELDS


def target_state(current: dict | None, given: dict) -> dict:
    """The firm after the import: stored values (or defaults for a new firm), then the filled cells."""
    base = NEW_FIRM_DEFAULTS if current is None else current
    state = {k: base.get(k) for k in STATE_FIELDS}
    state.update({k: v for k, v in given.items() if k in STATE_FIELDS})
    state["rut"] = given["rut"]
    return state


def _comparable(state: dict) -> tuple:
    """Every firm field in a form where equal means "writing it changes nothing"."""
    values: list[Any] = []
    for name in STATE_FIELDS:
        value = state.get(name)
        if name == "certifications":
            value = tuple(sorted((c["code"], c["status"], c.get("valid_until")) for c in value or []))
        elif name in ("sectors", "member_of"):
            value = tuple(sorted(value or []))
        elif name == "is_cooperative":
            value = bool(value)
        elif name == "products":
            value = value or ""
        values.append(value)
    return tuple(values)


def same_state(a: dict, b: dict) -> bool:
    """Whether writing ``b`` over ``a`` would change nothing."""
    return _comparable(a) == _comparable(b)
