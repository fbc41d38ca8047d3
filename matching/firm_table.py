"""Candidate pools from one preloaded table: the candidate query's rule applied in numpy, for batch reports.

One table read (``graph_schema.reports.FIRM_TABLE``) replaces a query per need, which is what lets a
report cover 1,000 needs in a couple of minutes. ``tests/test_reports.py`` checks that ``select``
gives the same candidates, in the same order, as ``graph_schema.candidates.CANDIDATES``.
"""

from __future__ import annotations

import numpy as np

from matching.candidates import SearchArea
from matching.features import NeedContext, native_date


def passes_mandatory(candidate: dict, required: tuple[str, ...], as_of_date) -> bool:
    """The candidate query's mandatory filter: every required certification valid and unexpired."""
    held = {code: (status, native_date(until)) for code, status, until in candidate.get("certs") or ()}
    for code in required:
        status, until = held.get(code, (None, None))
        if status != "valid" or (until is not None and until < as_of_date):
            return False
    return True


def upgradable(firm: dict, required: tuple[str, ...], as_of_date) -> bool:
    """Every required certification valid or in progress, at least one in progress."""
    held = {code: (status, native_date(until)) for code, status, until in firm.get("certs") or ()}
    pending = False
    for code in required:
        status, until = held.get(code, (None, None))
        if status == "in_progress":
            pending = True
        elif status != "valid" or (until is not None and until < as_of_date):
            return False
    return pending


_NO_TIER = 1_000_000


class FirmTable:
    """Every firm a report's needs may draw on, with the candidate query's projection, indexed for selection.

    ``select`` applies the candidate rule of ``graph_schema.candidates.CANDIDATES`` (documented in
    ``matching.candidates``) in numpy: one table read replaces a query per need, which is what
    lets a report cover 1,000 needs in a couple of minutes. ``tests/test_reports.py`` checks that
    both give the same candidates, in the same order.

    Parameters
    ----------
    firms : list of dict
        ``CANDIDATE_PROJECTION`` rows of non-large firms (any order).
    """

    def __init__(self, firms: list[dict]):
        # Row order = RUT order, the query's last sort key. Certificate dates become ``datetime.date``
        # once here, not once per need and feature (the driver's ``Date.to_native`` is slow).
        firms = sorted((dict(f, certs=[[code, status, native_date(until)]
                                       for code, status, until in f.get("certs") or ()])
                        for f in firms), key=lambda f: f["rut"])
        self.firms = firms
        self.comuna_codes = sorted({f["comuna"] or "" for f in firms})
        comuna_index = {c: i for i, c in enumerate(self.comuna_codes)}
        self.comuna = np.fromiter((comuna_index[f["comuna"] or ""] for f in firms), dtype=np.int64, count=len(firms))
        self.sector_codes = sorted({s for f in firms for s in f.get("sectors") or ()})
        sector_index = {c: i for i, c in enumerate(self.sector_codes)}
        counts = np.fromiter((len(f.get("sectors") or ()) for f in firms), dtype=np.int64, count=len(firms))
        self.owner = np.repeat(np.arange(len(firms)), counts)
        self.sector = np.fromiter((sector_index[s] for f in firms for s in f.get("sectors") or ()), dtype=np.int64,
                                  count=int(counts.sum()))

    def __len__(self) -> int:
        return len(self.firms)

    def select(self, ctx: NeedContext, area: SearchArea, cap: int) -> tuple[list[dict], list[dict]]:
        """``(candidates, excluded_in_progress)`` for one need, each in the query's order, at most ``cap``.

        ``excluded_in_progress`` is empty unless the need's certifications are mandatory; then it
        holds the firms left out only because a required certification is in progress.
        """
        n = len(self.firms)
        tier_of = np.full(len(self.sector_codes), _NO_TIER, dtype=np.int64)
        for i, code in enumerate(self.sector_codes):
            if code in area.tiers:
                tier_of[i] = area.tiers[code]
        tier = np.full(n, _NO_TIER, dtype=np.int64)
        np.minimum.at(tier, self.owner, tier_of[self.sector])
        km_of = np.array([area.km.get(c, np.inf) for c in self.comuna_codes])
        km = km_of[self.comuna]
        pool = np.flatnonzero((tier < _NO_TIER) & np.isfinite(km))
        pool = pool[np.lexsort((pool, km[pool], tier[pool]))]
        if not (ctx.mandatory and ctx.required):
            return [self.firms[i] for i in pool[:cap].tolist()], []
        today = ctx.as_of_date
        kept: list[dict] = []
        excluded: list[dict] = []
        for i in pool.tolist():
            firm = self.firms[i]
            if passes_mandatory(firm, ctx.required, today):
                if len(kept) < cap:
                    kept.append(firm)
            elif len(excluded) < cap and upgradable(firm, ctx.required, today):
                excluded.append(firm)
            if len(kept) >= cap and len(excluded) >= cap:
                break
        return kept, excluded
