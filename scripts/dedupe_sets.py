"""Record sets with known duplicates for ``encadena bench dedupe``: the tuning set and the independent one.

- ``tuning_set`` (this module, on ``scripts.firm_names.RegisterNames``): the set the matcher's
  weights and threshold were tuned on. About 5% of firms are written again by another office
  (``spreadsheet_variant``), a few of them twice or three times (chains for the cluster measures);
  about 8% of firms are namesakes of another firm in the same comuna (same surname or place, other
  industry word, legal form and ISIC class); surnames follow their Chilean frequencies, so common
  ones collide in every large comuna by themselves. Records carry a RUT three times in four
  (in any of its spellings), an ISIC class nine times in ten, phones and e-mails as offices write
  them; a second record of a firm usually keeps its comuna (sometimes the neighbouring one or
  another), its class (sometimes a sibling class, or none) and its contacts (sometimes others).
- ``independent_set``: ``bench.dedupe_independent.generate``, written from a short spec by someone
  who had not read the matcher (branch ``evalset``); only reported on, never tuned on.

Both give a ``DedupeSet``: ``matching.dedupe.FirmName`` records (id = the record's id, ``rut``
apart) and the firm (entity) each record belongs to.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from scripts.firm_names import Firm, RegisterNames

# Share of firms written again by another office, and of those written a third and fourth time.
DUPLICATED_SHARE = 0.05
THIRD_RECORD_SHARE = 0.15
FOURTH_RECORD_SHARE = 0.03
# Share of firms that are namesakes of an earlier firm of the same comuna.
NAMESAKE_SHARE = 0.08
# What a record shows of its firm.
SHOWS_RUT, SHOWS_SECTOR, HAS_PHONE, SHOWS_PHONE, HAS_EMAIL, SHOWS_EMAIL = 0.75, 0.9, 0.7, 0.8, 0.4, 0.75
# Where another office puts the same firm: same comuna, a neighbouring one, or another.
SAME_COMUNA, ADJACENT_COMUNA = 0.9, 0.06

_LIST_SPLIT = re.compile(r"[;|,\s]+")


@dataclass(frozen=True)
class DedupeSet:
    """Records with the firm each belongs to; ``changes`` says how each extra record was rewritten."""

    name: str
    records: list
    entity_of: dict[str, str]
    changes: dict[str, list[str]] = field(default_factory=dict)


def _rut_text(number: int, rng: random.Random) -> str:
    from stdnum.cl import rut as stdnum_rut

    digit = stdnum_rut.calc_check_digit(str(number))
    style = rng.random()
    if style < 0.5:
        return f"{number}-{digit}"
    if style < 0.85:
        return f"{number:,}".replace(",", ".") + f"-{digit}"
    return f"{number}{digit}"


def _phone_text(digits: str, rng: random.Random) -> str:
    style = rng.random()
    if digits.startswith("9"):
        if style < 0.4:
            return f"+56 9 {digits[1:5]} {digits[5:]}"
        if style < 0.7:
            return digits
        return f"+569{digits[1:]}"
    if style < 0.5:
        return f"+56 {digits[:1]} {digits[1:5]} {digits[5:]}"
    return f"({digits[:1]}) {digits[1:]}"


def tuning_set(records: int, seed: int, on_step: Callable[[int], None] | None = None) -> DedupeSet:
    """About ``records`` records of firms, some written twice or more; see the module docstring."""
    from graph_schema.reference import read_territory
    from matching.dedupe import FirmName

    rng = random.Random(seed)
    names = RegisterNames(seed)
    territory = read_territory()
    comunas = [c["cut"] for c in territory.comunas]
    neighbours: dict[str, list[str]] = {}
    for a, b in territory.adjacency:
        neighbours.setdefault(a, []).append(b)
        neighbours.setdefault(b, []).append(a)
    weights = [rng.paretovariate(1.2) for _ in comunas]
    expected_extra = DUPLICATED_SHARE * (1 + THIRD_RECORD_SHARE + FOURTH_RECORD_SHARE)
    n_firms = round(records / (1 + expected_extra))
    out: list = []
    entity_of: dict[str, str] = {}
    changes: dict[str, list[str]] = {}
    by_comuna: dict[str, list[int]] = {}
    firms: list[tuple[Firm, str, tuple[str, ...], int, str | None, str | None]] = []
    used_ruts: set[int] = set()

    def rut_number(person: bool) -> int:
        while True:
            number = rng.randint(5_000_000, 24_000_000) if person else rng.randint(76_000_000, 77_999_999)
            if number not in used_ruts:
                used_ruts.add(number)
                return number

    def record(rid: str, entity: int, name: str, comuna: str, sectors: tuple[str, ...], rut: int,
               phone: str | None, email: str | None) -> None:
        shown_rut = _rut_text(rut, rng) if rng.random() < SHOWS_RUT else None
        shown_sectors = sectors if rng.random() < SHOWS_SECTOR else ()
        shown_phone = _phone_text(phone, rng) if phone and rng.random() < SHOWS_PHONE else None
        shown_email = email if email and rng.random() < SHOWS_EMAIL else None
        if shown_email and rng.random() < 0.2:
            shown_email = shown_email.upper()
        out.append(FirmName(rid, name, comuna, shown_sectors, shown_phone, shown_email, rut=shown_rut))
        entity_of[rid] = f"e{entity}"

    for i in range(n_firms):
        comuna = rng.choices(comunas, weights)[0]
        peers = by_comuna.get(comuna, [])
        firm = names.namesake(firms[rng.choice(peers)][0]) if peers and rng.random() < NAMESAKE_SHARE else names.firm()
        sectors = firm.sectors(rng)
        phone = (("9" + f"{rng.randint(0, 99_999_999):08d}") if rng.random() < 0.7
                 else f"2{rng.randint(2_000_0000, 2_999_9999)}") if rng.random() < HAS_PHONE else None
        slug = re.sub(r"[^a-z]+", "", firm.core.lower().split(" y ")[0])[:14] or "empresa"
        email = (f"contacto@{slug}{rng.randint(1, 999)}.cl" if rng.random() < 0.5
                 else f"{slug}{rng.randint(1, 99)}@gmail.com") if rng.random() < HAS_EMAIL else None
        rut = rut_number(firm.person)
        firms.append((firm, comuna, sectors, rut, phone, email))
        by_comuna.setdefault(comuna, []).append(i)
        record(f"r{len(out)}", i, firm.name, comuna, sectors, rut, phone, email)
        if on_step and i % 5000 == 0:
            on_step(i)

    for i in rng.sample(range(n_firms), round(n_firms * DUPLICATED_SHARE)):
        firm, comuna, sectors, rut, phone, email = firms[i]
        extra = 1 + (rng.random() < THIRD_RECORD_SHARE) + (rng.random() < FOURTH_RECORD_SHARE)
        for _ in range(extra):
            name, how = names.spreadsheet_variant(firm)
            where = rng.random()
            at = comuna
            if where >= SAME_COMUNA:
                near = neighbours.get(comuna)
                if near and where < SAME_COMUNA + ADJACENT_COMUNA:
                    at, how = rng.choice(near), how + ["adjacent_comuna"]
                else:
                    at, how = rng.choice(comunas), how + ["other_comuna"]
            kind = rng.random()
            codes = sectors
            if kind < 0.08:
                codes, how = (_sibling(sectors[0], rng),), how + ["sibling_class"]
            elif kind < 0.12:
                codes, how = Firm("", "", "").sectors(rng), how + ["other_class"]
            other_phone = phone
            if rng.random() < 0.15:
                other_phone, how = "9" + f"{rng.randint(0, 99_999_999):08d}", how + ["other_phone"]
            other_email = email
            if email and rng.random() < 0.1:
                other_email, how = email.replace("contacto@", "ventas@"), how + ["other_email"]
            rid = f"r{len(out)}"
            record(rid, i, name, at, codes, rut, other_phone, other_email)
            changes[rid] = how
    rng.shuffle(out)
    return DedupeSet("tuning (scripts.firm_names)", out, entity_of, changes)


def _sibling(code: str, rng: random.Random) -> str:
    """Another ISIC class of the same division, when the division has one."""
    from graph_schema.reference import read_sectors

    siblings = [s["code"] for s in read_sectors() if s["level"] == "class" and s["code"][:2] == code[:2]
                and s["code"] != code]
    return rng.choice(siblings) if siblings else code


def independent_set(records: int, seed: int) -> DedupeSet:
    """The independent set (branch ``evalset``) as ``FirmName`` records; raises ImportError when absent."""
    from bench.dedupe_independent.generate import generate  # type: ignore[import-not-found]
    from matching.dedupe import FirmName

    rows, truth = generate(records, seed)
    out = []
    for row in rows:
        rid = str(row["id_registro"])
        sectors = tuple(code for code in _LIST_SPLIT.split(str(row.get("ciiu") or "")) if code)
        out.append(FirmName(rid, str(row.get("razon_social") or ""), str(row.get("cut") or "") or None, sectors,
                            str(row.get("telefono") or "") or None, str(row.get("email") or "") or None,
                            rut=str(row.get("rut") or "") or None))
    return DedupeSet("independent (bench.dedupe_independent)", out, {str(k): str(v) for k, v in truth.items()})
