"""The demo's duplicate review history: firms registered twice by other offices, the pairs duplicate
detection finds, and a year of decisions by the simulated advisor (``scripts.demo.simulated_advisor``).

About ``DUPLICATED_SHARE`` of demo firms get a second record written the way another office's
spreadsheet writes it (legal form dropped or respelled, industry word abbreviated, accents or case
lost, a typo), under a RUT of its own (a registration error), mostly in the same comuna, with the
phone or e-mail sometimes. Duplicate detection runs over the register as an import would; the
simulated advisor decides ``DECIDED_SHARE`` of the pairs it proposes (merging for real, or marking
distinct) at times spread over the last year, and leaves the rest open for the review queue.
Those decisions are the labels ``encadena dedupe train`` learns the pair model from.
"""

from __future__ import annotations

import random
import re
import unicodedata
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from graph_schema.driver import Graph
from matching.segments import size_segment

DUPLICATED_SHARE = 0.015
SAME_COMUNA = 0.85
KEEPS_PHONE = 0.6
KEEPS_EMAIL = 0.4
DECIDED_SHARE = 0.85
# The review queue reaches below the import's cut, as an advisor working through borderline pairs
# would: the "distintas" among them teach the pair model as much as the merges.
REVIEW_THRESHOLD = 25.0
HISTORY_DAYS = 365

_LEGAL = re.compile(r"\s*(,\s*)?\b(Ltda\.?|Limitada|S\.A\.|SpA|S\.p\.A\.|EIRL|E\.I\.R\.L\.)\s*$", re.IGNORECASE)
_LEGAL_SPELLINGS = {"ltda": ["Limitada", "LTDA", "Ltda"], "s.a.": ["SA", "Sociedad Anónima"], "spa": ["S.p.A.", "SPA"],
                    "eirl": ["E.I.R.L."]}
_ABBREVIATIONS = {"Sociedad": "Soc.", "Agrícola": "Agric.", "Comercial": "Com.", "Cooperativa": "Coop.",
                  "Distribuidora": "Distrib.", "Constructora": "Const.", "Transportes": "Transp.",
                  "Servicios": "Serv.", "Industrial": "Ind.", "Inversiones": "Inv."}


def _plain(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")


def _typo(word: str, rng: random.Random) -> str:
    if len(word) < 5:
        return word
    i = rng.randrange(1, len(word) - 1)
    kind = rng.random()
    if kind < 0.4:
        return word[:i] + word[i + 1:]
    if kind < 0.7:
        return word[:i] + word[i] + word[i:]
    return word[:i - 1] + word[i] + word[i - 1] + word[i + 1:]


def office_spelling(name: str, rng: random.Random) -> str:
    """``name`` as another office writes it: one to three changes, never the same string."""
    out = name
    for _ in range(rng.randint(1, 3)):
        r = rng.random()
        legal = _LEGAL.search(out)
        if legal and r < 0.3:
            out = out[:legal.start()]
        elif legal and r < 0.45:
            spelling = legal.group(2).lower().rstrip(".") if legal.group(2).lower() != "s.a." else "s.a."
            choices = _LEGAL_SPELLINGS.get(spelling.replace("limitada", "ltda"), [])
            if choices:
                out = out[:legal.start()] + " " + rng.choice(choices)
        elif r < 0.6:
            words = [w for w in out.split() if w in _ABBREVIATIONS]
            if words:
                word = rng.choice(words)
                out = out.replace(word, _ABBREVIATIONS[word], 1)
        elif r < 0.75:
            out = _plain(out)
        elif r < 0.85:
            out = out.upper() if rng.random() < 0.5 else out.lower()
        else:
            words = out.split()
            long_words = [i for i, w in enumerate(words) if len(w) >= 5]
            if long_words:
                i = rng.choice(long_words)
                words[i] = _typo(words[i], rng)
                out = " ".join(words)
    out = re.sub(r"\s+", " ", out).strip(" ,")
    return out if out != name and len(out) >= 2 else _plain(name).upper()


def plant_duplicates(firms: list[dict], taken: set[int], rng: random.Random, adjacency: dict[str, frozenset[str]],
                     rut_of: Callable[[int], str], rut_range: tuple[int, int]) -> tuple[list[dict], dict[str, str]]:
    """Second records of ``DUPLICATED_SHARE`` of ``firms`` (dicts with rut, name, comuna, sectors, phone,
    email), as firm values for ``graph_schema.firms.firm_row``, and ``second RUT -> original RUT``."""
    chosen = rng.sample(firms, max(1, round(len(firms) * DUPLICATED_SHARE)))
    rows, original_of = [], {}
    for firm in chosen:
        while True:
            number = rng.randrange(*rut_range)
            if number not in taken:
                taken.add(number)
                break
        rut = rut_of(number)
        comuna = firm["comuna"]
        near = sorted(adjacency.get(comuna, ()))
        if rng.random() >= SAME_COMUNA and near:
            comuna = rng.choice(near)
        rows.append({
            "rut": rut, "name": office_spelling(firm["name"], rng), "is_cooperative": False,
            "sectors": list(firm["sectors"])[:1] or ["0111"], "comuna": comuna,
            "phone": firm["phone"] if rng.random() < KEEPS_PHONE else None,
            "email": firm["email"] if rng.random() < KEEPS_EMAIL else None,
            "owner_gender": "unknown", "products": "", "annual_sales_uf": None, "size_segment": size_segment(None),
            "employees": None, "certifications": [], "member_of": [],
        })
        original_of[rut] = firm["rut"]
    return rows, original_of


def decision_times(count: int, rng: random.Random, now: datetime | None = None) -> list[str]:
    """``count`` moments spread over the last ``HISTORY_DAYS`` days, oldest first."""
    now = now or datetime.now(UTC)
    start = now - timedelta(days=HISTORY_DAYS)
    moments = sorted(rng.uniform(0, HISTORY_DAYS * 86400) for _ in range(count))
    return [(start + timedelta(seconds=s)).isoformat() for s in moments]


def reviewed_register(names: list, rng: random.Random) -> list:
    """The part of the register the simulated advisors have reviewed: all of it up to the calibrated size;
    past it, whole comunas (drawn with ``rng``) until their firms reach the calibrated size times the
    program's growth (``scale_of``: the square root of the register's growth). Review is advisors' work,
    which grows with the program, not with the register; whole comunas keep namesakes as dense as they
    are (at a million firms, scanning and deciding over the whole register took longer than loading it).
    """
    from scripts.demo.calibration import DEFAULT_FIRMS
    from scripts.demo.generator import scale_of

    if len(names) <= DEFAULT_FIRMS:
        return names
    size = round(DEFAULT_FIRMS * scale_of(len(names)))
    by_comuna: dict[str, list] = {}
    for n in names:
        by_comuna.setdefault(n.comuna or "", []).append(n)
    comunas = sorted(by_comuna)
    rng.shuffle(comunas)
    chosen: list = []
    for cut in comunas:
        if len(chosen) >= size:
            break
        chosen += by_comuna[cut]
    return sorted(chosen, key=lambda n: n.id)


def review_history(driver: Graph, catalog, seed: int, rut_of: Callable[[int], str], rut_range: tuple[int, int],
                   progress: Callable[[int, int], None] | None = None) -> dict:
    """Plant second records among the demo firms, find the pairs, and let the simulated advisor decide."""
    from graph_schema.duplicates import all_firm_names, record_candidates_tx
    from graph_schema.duplicates import resolve as resolve_tx
    from graph_schema.firms import firm_row, write_firms_tx
    from matching.dedupe import FirmName, find_duplicates
    from scripts.demo.simulated_advisor import advisor_merges

    rng = random.Random(f"{seed}-duplicates")
    records, _, _ = driver.execute_query(
        "MATCH (d:DuplicateCandidate {source: 'demo'}) RETURN count(d) AS n")
    if records[0]["n"]:
        return {"planted": 0, "pairs": 0, "merged": 0, "distinct": 0, "open": records[0]["n"], "skipped": True}
    # Every RUT in the graph is taken; the simulated advisor plants, scans and decides among demo firms only,
    # so the demo never merges a firm that people registered (and its history does not depend on them).
    taken = {int(n.id.split("-")[0]) for n in all_firm_names(driver) if n.id.split("-")[0].isdigit()}
    names = reviewed_register(all_firm_names(driver, demo_only=True), rng)
    firms = [{"rut": n.id, "name": n.name, "comuna": n.comuna, "sectors": n.sectors, "phone": n.phone,
              "email": n.email} for n in names if n.comuna]
    rows, original_of = plant_duplicates(sorted(firms, key=lambda f: f["rut"]), taken, rng, dict(catalog.adjacency),
                                         rut_of, rut_range)
    now = datetime.now(UTC)
    with driver.session() as session:
        session.execute_write(write_firms_tx, [firm_row(r) for r in rows], now.isoformat(), "demo")
    driver.execute_query("UNWIND $ruts AS rut MATCH (f:Firm {rut: rut}) SET f.demo = true, f.demo_second_record = true",
                         ruts=[r["rut"] for r in rows])
    register = names + [FirmName(r["rut"], r["name"], r["comuna"], tuple(r["sectors"]), r["phone"], r["email"])
                        for r in rows]
    by_rut = {n.id: n for n in register}
    # What a scan of the register finds (second records and namesakes alike), as the review queue shows it.
    matches = find_duplicates(register, threshold=REVIEW_THRESHOLD, adjacency=catalog.adjacency)
    with driver.session() as session:
        recorded = session.execute_write(record_candidates_tx, matches, now.isoformat(), "demo")
    driver.execute_query("UNWIND $ids AS id MATCH (d:DuplicateCandidate {id: id}) SET d.demo = true",
                         ids=[r["id"] for r in recorded])
    entity = {rut: original_of.get(rut, rut) for rut in by_rut}
    queue = [(m, r["id"]) for m, r in zip(matches, recorded, strict=True) if r["status"] == "open"]
    rng.shuffle(queue)
    # The advisor works through the second records' pairs and as many of the others.
    planted = [q for q in queue if q[0].left in original_of or q[0].right in original_of]
    others = [q for q in queue if q not in planted]
    worked = planted + others[:len(planted)]
    rng.shuffle(worked)
    decide = worked[:round(len(worked) * DECIDED_SHARE)]
    counts = {"merged": 0, "distinct": 0}
    merged_away: set[str] = set()
    for done, ((match, cid), moment) in enumerate(zip(decide, decision_times(len(decide), rng, now), strict=True), 1):
        if match.left in merged_away or match.right in merged_away:
            continue
        left, right = by_rut[match.left], by_rut[match.right]
        same = entity[match.left] == entity[match.right]
        merge = advisor_merges(left, right, same, rng, catalog.adjacency)
        keep = match.left if match.left not in original_of else match.right
        try:
            resolve_tx(driver, cid, action="merge" if merge else "distinct", keep=keep if merge else None, now=moment,
                       actor="asesora-demo", note="Revisión de la cola de posibles duplicados (demo)")
        except Exception:  # noqa: BLE001 - a pair the merge cannot take (decided proposals) stays open
            continue
        counts["merged" if merge else "distinct"] += 1
        if merge:
            merged_away.add(match.right if keep == match.left else match.left)
        if progress:
            progress(done, len(decide))
    driver.execute_query("MATCH (m:FirmMerge) WHERE m.candidate_id IN $ids SET m.demo = true",
                         ids=[r["id"] for r in recorded])
    return {"planted": len(rows), "pairs": len(matches), **counts,
            "open": len(queue) - counts["merged"] - counts["distinct"], "skipped": False}
