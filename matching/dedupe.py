"""Possible duplicate firms: blocking, comparison levels, a Fellegi–Sunter score, clusters.

Comparing every pair of 100,000 firms is 5 * 10^9 comparisons; blocking compares only firms
that share something cheap to group on (Splink's "blocking rules", unioned):

- the same comuna and a distinguishing name word (a firm registered twice by two offices keeps
  its address, and a typo rarely hits every word of a name);
- the same phone or e-mail, in any comuna;
- the same valid RUT, in any comuna;
- the same key words in adjacent comunas, when the caller passes comuna adjacency.

Inside a name, phone or e-mail block, ``rapidfuzz.process.cdist`` scores the sorted-word keys
and keeps pairs at ``PREFILTER_CUTOFF`` or more (an accountant's or a family's phone is shared
by firms with unrelated names); every pair kept, and every pair sharing a RUT, is compared on
each comparison of ``matching.comparisons`` (name, industry words, legal form, ISIC class,
comuna, phone, e-mail, RUT) and scored by the pair model (``matching.pair_model``): the
posterior probability that the two records are one firm, times 100, with the evidence for and
against in Spanish. Pairs at ``threshold`` or more are returned with the connected component
(``matching.clusters``) each belongs to. Pure Python: records in, ``Match`` objects out.

The previous matcher (a rapidfuzz score with bonuses, which set industry words and legal forms
aside as noise) is kept as ``matching.dedupe_previous`` for the benchmark's comparison.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np
from rapidfuzz import fuzz
from rapidfuzz.process import cdist

from matching.clusters import MAX_CLUSTER_SIZE, cluster_of
from matching.comparisons import Levels, Prepared, Register, compare, prepare
from matching.names import normalize_name
from matching.pair_model import PairModel, bits_for, prior_model, probability

# -- thresholds (scores are 0-100) ---------------------------------------------------------------

# A pair is proposed for review when the pair model gives it at least this posterior probability
# (x 100) of being one firm: more likely one firm than two. On the tuning set (scripts/dedupe_sets.py,
# 100,000 records) it is also the cut of best F1 on clusters (0.946; 0.941 at 40, 0.942 at 80);
# docs/imports.md gives the figures on both benchmark sets.
DUPLICATE_THRESHOLD = 50.0
# Blocking-stage cut on the sorted-word key alone (rapidfuzz ``ratio``): low enough to keep a
# name that lost a word ("Merino Sandoval" / "Javier Merino Sandoval") or has two typos.
PREFILTER_CUTOFF = 75

# -- blocking ------------------------------------------------------------------------------------

# Blocks larger than this are skipped: a word that common does not discriminate.
MAX_BLOCK_SIZE = 3000
# Same key words in adjacent comunas are compared only for keys this rare (common surnames in
# neighbouring comunas are namesakes, and would cost millions of comparisons).
MAX_KEY_BLOCK_SIZE = 60
# Name words shorter than this do not form blocks.
MIN_BLOCK_TOKEN_LENGTH = 3
# Blocks at least this large are compared on every core; below it a thread pool costs more than it saves.
PARALLEL_BLOCK_SIZE = 500


@dataclass(frozen=True)
class FirmName:
    """What duplicate detection knows about a firm record.

    ``id`` names the record (a RUT in the graph, a line in a file). ``rut`` is the RUT the record
    carries, compared as evidence; leave it ``None`` where every record's RUT differs by
    construction (the graph keys firms by RUT, so there two RUTs say nothing).
    """

    id: str
    name: str
    comuna: str | None = None
    sectors: tuple[str, ...] = ()
    phone: str | None = None
    email: str | None = None
    rut: str | None = None


@dataclass(frozen=True)
class Match:
    """A possible duplicate pair (``left < right``) with its score and the reasons, in Spanish.

    ``weights`` lists ``(comparison, level, bits)`` for every comparison; ``cluster`` is the id
    of the connected component of proposed pairs the pair belongs to, ``cluster_size`` its records.
    """

    left: str
    right: str
    score: float
    evidence: tuple[str, ...]
    weights: tuple[tuple[str, str, float], ...] = ()
    cluster: str = ""
    cluster_size: int = 2

    @property
    def suspicious_cluster(self) -> bool:
        """More records chained than one firm is usually written (``MAX_CLUSTER_SIZE``)."""
        return self.cluster_size > MAX_CLUSTER_SIZE


@dataclass(frozen=True)
class _Blocks:
    """Groups of records to compare within (blocking rules, unioned; a pair may sit in several)."""

    names: list[list[int]]  # same comuna and a key word, or same phone or e-mail: prefiltered on the key
    ruts: list[list[int]]  # same valid RUT anywhere: every pair compared
    keys: list[list[int]]  # same key words: every pair in the same or adjacent comunas compared

    @property
    def total(self) -> int:
        return len(self.names) + len(self.ruts) + len(self.keys)


def _blocks(items: Sequence[Prepared], adjacent_keys: bool) -> _Blocks:
    names: dict[tuple[str, str], list[int]] = defaultdict(list)
    ruts: dict[str, list[int]] = defaultdict(list)
    keys: dict[str, list[int]] = defaultdict(list)
    for i, item in enumerate(items):
        comuna = item.record.comuna or ""
        for word in item.words:
            if len(word) >= MIN_BLOCK_TOKEN_LENGTH:
                names[(comuna, word)].append(i)
        if item.phone:
            names[("phone", item.phone)].append(i)
        if item.email:
            names[("email", item.email)].append(i)
        if item.rut:
            ruts[item.rut].append(i)
        if adjacent_keys:
            keys[item.sorted_key].append(i)
    return _Blocks([m for m in names.values() if 1 < len(m) <= MAX_BLOCK_SIZE],
                   [m for m in ruts.values() if 1 < len(m) <= MAX_BLOCK_SIZE],
                   [m for m in keys.values() if 1 < len(m) <= MAX_KEY_BLOCK_SIZE
                    and len({items[i].record.comuna for i in m}) > 1])


def _name_pairs(items: Sequence[Prepared], block: list[int], involved: set[int] | None,
                cutoff: int) -> Iterable[tuple[int, int]]:
    """Pairs of one name block whose sorted keys score at least ``cutoff``."""
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


def _all_pairs(block: list[int], involved: set[int] | None) -> Iterable[tuple[int, int]]:
    for x in range(len(block)):
        i = block[x]
        for j in block[x + 1:]:
            if involved is None or i in involved or j in involved:
                yield i, j


def find_duplicates(records: Sequence[FirmName], *, threshold: float = DUPLICATE_THRESHOLD,
                    involving: set[str] | None = None,
                    on_progress: Callable[[int, int], None] | None = None,
                    adjacency: Mapping[str, frozenset[str]] | None = None,
                    model: PairModel | None = None) -> list[Match]:
    """Possible duplicate pairs among ``records``, best first.

    Parameters
    ----------
    records : sequence of FirmName
        Records with distinct ids.
    threshold : float
        Minimum score (0-100, the pair model's probability of one firm x 100) for a pair to be returned.
    involving : set of str, optional
        When given, only pairs with at least one id in this set are compared (an import
        checks its own rows against each other and against the firms already stored).
    on_progress : callable, optional
        Called as ``on_progress(blocks_done, blocks_total)`` while blocks are compared.
    adjacency : mapping of str to frozenset of str, optional
        Comuna CUT code -> CUT codes of adjacent comunas (``Catalog.adjacency``). Without it,
        adjacent comunas count as any other comuna and are not blocked together.
    model : PairModel, optional
        The weights to score with; the documented prior (``pair_model.prior_model``) by default.

    Returns
    -------
    list of Match
        Sorted by score, highest first, then by ids; each with its cluster id and size.
    """
    model = model or prior_model()
    items = [prepare(r) for r in records]
    register = Register.of(items, adjacency)
    involved = None if involving is None else {i for i, it in enumerate(items) if it.record.id in involving}
    blocks = _blocks(items, adjacent_keys=bool(adjacency))
    size_bits = model.size_bits(register.records)
    min_bits = bits_for(threshold) - 1e-9
    seen: set[int] = set()
    n = len(items)
    kept: list[tuple[float, int, int, Levels]] = []

    def score(i: int, j: int) -> None:
        pair = i * n + j if i < j else j * n + i
        if i == j or pair in seen:
            return
        seen.add(pair)
        a, b = (items[i], items[j]) if i < j else (items[j], items[i])
        levels = compare(a, b, register)
        bits = model.bits(a, levels, register, size_bits)
        if bits >= min_bits:
            kept.append((bits, min(i, j), max(i, j), levels))

    done = 0

    def step() -> None:
        nonlocal done
        done += 1
        if on_progress is not None and (done % 500 == 0 or done == blocks.total):
            on_progress(done, blocks.total)

    for block in blocks.names:
        for i, j in _name_pairs(items, block, involved, PREFILTER_CUTOFF):
            score(i, j)
        step()
    for block in blocks.ruts:
        for i, j in _all_pairs(block, involved):
            score(i, j)
        step()
    for block in blocks.keys:
        for i, j in _all_pairs(block, involved):
            if _near(items[i], items[j], register):
                score(i, j)
        step()
    if on_progress is not None and not blocks.total:
        on_progress(0, 0)

    matches = []
    for bits, i, j, levels in kept:
        a, b = items[i], items[j]
        value = round(100.0 * probability(bits), 1)
        if value < threshold:
            continue
        if b.record.id < a.record.id:
            a, b = b, a
        terms = model.terms(a, b, levels, register)
        matches.append(Match(a.record.id, b.record.id, value, model.evidence(a, b, levels, register),
                             tuple((t.comparison, t.level, t.bits) for t in terms)))
    return _with_clusters(matches)


def _near(a: Prepared, b: Prepared, register: Register) -> bool:
    """Same comuna or adjacent ones (what a block on key words alone may compare)."""
    ca, cb = a.record.comuna, b.record.comuna
    return bool(ca and cb and (ca == cb or cb in register.adjacency.get(ca, ())))


def _with_clusters(matches: list[Match]) -> list[Match]:
    """The matches with their cluster id and size, best first."""
    of = cluster_of((m.left, m.right) for m in matches)
    out = [replace(m, cluster=of[m.left].id, cluster_size=of[m.left].size) for m in matches]
    out.sort(key=lambda m: (-m.score, m.left, m.right))
    for k, m in enumerate(out):
        if m.suspicious_cluster:
            out[k] = replace(m, evidence=(*m.evidence, f"Grupo de {m.cluster_size} registros encadenados por pares "
                                                       "parecidos: revise el grupo completo antes de fusionar."))
    return out


def exact_duplicates(records: Sequence[FirmName]) -> list[tuple[str, str]]:
    """Baseline: pairs whose normalized names are identical (no fuzzy matching, no blocking)."""
    groups: dict[str, list[str]] = defaultdict(list)
    for record in records:
        groups[normalize_name(record.name)].append(record.id)
    pairs = []
    for ids in groups.values():
        ids.sort()
        pairs += [(ids[i], ids[j]) for i in range(len(ids)) for j in range(i + 1, len(ids))]
    return pairs
