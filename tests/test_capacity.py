"""The one capacity rule (``matching.capacity``), shared by the ranker and the supplier groups."""

from __future__ import annotations

import math

import pytest

from matching.capacity import CAPACITY_SHARE, cooperative_capacity_uf, firm_capacity_uf


@pytest.mark.parametrize(
    ("declared", "sales", "expected"),
    [
        (300.0, 10_000.0, 300.0),
        (None, 1_000.0, CAPACITY_SHARE * 1_000.0),
        (math.nan, 1_000.0, CAPACITY_SHARE * 1_000.0),
        (0.0, 1_000.0, 0.0),
        (None, 0.0, None),
        (None, None, None),
    ],
    ids=["declared-wins", "share-of-sales", "nan-declared-is-missing", "declared-zero-is-taken", "zero-sales-unknown",
         "nothing-known"],
)
def test_firm_capacity(declared, sales, expected):
    assert firm_capacity_uf(declared, sales) == expected


@pytest.mark.parametrize(
    ("declared", "sales", "pledges", "expected"),
    [
        (None, 1_000.0, [100.0, 50.0], CAPACITY_SHARE * 1_000.0 + 150.0),
        (200.0, None, [100.0, None], 300.0),
        (None, None, [100.0, 40.0], 140.0),
        (None, None, [], None),
        (None, None, [None], None),
    ],
    ids=["own-plus-pledges", "missing-pledge-skipped", "pledges-only", "nothing-known", "no-real-pledge"],
)
def test_cooperative_capacity_adds_member_pledges(declared, sales, pledges, expected):
    assert cooperative_capacity_uf(declared, sales, pledges) == expected


@pytest.mark.parametrize(
    "call", [lambda: firm_capacity_uf(-1.0, None), lambda: cooperative_capacity_uf(None, None, [-5.0])],
    ids=["negative-declared", "negative-pledge"],
)
def test_negative_figures_are_refused(call):
    with pytest.raises(ValueError):
        call()
