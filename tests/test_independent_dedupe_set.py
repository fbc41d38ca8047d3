"""The independent duplicate-detection set follows its specification (bench/dedupe_independent/SPEC.md)."""

from __future__ import annotations

import csv
import itertools
import re
from collections import Counter, defaultdict

import isic
import pytest
from stdnum.cl import rut as stdnum_rut

from bench.dedupe_independent.generate import COLUMNS, generate, name_key, stats, write
from bench.dedupe_independent.vocabulary import cut_by_folded_name, fold

SEED = 20261204


@pytest.fixture(scope="module")
def dataset() -> tuple[list[dict], dict[str, str]]:
    """A 20,000-record set: large enough for the proportions and the Rojas/Rosas near-twins."""
    return generate(20_000, SEED)


def _entities(records: list[dict], truth: dict[str, str]) -> dict[str, list[dict]]:
    """Records grouped by their true entity."""
    groups: dict[str, list[dict]] = defaultdict(list)
    for record in records:
        groups[truth[record["id_registro"]]].append(record)
    return groups


def test_same_seed_gives_identical_records_and_another_seed_does_not():
    first = generate(2_000, 7)
    assert first == generate(2_000, 7)
    assert first[0] != generate(2_000, 8)[0]


def test_truth_maps_every_record_and_the_count_is_exact(dataset):
    records, truth = dataset
    ids = [r["id_registro"] for r in records]
    assert len(records) == 20_000
    assert len(set(ids)) == len(ids) and set(ids) == set(truth)
    assert all(re.fullmatch(r"r\d{6}", i) for i in ids)
    assert all(re.fullmatch(r"e\d{6}", e) for e in truth.values())


def test_ruts_have_valid_check_digits_and_one_number_per_entity(dataset):
    records, truth = dataset
    number_of: dict[str, set[str]] = defaultdict(set)
    for record in records:
        if record["rut"]:
            assert re.fullmatch(r"\d{1,2}(\.\d{3}\.\d{3}-|\d{6}-?)[\dkK]", record["rut"]), record["rut"]
            assert stdnum_rut.is_valid(record["rut"]), record["rut"]
            number_of[truth[record["id_registro"]]].add(stdnum_rut.compact(record["rut"])[:-1])
    assert all(len(numbers) == 1 for numbers in number_of.values())
    owners = Counter(next(iter(numbers)) for numbers in number_of.values())
    assert owners.most_common(1)[0][1] == 1, "two entities share a RUT"


def test_rut_ranges_follow_the_register(dataset):
    records, _ = dataset
    numbers = [int(stdnum_rut.compact(r["rut"])[:-1]) for r in records if r["rut"]]
    assert all(
        5_000_000 <= n <= 25_000_000 or 76_000_000 <= n <= 79_999_999 or 96_000_000 <= n < 97_000_000 for n in numbers
    )
    share_76_77 = sum(76_000_000 <= n < 78_000_000 for n in numbers) / len(numbers)
    assert 0.5 < share_76_77 < 0.8


def test_every_comuna_resolves_to_its_cut_ignoring_accents_and_case(dataset):
    records, _ = dataset
    cuts = cut_by_folded_name()
    assert all(cuts[fold(r["comuna"])] == r["cut"] for r in records)
    written = Counter(r["comuna"] for r in records)
    assert "Ñuñoa" in written and ("Nunoa" in written or "NUNOA" in written or "ÑUÑOA" in written)
    top_share = sum(count for _, count in Counter(r["cut"] for r in records).most_common(20)) / len(records)
    assert 0.3 < top_share < 0.6, "comunas should be skewed to the populous ones, not uniform"


def test_sectors_are_isic_classes_and_missing_only_in_duplicates(dataset):
    records, truth = dataset
    for record in records:
        assert re.fullmatch(r"(\d{4}(;\d{4})?)?", record["ciiu"]), record["ciiu"]
        assert all(code in isic.ISIC for code in record["ciiu"].split(";") if code)
    for group in _entities(records, truth).values():
        assert any(r["ciiu"] for r in group)
        if len(group) == 1:
            assert group[0]["ciiu"]


def test_duplicate_rate_and_sizes_are_within_the_spec(dataset):
    records, truth = dataset
    sizes = Counter(Counter(truth.values()).values())
    entities = sum(sizes.values())
    assert 0.04 <= (entities - sizes[1]) / entities <= 0.06
    assert set(sizes) <= {1, 2, 3, 4}
    assert sizes[2] > sizes[3] > sizes[4] > 0


def test_duplicates_lack_ruts_and_change_comuna_as_specified(dataset):
    records, truth = dataset
    figures = stats(records, truth)
    assert 0.30 <= figures["duplicated_entity_records_with_empty_rut"] / figures["duplicated_entity_records"] <= 0.40
    assert 0.03 <= figures["records_with_empty_rut"] / figures["records"] <= 0.15
    same = total = 0
    for group in _entities(records, truth).values():
        total += len(group) - 1
        same += sum(r["cut"] == group[0]["cut"] for r in group[1:])
    assert 0.75 <= same / total <= 0.95


def test_duplicates_are_written_differently_but_not_adjacent(dataset):
    records, truth = dataset
    groups = [g for g in _entities(records, truth).values() if len(g) > 1]
    differing = sum(len({r["razon_social"] for r in g}) > 1 for g in groups)
    assert differing / len(groups) > 0.8
    assert all(truth[a["id_registro"]] != truth[b["id_registro"]] for a, b in itertools.pairwise(records))


def test_namesakes_and_one_letter_twins_exist_in_one_comuna(dataset):
    records, truth = dataset
    owners: dict[tuple[str, str], set[str]] = defaultdict(set)
    for record in records:
        key = name_key(record["razon_social"])
        if key:
            owners[(record["cut"], key)].add(truth[record["id_registro"]])
    rojas_rosas = [cut for (cut, key), found in owners.items() if key == "rojas" and owners.get((cut, "rosas"))]
    assert rojas_rosas, "no Rojas/Rosas pair of distinct firms in one comuna"
    assert owners.get(("13101", "rojas"), set()) and len(owners[("13101", "rojas")]) > 3
    figures = stats(records, truth)
    assert figures["namesake_groups"] > 500 and figures["one_letter_namesake_pairs"] > 50


def test_write_produces_the_import_format(dataset, tmp_path):
    records, truth = dataset
    write(tmp_path, records[:500], {r["id_registro"]: truth[r["id_registro"]] for r in records[:500]})
    with open(tmp_path / "records.csv", encoding="utf-8", newline="") as file:
        rows = list(csv.reader(file))
    assert rows[0] == COLUMNS == ["id_registro", "rut", "razon_social", "comuna", "ciiu", "telefono", "email"]
    assert rows[1:] == [[r[c] for c in COLUMNS] for r in records[:500]]
    with open(tmp_path / "truth.csv", encoding="utf-8", newline="") as file:
        truth_rows = list(csv.reader(file))
    assert truth_rows[0] == ["record_id", "entity_id"] and len(truth_rows) == 501
    phones = [r["telefono"] for r in records if r["telefono"]]
    assert all(re.fullmatch(r"(\+56 |\+56|\(\+56\) )?(9|2) ?\d{4} ?\d{4}", p) for p in phones)
