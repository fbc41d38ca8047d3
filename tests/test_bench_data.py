"""The synthetic benchmark data reaches two million firms, each with a valid RUT of its own."""

import pytest

from matching.rut import is_valid_rut
from scripts.bench_data import BUYER_FIRST_RUT, MAX_FIRMS, firm_number, rut_of


@pytest.mark.parametrize("index", [0, 499_999, 500_000, 1_000_000, 1_999_999, MAX_FIRMS - 1])
def test_every_synthetic_firm_has_a_valid_rut(index):
    assert is_valid_rut(rut_of(firm_number(index)))


def test_synthetic_ruts_reach_two_million_firms_apart_from_demo_firms_and_every_buyer():
    assert MAX_FIRMS >= 2_000_000
    first, last = firm_number(0), firm_number(1_999_999)
    assert last - first == 1_999_999  # one number per firm, none repeated
    # Demo firms use 1,000,000-9,999,999, demo buyers 76,000,000-96,999,999, synthetic buyers from BUYER_FIRST_RUT.
    assert first >= 97_000_000 and BUYER_FIRST_RUT + 12 <= first


def test_past_the_last_rut_there_is_no_synthetic_firm():
    with pytest.raises(ValueError):
        firm_number(MAX_FIRMS)
