"""The generator's working records (drafts) and the rows it hands to the writer."""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import accumulate

import numpy as np

from matching.catalog import Catalog, haversine_km
from matching.text import fold
from scripts.demo.calibration import CITY_WEIGHTS


def make_id(prefix: str, seed: int, *key: object) -> str:
    """``need_3f2a9c0d1e4b``: a type prefix and 12 hex digits derived from the seed and a key."""
    digest = hashlib.sha256(f"{seed}|{prefix}|{'|'.join(map(str, key))}".encode()).hexdigest()
    return f"{prefix}_{digest[:12]}"


def sub_rng(seed: int, stream: str) -> random.Random:
    """An independent, reproducible random stream per generation stage."""
    return random.Random(f"encadena-demo|{seed}|{stream}")


def largest_remainder(shares: Mapping[str, float], total: int) -> dict[str, int]:
    """Integer counts that sum to ``total`` and follow ``shares`` as closely as possible."""
    norm = sum(shares.values())
    exact = {k: total * v / norm for k, v in shares.items()}
    counts = {k: int(v) for k, v in exact.items()}
    by_remainder = sorted(shares, key=lambda k: (-(exact[k] - counts[k]), list(shares).index(k)))
    for k in by_remainder[: total - sum(counts.values())]:
        counts[k] += 1
    return counts


def quota_labels(shares: Mapping[str, float], total: int, rng: random.Random) -> list[str]:
    """Exactly ``largest_remainder`` many of each label, shuffled."""
    labels = [k for k, n in largest_remainder(shares, total).items() for _ in range(n)]
    rng.shuffle(labels)
    return labels


def allocate(total: int, weights: list[float], minimum: int = 1) -> list[int]:
    """Split an integer ``total`` over items by weight, each at least ``minimum``; sums exactly."""
    n = len(weights)
    if n == 0:
        return []
    spare = max(total - minimum * n, 0)
    norm = sum(weights) or 1.0
    exact = [spare * w / norm for w in weights]
    out = [int(x) for x in exact]
    order = sorted(range(n), key=lambda i: (-(exact[i] - out[i]), i))
    for i in order[: spare - sum(out)]:
        out[i] += 1
    return [x + minimum for x in out]


_CUMULATIVE: dict[int, tuple[Mapping[str, float], list[str], list[float]]] = {}


def pick(rng: random.Random, table: Mapping[str, float]) -> str:
    """A key of ``table`` drawn with its values as weights (cumulative sums cached per table)."""
    cached = _CUMULATIVE.get(id(table))
    if cached is None or cached[0] is not table:
        cached = (table, list(table), list(accumulate(table.values())))
        _CUMULATIVE[id(table)] = cached  # keeps a reference, so the id is never reused
    return rng.choices(cached[1], cum_weights=cached[2])[0]


def uniform_date(rng: random.Random, start: date, end: date) -> date:
    return start + timedelta(days=rng.randint(0, max((end - start).days, 0)))


class Territory:
    """Comunas as arrays: a distance matrix between centroids and weighted draws per region."""

    def __init__(self, catalog: Catalog) -> None:
        self.comunas = sorted(catalog.comunas.values(), key=lambda c: c.cut)
        self.index = {c.cut: i for i, c in enumerate(self.comunas)}
        lat = np.array([c.lat for c in self.comunas])
        lon = np.array([c.lon for c in self.comunas])
        self.distance = haversine_km(lat[:, None], lon[:, None], lat[None, :], lon[None, :])
        self.region_of = [c.region_cut for c in self.comunas]
        self.by_region: dict[str, list[int]] = {}
        for i, c in enumerate(self.comunas):
            self.by_region.setdefault(c.region_cut, []).append(i)
        self.weight = np.ones(len(self.comunas))
        for region, cities in CITY_WEIGHTS.items():
            names = {fold(self.comunas[i].name): i for i in self.by_region.get(region, [])}
            for city, w in cities.items():
                if fold(city) not in names:
                    raise ValueError(f"CITY_WEIGHTS names {city!r}, which is not a comuna of region {region}")
                self.weight[names[fold(city)]] = w
        self._cumulative = {r: np.cumsum(self.weight[idx]).tolist() for r, idx in self.by_region.items()}

    def draw(self, rng: random.Random, region: str) -> int:
        """A comuna of ``region``, the big cities weighing more."""
        return rng.choices(self.by_region[region], cum_weights=self._cumulative[region])[0]

    def near_weights(self, region: str, origin: int, scale_km: float) -> tuple[list[int], list[float]]:
        """Cumulative weights for comunas of ``region``, decaying with distance from ``origin``."""
        idx = self.by_region[region]
        w = self.weight[idx] * np.exp(-self.distance[origin, idx] / scale_km)
        return idx, np.cumsum(w).tolist()

    def name(self, i: int) -> str:
        return self.comunas[i].name

    def cut(self, i: int) -> str:
        return self.comunas[i].cut


@dataclass(slots=True)
class Center:
    id: str
    name: str
    kind: str
    region: str
    comuna: int
    advisors: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Buyer:
    index: int
    rut: str
    name: str
    industry: str
    region: str
    comuna: int
    sector: str
    sales: float
    email: str
    created: date
    projects: list[int] = field(default_factory=list)


@dataclass(slots=True)
class Project:
    index: int
    id: str
    name: str
    kind: str
    industry: str
    region: str
    center: str
    start: date
    end: date
    buyers: list[int] = field(default_factory=list)
    firms: list[int] = field(default_factory=list)


@dataclass(slots=True)
class Firm:
    index: int
    rut: str
    pool: bool
    project: int  # -1 outside the projects' pool
    region: str
    comuna: int
    industry: str
    classes: list[str]
    segment: str = ""
    sales: float | None = None
    employees: int = 0
    gender: str = "unknown"
    cooperative: bool = False
    name: str = ""
    name_key: str = ""
    products: str = ""
    phrases: list[str] = field(default_factory=list)
    phone: str = ""
    email: str = ""
    certifications: dict[str, tuple[str, date]] = field(default_factory=dict)
    created: date = date(2020, 1, 1)
    hours: float = 0.0
    advisors: list[str] = field(default_factory=list)
    advised: list[dict] = field(default_factory=list)  # {advisor, sessions, hours}


@dataclass
class DemoData:
    """Everything the writer puts in the graph, as rows for batched ``UNWIND`` statements."""

    centers: list[dict] = field(default_factory=list)
    advisors: list[dict] = field(default_factory=list)
    buyers: list[dict] = field(default_factory=list)
    projects: list[dict] = field(default_factory=list)
    firms: list[dict] = field(default_factory=list)
    memberships: list[dict] = field(default_factory=list)
    needs: list[dict] = field(default_factory=list)
    proposals: list[dict] = field(default_factory=list)
    alliances: list[dict] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {name: len(rows) for name, rows in self.tables()}

    def tables(self) -> Iterable[tuple[str, list[dict]]]:
        for name in ("centers", "advisors", "buyers", "projects", "firms", "memberships", "needs", "proposals",
                     "alliances"):
            yield name, getattr(self, name)
