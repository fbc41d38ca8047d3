"""Generate the independent duplicate-detection set: firm records as offices send them, and the truth.

.venv/bin/python -m bench.dedupe_independent.generate --records 100000 --seed 20261204 --out DIR
"""

from __future__ import annotations

import argparse
import csv
import random
import re
import sys
import time
from collections import Counter, defaultdict
from functools import cache
from pathlib import Path

from faker import Faker

from bench.dedupe_independent import variants
from bench.dedupe_independent import vocabulary as vocab
from bench.dedupe_independent.firms import Firm, FirmFactory, mobile

COLUMNS = ["id_registro", "rut", "razon_social", "comuna", "ciiu", "telefono", "email"]
DUPLICATED_SHARE = 0.05  # base firms that appear more than once
EXTRA_RECORDS = {1: 80, 2: 15, 3: 5}  # extra records of a duplicated firm: 2, 3 or 4 records in all
SAME_COMUNA = 0.85
EMPTY_RUT_SINGLE = 0.05
EMPTY_RUT_DUPLICATED = 0.35  # each record of a duplicated firm


def generate(records: int = 100_000, seed: int = 20261204) -> tuple[list[dict], dict[str, str]]:
    """The records (CSV columns plus the comuna's ``cut``) in shuffled order, and record_id -> entity_id."""
    rng = random.Random(seed)
    faker = Faker("es_CL")
    faker.seed_instance(seed)
    mean_extra = sum(k * w for k, w in EXTRA_RECORDS.items()) / sum(EXTRA_RECORDS.values())
    firm_count = max(1, min(records, round(records / (1 + DUPLICATED_SHARE * mean_extra))))
    firms = FirmFactory(rng, faker).firms(firm_count)
    extras = _extra_counts(len(firms), records - len(firms), rng)
    rows: list[tuple[int, dict]] = []
    for index, firm in enumerate(firms):
        rows.extend((index, record) for record in _records_of(firm, extras.get(index, 0), rng))
    rng.shuffle(rows)
    _separate_neighbours(rows, rng)
    entity_ids = list(range(len(firms)))
    rng.shuffle(entity_ids)
    width = max(6, len(str(len(rows))))
    truth: dict[str, str] = {}
    out: list[dict] = []
    for position, (index, record) in enumerate(rows, start=1):
        record_id = f"r{position:0{width}d}"
        out.append({"id_registro": record_id, **record})
        truth[record_id] = f"e{entity_ids[index]:0{width}d}"
    return out, truth


def _extra_counts(firm_count: int, extra_total: int, rng: random.Random) -> dict[int, int]:
    """How many extra records each duplicated firm gets, adding up to extra_total."""
    extras: dict[int, int] = {}
    order = list(range(firm_count))
    rng.shuffle(order)
    for index in order:
        if extra_total <= 0:
            break
        count = min(extra_total, rng.choices(list(EXTRA_RECORDS), weights=list(EXTRA_RECORDS.values()))[0])
        extras[index] = count
        extra_total -= count
    return extras


def _records_of(firm: Firm, extra: int, rng: random.Random) -> list[dict]:
    """The firm's first record and its duplicates as other offices write them."""
    empty_rut = EMPTY_RUT_DUPLICATED if extra else EMPTY_RUT_SINGLE
    rut_text, rut_style = variants.format_rut(firm.rut, rng)
    first = {
        "rut": "" if rng.random() < empty_rut else rut_text,
        "razon_social": variants.light_style(firm.name, rng),
        "cut": firm.cut,
        "ciiu": ";".join(firm.classes),
        "telefono": variants.format_phone(firm.phone, rng) if firm.phone else "",
        "email": firm.email or "",
    }
    records = [first]
    for _ in range(extra):
        style = rut_style if rng.random() < 0.7 else None
        records.append(
            {
                "rut": "" if rng.random() < empty_rut else variants.format_rut(firm.rut, rng, style)[0],
                "razon_social": variants.spell_name(firm.name, firm.is_person, rng),
                "cut": firm.cut if rng.random() < SAME_COMUNA else _other_comuna(firm.cut, rng),
                "ciiu": _duplicate_classes(firm.classes, rng),
                "telefono": _duplicate_phone(firm, rng),
                "email": _duplicate_email(firm, rng),
            }
        )
    for record in records:
        record["comuna"] = variants.write_comuna(_comuna_name(record["cut"]), rng)
    return [{column: record[column] for column in COLUMNS[1:] + ["cut"]} for record in records]


def _comuna_name(cut: str) -> str:
    """The official name of a comuna."""
    return _comuna_rows()[cut]["COMUNA"]


@cache
def _comuna_rows() -> dict[str, dict[str, str]]:
    """DPA rows by CUT."""
    return {row["CUT_COM"]: row for row in vocab.comunas()}


def _other_comuna(cut: str, rng: random.Random) -> str:
    """A bordering comuna (a branch) or the regional office's own comuna (the region's capital)."""
    capital = cut[:2] + "101"
    nearby = vocab.neighbours()[cut] or [
        row["CUT_COM"] for row in vocab.comunas() if row["CUT_PROV"] == cut[:3] and row["CUT_COM"] != cut
    ]
    if nearby and (rng.random() < 0.6 or capital == cut):
        return rng.choice(nearby)
    return capital if capital != cut else cut


def _duplicate_classes(classes: list[str], rng: random.Random) -> str:
    """The same classes (75%), a related class of the same division (10%) or nothing (15%)."""
    roll = rng.random()
    if roll < 0.15:
        return ""
    if roll < 0.25:
        division = vocab.isic_classes()[classes[0][:2]]
        related = [c for c in division if c != classes[0]]
        return rng.choice(related) if related else classes[0]
    if len(classes) > 1:
        pick = rng.random()
        if pick < 0.1:
            return classes[0]
        if pick < 0.15:
            return ";".join(reversed(classes))
    return ";".join(classes)


def _duplicate_phone(firm: Firm, rng: random.Random) -> str:
    """The firm's phone (maybe written otherwise), none, or another contact's phone."""
    if not firm.phone:
        return variants.format_phone(mobile(rng), rng) if rng.random() < 0.2 else ""
    roll = rng.random()
    if roll < 0.55:
        return variants.format_phone(firm.phone, rng)
    if roll < 0.85:
        return ""
    return variants.format_phone(mobile(rng), rng)


def _duplicate_email(firm: Firm, rng: random.Random) -> str:
    """The firm's e-mail, none, or another contact person's."""
    other = f"{vocab.fold(rng.choice(list(vocab.GIVEN_NAMES))).split()[0]}.{_slug(firm)}@gmail.com"
    if not firm.email:
        return other if rng.random() < 0.2 else ""
    roll = rng.random()
    if roll < 0.55:
        return firm.email
    if roll < 0.85:
        return ""
    return other


def _slug(firm: Firm) -> str:
    """The firm's key word folded to letters, for addresses."""
    return re.sub(r"[^a-z0-9]", "", vocab.fold(firm.keys[0] if firm.keys else firm.name.split()[0]))


def _separate_neighbours(rows: list[tuple[int, dict]], rng: random.Random) -> None:
    """Swap records until no two records of one firm are adjacent."""
    for _ in range(100):
        clashes = [i for i in range(1, len(rows)) if rows[i][0] == rows[i - 1][0]]
        if not clashes:
            return
        for i in clashes:
            j = rng.randrange(len(rows))
            rows[i], rows[j] = rows[j], rows[i]


def write(out_dir: str | Path, records: list[dict], truth: dict[str, str]) -> None:
    """Write records.csv (the import format) and truth.csv (record_id,entity_id) into out_dir."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    with open(out / "records.csv", "w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file, lineterminator="\n")
        writer.writerow(COLUMNS)
        writer.writerows([record[column] for column in COLUMNS] for record in records)
    with open(out / "truth.csv", "w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file, lineterminator="\n")
        writer.writerow(["record_id", "entity_id"])
        writer.writerows(truth.items())


def name_key(name: str) -> str | None:
    """The first distinguishing surname or place word of a name, folded ("rojas", "el maiten")."""
    tokens = re.findall(r"[a-z]+", vocab.fold(name))
    for start in range(len(tokens)):
        for size in (3, 2, 1):
            phrase = " ".join(tokens[start : start + size])
            if phrase in _distinguishing_words():
                return phrase
    return None


@cache
def _distinguishing_words() -> frozenset[str]:
    """Folded surnames, place words and shop fantasy names."""
    return frozenset(vocab.fold(w) for w in [*vocab.SURNAMES, *vocab.PLACE_WORDS, *vocab.FANTASY_NAMES])


def stats(records: list[dict], truth: dict[str, str]) -> dict[str, int]:
    """Counts of the set: records, entities, duplicates, empty RUTs, namesake groups, near-twins."""
    sizes = Counter(truth.values())
    owners: dict[tuple[str, str], set[str]] = defaultdict(set)
    for record in records:
        word = name_key(record["razon_social"])
        if word:
            owners[(record["cut"], word)].add(truth[record["id_registro"]])
    namesakes = [key for key, entities in owners.items() if len(entities) > 1]
    twins = 0
    for first, second, _ in vocab.ONE_LETTER_PAIRS:
        a, b = vocab.fold(first), vocab.fold(second)
        for (cut, word), entities in owners.items():
            if word == a and owners.get((cut, b), set()) - entities:
                twins += 1
    duplicated = {entity for entity, size in sizes.items() if size > 1}
    in_duplicated = [r for r in records if truth[r["id_registro"]] in duplicated]
    return {
        "records": len(records),
        "entities": len(sizes),
        "entities_with_duplicates": len(duplicated),
        "true_duplicate_pairs": sum(size * (size - 1) // 2 for size in sizes.values()),
        "records_with_empty_rut": sum(1 for r in records if not r["rut"]),
        "duplicated_entity_records_with_empty_rut": sum(1 for r in in_duplicated if not r["rut"]),
        "duplicated_entity_records": len(in_duplicated),
        "namesake_groups": len(namesakes),
        "entities_in_namesake_groups": len(set().union(*(owners[key] for key in namesakes))) if namesakes else 0,
        "one_letter_namesake_pairs": twins,
    }


def main(argv: list[str] | None = None) -> None:
    """Command line: generate, write and print the statistics."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=20261204)
    parser.add_argument("--out", required=True)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    records, truth = generate(args.records, args.seed)
    write(args.out, records, truth)
    elapsed = time.perf_counter() - started
    for key, value in stats(records, truth).items():
        sys.stdout.write(f"{key}: {value:,}\n")
    sys.stdout.write(f"seconds (generate + write): {elapsed:.1f}\n")


if __name__ == "__main__":
    main()
