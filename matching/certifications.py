"""Where a firm stands on the certifications a need requires: valid, in progress in time or late,
expired or missing, and the credit each earns. One path for the features, the reasons and reports.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

from matching.dates import native_date
from matching.rows import CertRow

# An in-progress certification expected before the deadline counts half.
IN_PROGRESS_CREDIT = 0.5


@dataclass(frozen=True)
class CertState:
    """How one required certification stands for one firm."""

    code: str
    state: str  # valid | in_progress_in_time | in_progress_late | expired | missing
    until: date | None
    credit: float


def cert_states(required: tuple[str, ...], certs: list, as_of: date, deadline: date | None,
                in_progress_credit: float = IN_PROGRESS_CREDIT) -> list[CertState]:
    """The standing of each required certification given a firm's ``[code, status, valid_until]`` list."""
    held = {row.code: row for row in map(CertRow._make, certs or ())}  # dates converted only when required
    out = []
    for code in required:
        entry = held.get(code)
        if entry is None:
            out.append(CertState(code, "missing", None, 0.0))
            continue
        until = native_date(entry.valid_until)
        state, credit = _standing(entry.status, until, as_of, deadline, in_progress_credit)
        out.append(CertState(code, state, None if state == "missing" else until, credit))
    return out


def _standing(status: str | None, until: date | None, as_of: date, deadline: date | None,
              in_progress_credit: float) -> tuple[str, float]:
    """``(state, credit)`` of one held certification (``CertState``)."""
    if status == "valid" and (until is None or until >= as_of):
        return "valid", 1.0
    if status == "in_progress":
        if deadline is None or (until is not None and until <= deadline):
            return "in_progress_in_time", in_progress_credit
        return "in_progress_late", 0.0
    if status in ("valid", "expired"):
        return "expired", 0.0
    return "missing", 0.0


def cert_columns(required: tuple[str, ...], cands: list[dict], as_of: date, deadline: date | None,
                 in_progress_credit: float = IN_PROGRESS_CREDIT) -> tuple[np.ndarray, np.ndarray]:
    """``(credits, others)`` for a candidate set in one loop: the credit of each required
    certification (candidates x required, as ``cert_states``) and the count of other valid ones
    (valid ones the need did not ask for). Most firms hold none of the required codes, so no per-firm objects.
    """
    index = {code: j for j, code in enumerate(required)}
    credits = np.zeros((len(cands), len(required)))
    others = np.zeros(len(cands))
    for i, cand in enumerate(cands):
        held: dict[str, tuple] = {}
        for code, status, until in cand["certs"] or ():
            if code in index:
                held[code] = (status, until)  # the last entry of a code wins, as in cert_states
            elif status == "valid":
                day = native_date(until)
                if day is None or day >= as_of:
                    others[i] += 1
        for code, (status, until) in held.items():
            credits[i, index[code]] = _standing(status, native_date(until), as_of, deadline, in_progress_credit)[1]
    return credits, others


def holds_valid(cands: list[dict], code: str, as_of: date) -> np.ndarray:
    """1.0 for each candidate holding ``code`` valid on ``as_of``, else 0.0."""
    out = np.zeros(len(cands))
    for i, cand in enumerate(cands):
        for held, status, until in cand.get("certs") or ():
            if held == code and status == "valid":
                day = native_date(until)
                if day is None or day >= as_of:
                    out[i] = 1.0
    return out


