"""The PREVIOUS duplicate matcher (before issue 15), kept only so the benchmark can compare with it.

``matching.dedupe`` replaced it: this scorer sets industry words, legal forms and ISIC classes
aside as noise, so distinct firms sharing a surname or a place in one comuna ("Inversiones Díaz
S.A." / "Díaz S.p.A.") score as duplicates. ``encadena bench dedupe`` runs
``find_duplicates_previous`` beside the pair model on the same records. What follows is the
module as it was, records and results typed with ``matching.dedupe``'s ``FirmName``/``Match``.

Possible duplicate firms: blocking, then rapidfuzz on normalized names, then a scored verdict.

Comparing every pair of 100,000 firms is 5 * 10^9 comparisons; blocking compares only firms
that share something cheap to group on (Splink's "blocking rules", unioned):

- the same comuna and a distinguishing name word (a firm registered twice by two centers keeps
  its address, and a typo rarely hits every word of a name);
- the same phone or email, in any comuna;
- the same ISIC class and a name word, in any comuna, when the threshold is low enough for a pair
  in different comunas without shared contact to be proposed at all.

Inside a block, ``rapidfuzz.process.cdist`` scores names on their sorted-word keys
(``matching.names``) and keeps pairs above ``PREFILTER_CUTOFF``; each surviving pair then gets
its final score (``pair_score``) from the key, the generic words, comuna and contact details.
Pure Python: records in, ``Match`` objects out; no database.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from typing import NamedTuple

import numpy as np
from rapidfuzz import fuzz
from rapidfuzz.process import cdist

from matching.dedupe import FirmName, Match
from matching.names import analyze_name

# -- thresholds (scores are 0-100) ---------------------------------------------------------------

# A pair is proposed for review when its final score reaches this: a typo or two, a dropped legal
# form, reordered words or abbreviations still pass; names that differ in a whole word do not.
# On the benchmark (scripts/bench_dedupe.py, 100,000 names) it gives precision 0.97, recall 0.99.
PREVIOUS_THRESHOLD = 91.0
# Blocking-stage cut on the sorted-word key alone (rapidfuzz ``ratio``); low enough that a pair
# lifted by a shared phone or email is not lost before scoring.
PREFILTER_CUTOFF = 75
# Weight of the distinguishing key in the name score; the rest compares the full names with
# ``token_set_ratio``, which tolerates a missing generic word ("Cooperativa") and lowers the
# score of a conflicting one ("Comercial Soto" vs "Agrícola Soto").
KEY_WEIGHT = 0.85
# Same phone or email: strong evidence that two records are one firm.
CONTACT_BONUS = 8.0
# Different comunas and no shared phone or email: namesakes elsewhere are usually different firms,
# so even identical names stay below PREVIOUS_THRESHOLD (100 - 12 < 91).
OTHER_COMUNA_PENALTY = 12.0
# Keys shorter than this ("soto", "andes") must match exactly: one typo is a different word.
SHORT_KEY_LENGTH = 6

# -- blocking ------------------------------------------------------------------------------------

# Blocks larger than this are skipped: a word that common does not discriminate.
MAX_BLOCK_SIZE = 3000
# Name words shorter than this do not form blocks.
MIN_BLOCK_TOKEN_LENGTH = 3
# Blocks at least this large are compared on every core; below it a thread pool costs more than it saves.
PARALLEL_BLOCK_SIZE = 500
# Phones compare on their last digits (with or without +56, area code or spaces).
PHONE_DIGITS = 8
_NON_DIGIT = re.compile(r"[^0-9]")


class _Prepared(NamedTuple):
    """A record ready to compare (a tuple: 100,000 of them are built per import)."""

    record: FirmName
    key: str
    sorted_key: str
    full: str
    block_words: frozenset[str]
    phone: str | None
    email: str | None


def _phone(value: str | None) -> str | None:
    digits = _NON_DIGIT.sub("", value) if value else ""
    return digits[-PHONE_DIGITS:] if len(digits) >= PHONE_DIGITS else None


def _prepare(record: FirmName) -> _Prepared:
    parts = analyze_name(record.name)
    words = parts.key.split()
    email = (record.email or "").strip().lower() or None
    return _Prepared(record, parts.key, " ".join(sorted(words)), " ".join(sorted(parts.full.split())),
                     frozenset(w for w in words if len(w) >= MIN_BLOCK_TOKEN_LENGTH), _phone(record.phone), email)


def pair_score(a: _Prepared, b: _Prepared) -> tuple[float, tuple[str, ...]]:
    """The final score of two prepared records and the evidence behind it."""
    key_score = fuzz.ratio(a.sorted_key, b.sorted_key, processor=None, score_cutoff=0)
    if min(len(a.key), len(b.key)) < SHORT_KEY_LENGTH and key_score < 100:
        return 0.0, ()
    full_score = fuzz.token_set_ratio(a.full, b.full, processor=None, score_cutoff=0)
    score = KEY_WEIGHT * key_score + (1 - KEY_WEIGHT) * full_score
    if key_score == 100:
        evidence = [f"Mismo nombre normalizado: «{a.key}»."]
    else:
        evidence = [f"Nombres normalizados parecidos: «{a.key}» y «{b.key}» ({key_score:.0f}/100)."]
    ra, rb = a.record, b.record
    shared_contact = False
    if a.phone and a.phone == b.phone:
        evidence.append("Mismo teléfono.")
        shared_contact = True
    if a.email and a.email == b.email:
        evidence.append("Mismo correo electrónico.")
        shared_contact = True
    if shared_contact:
        score += CONTACT_BONUS
    if ra.comuna and ra.comuna == rb.comuna:
        evidence.append("Misma comuna.")
    elif ra.comuna and rb.comuna:
        evidence.append("Comunas distintas.")
        if not shared_contact:
            score -= OTHER_COMUNA_PENALTY
    shared = sorted(set(ra.sectors) & set(rb.sectors))
    if shared:
        evidence.append(f"Comparten rubro CIIU {', '.join(shared)}.")
    return round(min(score, 100.0), 1), tuple(evidence)


def _blocks(items: Sequence[_Prepared], cross_comuna: bool) -> list[list[int]]:
    """Groups of records to compare within (blocking rules, unioned; a pair may sit in several).

    - same comuna and one distinguishing name word in common;
    - same phone, or same email (wherever the firms are);
    - with ``cross_comuna``: same ISIC class and one name word in common, in any comuna.
    """
    groups: dict[tuple[str, ...], list[int]] = defaultdict(list)
    for i, item in enumerate(items):
        comuna = item.record.comuna or ""
        for word in item.block_words:
            groups[("comuna", comuna, word)].append(i)
            if cross_comuna:
                for sector in item.record.sectors:
                    groups[("sector", sector, word)].append(i)
        if item.phone:
            groups[("phone", item.phone)].append(i)
        if item.email:
            groups[("email", item.email)].append(i)
    return [members for members in groups.values() if 1 < len(members) <= MAX_BLOCK_SIZE]


def _candidate_pairs(items: Sequence[_Prepared], block: list[int], involved: set[int] | None,
                     cutoff: int) -> Iterable[tuple[int, int]]:
    """Pairs of one block whose sorted keys score at least ``cutoff``."""
    queries = block if involved is None else [i for i in block if i in involved]
    if not queries:
        return ()
    keys = [items[i].sorted_key for i in block]
    if len(block) == 2:
        score = fuzz.ratio(keys[0], keys[1], processor=None, score_cutoff=cutoff)
        return [(block[0], block[1])] if score else []
    query_keys = keys if involved is None else [items[i].sorted_key for i in queries]
    workers = -1 if len(block) >= PARALLEL_BLOCK_SIZE else 1
    matrix = cdist(query_keys, keys, scorer=fuzz.ratio, processor=None, score_cutoff=cutoff,
                   dtype=np.uint8, workers=workers)
    rows, cols = np.nonzero(matrix)
    return ((queries[r], block[c]) for r, c in zip(rows.tolist(), cols.tolist(), strict=True))


def find_duplicates_previous(records: Sequence[FirmName], *, threshold: float = PREVIOUS_THRESHOLD,
                    involving: set[str] | None = None,
                    on_progress: Callable[[int, int], None] | None = None) -> list[Match]:
    """Possible duplicate pairs among ``records``, best first.

    Parameters
    ----------
    records : sequence of FirmName
        Firms with distinct ids (RUTs).
    threshold : float
        Minimum final score (0-100) for a pair to be returned.
    involving : set of str, optional
        When given, only pairs with at least one id in this set are compared (an import
        checks its own rows against each other and against the firms already stored).
    on_progress : callable, optional
        Called as ``on_progress(blocks_done, blocks_total)`` while blocks are compared.

    Returns
    -------
    list of Match
        Sorted by score, highest first, then by ids.
    """
    items = [_prepare(r) for r in records]
    involved = None if involving is None else {i for i, it in enumerate(items) if it.record.id in involving}
    # Without a shared phone or email, a pair in different comunas cannot reach a threshold above
    # 100 - OTHER_COMUNA_PENALTY, so only then are firms compared across comunas by sector.
    blocks = _blocks(items, cross_comuna=threshold <= 100 - OTHER_COMUNA_PENALTY)
    cutoff = int(min(PREFILTER_CUTOFF, threshold))
    seen: set[tuple[int, int]] = set()
    matches: list[Match] = []
    for done, block in enumerate(blocks, start=1):
        for i, j in _candidate_pairs(items, block, involved, cutoff):
            if i == j:
                continue
            pair = (i, j) if i < j else (j, i)
            if pair in seen:
                continue
            seen.add(pair)
            a, b = items[pair[0]], items[pair[1]]
            score, evidence = pair_score(a, b)
            if score >= threshold:
                left, right = sorted((a.record.id, b.record.id))
                matches.append(Match(left, right, score, evidence))
        if on_progress is not None and (done % 500 == 0 or done == len(blocks)):
            on_progress(done, len(blocks))
    matches.sort(key=lambda m: (-m.score, m.left, m.right))
    return matches
