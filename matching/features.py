"""The feature matrix of a need's whole candidate set, computed at once (numpy, no query per firm).

Input is a ``CandidateBatch``: the need's ``NeedContext``, the candidates' raw attributes as
``graph_schema.candidates`` returns them, the reference ``Catalog`` and the sector tiers of the
search. ``CandidateFeaturizer`` (a scikit-learn transformer) turns it into a matrix with one
column per name in ``ALL_FEATURES``, every value in [0, 1]:

=====================  ===================================================================
sector_similarity      1 own ISIC class (or under the need's sector), 0.75 same group,
                       0.5 same division, 0.25 same section, 0 otherwise
proximity              exp(-km / PROXIMITY_SCALE_KM) between comuna centroids
same_comuna ...        1 when in the need's comuna / an adjacent one / same province / region
cert_coverage          share of required certifications held: valid counts 1, in progress
                       IN_PROGRESS_CREDIT when expected before the deadline, expired 0
cert_missing           share of required certifications with no credit at all
other_certifications   other valid certifications, saturating at OTHER_CERTS_SATURATION
capacity_fit           1 when the need's volume is within the firm's capacity
                       (``matching.capacity``: declared, else CAPACITY_SHARE of annual sales),
                       minus 0.5 per tenfold beyond; CAPACITY_UNKNOWN if unknown
text_similarity        need description vs firm products (``matching.text_similarity``)
alliances_with_buyer   earlier alliances with this buyer, saturating at COUNT_SATURATION
alliances_with_sector  earlier alliances with other buyers of the buyer's ISIC division
cooperative            1 for a cooperative or a member of one
advisory_hours         log(1 + hours) / log(1 + ADVISORY_HOURS_SATURATION), at most 1
past_accepted          the firm's earlier proposals (other needs) that buyers accepted
past_rejected          ... and rejected
supplier_closeness     1 shares a cooperative with a current supplier of the buyer,
                       0.5 same comuna as one, 0 otherwise
prefer_*               1 when the need asks for that preference and the firm qualifies: a
                       cooperative or member of one; a micro firm; a valid Sello Empresa
                       Mujer (``WOMEN_LED_SEAL``; never the owner's gender)
=====================  ===================================================================

Everything time-dependent is read "as of" ``NeedContext.as_of`` (now when serving; the moment
the first proposal was made when building training data), and the need's own proposals never
feed its features, so a decision cannot leak into the example it labels.
"""

from __future__ import annotations

import math
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin

from matching.capacity import CAPACITY_SHARE, candidate_capacity_uf
from matching.catalog import Catalog, haversine_km
from matching.certifications import (  # noqa: F401  (re-exported: one certification path)
    IN_PROGRESS_CREDIT,
    CertState,
    cert_columns,
    cert_states,
    holds_valid,
)
from matching.dates import native_date
from matching.rows import AllianceRow, CertRow, ProposalRow, SupplierRow  # noqa: F401  (re-exported)
from matching.text_similarity import text_similarity

FEATURES: tuple[str, ...] = (
    "sector_similarity",
    "proximity",
    "same_comuna",
    "adjacent_comuna",
    "same_province",
    "same_region",
    "cert_coverage",
    "cert_missing",
    "other_certifications",
    "capacity_fit",
    "text_similarity",
    "alliances_with_buyer",
    "alliances_with_sector",
    "cooperative",
    "advisory_hours",
    "past_accepted",
    "past_rejected",
    "supplier_closeness",
)
# Boosts a buyer asks for on the need (``prefer``); never learned, never on by default.
PREFERENCE_FEATURES: tuple[str, ...] = ("prefer_cooperative", "prefer_women", "prefer_micro")
ALL_FEATURES: tuple[str, ...] = FEATURES + PREFERENCE_FEATURES
PREFERENCE_OF = {"prefer_cooperative": "cooperatives", "prefer_women": "women", "prefer_micro": "micro"}
# "Women-led firms" is read from the public, consented credential, never from the owner's gender
# (personal data that reaches advisors only): ChileCompra's Sello Empresa Mujer, held valid.
WOMEN_LED_SEAL = "SELLO_MUJER"

# Distance at which proximity has fallen to 1/e (~0.37): a supplier 30 km away is still local.
PROXIMITY_SCALE_KM = 30.0
# A need within a firm's capacity fits; beyond, fit drops 0.5 per 10x.
CAPACITY_UNKNOWN = 0.5
# Counts (alliances, decided proposals) stop adding after this many.
COUNT_SATURATION = 3
OTHER_CERTS_SATURATION = 3
ADVISORY_HOURS_SATURATION = 40.0
SECTOR_SIMILARITY_BY_TIER = (1.0, 0.75, 0.5, 0.25, 0.0)  # own class, group, division, section, none
SUPPLIER_SHARED_COOPERATIVE = 1.0
SUPPLIER_SAME_COMUNA = 0.5
TIER_SECTION, TIER_NONE = 3, 4


@dataclass(frozen=True)
class Supplier:
    """A firm in alliance with the buyer, and since when (epoch seconds)."""

    rut: str
    since: float
    proposal_id: str | None
    comuna: str | None
    coops: frozenset[str]
    cooperative: bool


@dataclass(frozen=True)
class NeedContext:
    """What ranking needs to know about a need and its buyer, read as of ``as_of``."""

    need_id: str
    buyer_rut: str
    comuna: str
    radius_km: float
    sectors: tuple[str, ...]
    text: str = ""
    required: tuple[str, ...] = ()
    mandatory: bool = False
    deadline: date | None = None
    volume_uf: float | None = None
    prefer: frozenset[str] = frozenset()
    as_of: float = field(default_factory=time.time)
    buyer_name: str | None = None
    buyer_comuna: str | None = None
    peer_buyers: frozenset[str] = frozenset()
    suppliers: tuple[Supplier, ...] = ()
    created_at: float | None = None
    status: str = "open"

    @property
    def as_of_date(self) -> date:
        return datetime.fromtimestamp(self.as_of, UTC).date()


def need_context(row: dict, as_of: float | None = None) -> NeedContext:
    """A ``NeedContext`` from ``graph_schema.candidates.fetch_need_context``'s result."""
    need, buyer = row["need"], row.get("buyer") or {}
    suppliers = tuple(
        Supplier(rut=row.rut, since=float(row.since or 0), proposal_id=row.proposal_id, comuna=row.comuna,
                 coops=frozenset(row.coops or ()), cooperative=bool(row.cooperative))
        for row in (SupplierRow(*s) for s in buyer.get("suppliers") or ())
    )
    return NeedContext(
        need_id=need["id"],
        buyer_rut=need["buyer_rut"],
        comuna=need["comuna"],
        radius_km=float(need.get("radius_km") or 0.0),
        sectors=tuple(need.get("sectors") or ()),
        text=" ".join(t for t in (need.get("title"), need.get("description")) if t),
        required=tuple(need.get("required") or ()),
        mandatory=bool(need.get("certifications_mandatory")),
        deadline=native_date(need.get("deadline")),
        volume_uf=need.get("volume_uf"),
        prefer=frozenset(need.get("prefer") or ()),
        as_of=time.time() if as_of is None else as_of,
        buyer_name=buyer.get("name"),
        buyer_comuna=buyer.get("comuna"),
        peer_buyers=frozenset(buyer.get("peers") or ()),
        suppliers=suppliers,
        created_at=need.get("created_at"),
        status=need.get("status") or "open",
    )


def peers_among(catalog: Catalog, buyer_rut: str, buyer_sectors: list[str] | tuple[str, ...],
                candidates: list[dict]) -> frozenset[str]:
    """The buyers of the candidates' alliances that are in the industry of ``buyer_rut``.

    The rule of ``graph_schema.candidates.NEED_CONTEXT``'s peers (same ISIC division, or section for a
    buyer registered at section level), applied only to the buyers ``alliances_with_sector`` can meet:
    those of the candidates' alliances, whose ISIC codes each alliance row carries.
    """
    keys, sections = set(), set()
    for code in buyer_sectors:
        sector = catalog.sectors.get(code)
        if sector is None:
            continue
        keys.add(code if sector.level == "section" else code[:2])
        sections.add(sector.section)
    if not keys:
        return frozenset()
    peers = set()
    for c in candidates:
        for row in c.get("alliances") or ():
            other, codes = row[0], (row[3] if len(row) > 3 else None) or ()
            if other is None or other == buyer_rut or other in peers:
                continue
            for code in codes:
                sector = catalog.sectors.get(code)
                if code[:2] in keys or (sector is not None and (
                        sector.section in keys or (sector.level == "section" and code in sections))):
                    peers.add(other)
                    break
    return frozenset(peers)


@dataclass
class CandidateBatch:
    """One need and its candidates: the transformer's input."""

    context: NeedContext
    candidates: list[dict]
    catalog: Catalog
    tiers: dict[str, int]


@dataclass
class FeatureTable:
    """The feature matrix plus the raw values explanations quote (km, counts, hours)."""

    matrix: np.ndarray
    raw: dict[str, np.ndarray]

    def column(self, name: str) -> np.ndarray:
        return self.matrix[:, ALL_FEATURES.index(name)]


# -- the transformer ------------------------------------------------------------------------

class CandidateFeaturizer(TransformerMixin, BaseEstimator):
    """Turn a ``CandidateBatch`` into the ``ALL_FEATURES`` matrix (stateless; ``fit`` learns nothing).

    Parameters
    ----------
    proximity_scale_km : float
        Distance at which ``proximity`` falls to 1/e.
    capacity_share : float
        Share of a firm's annual sales a single need may take with a perfect ``capacity_fit``.
    in_progress_credit : float
        Credit of an in-progress certification expected before the deadline.
    """

    def __init__(self, proximity_scale_km: float = PROXIMITY_SCALE_KM, capacity_share: float = CAPACITY_SHARE,
                 in_progress_credit: float = IN_PROGRESS_CREDIT):
        self.proximity_scale_km = proximity_scale_km
        self.capacity_share = capacity_share
        self.in_progress_credit = in_progress_credit

    def fit(self, X=None, y=None):
        """Nothing to learn; kept for the transformer contract."""
        return self

    def transform(self, X: CandidateBatch) -> np.ndarray:
        return self.extract(X).matrix

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        return np.asarray(ALL_FEATURES, dtype=object)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.requires_fit = False
        return tags

    def extract(self, batch: CandidateBatch) -> FeatureTable:
        """The matrix and the raw values behind it, for every candidate of the batch at once."""
        ctx, cands, catalog = batch.context, batch.candidates, batch.catalog
        n = len(cands)
        columns: dict[str, np.ndarray] = {}
        raw: dict[str, np.ndarray] = {}
        if n == 0:
            return FeatureTable(np.zeros((0, len(ALL_FEATURES))), {})

        # Sector: the best tier among the firm's classes.
        need_sections = {catalog.sectors[c].section for c in ctx.sectors if c in catalog.sectors}
        tiers = np.fromiter((_tier(c["sectors"], batch.tiers, catalog, need_sections) for c in cands),
                            dtype=np.int64, count=n)
        columns["sector_similarity"] = np.asarray(SECTOR_SIMILARITY_BY_TIER)[tiers]
        raw["tier"] = tiers

        # Territory, vectorized over comuna centroids.
        origin = catalog.comunas[ctx.comuna]
        comunas = [catalog.comunas.get(c["comuna"]) for c in cands]
        lat = np.array([c.lat if c else np.nan for c in comunas])
        lon = np.array([c.lon if c else np.nan for c in comunas])
        km = haversine_km(origin.lat, origin.lon, lat, lon)
        km = np.where(np.isnan(km), 1e4, km)
        raw["distance_km"] = km
        columns["proximity"] = np.exp(-km / self.proximity_scale_km)
        cuts = np.array([c["comuna"] or "" for c in cands], dtype=object)
        columns["same_comuna"] = (cuts == ctx.comuna).astype(float)
        neighbours = catalog.adjacency.get(ctx.comuna, frozenset())
        columns["adjacent_comuna"] = np.fromiter((c in neighbours for c in cuts), dtype=float, count=n)
        provinces = np.array([c.province_cut if c else "" for c in comunas], dtype=object)
        regions = np.array([c.region_cut if c else "" for c in comunas], dtype=object)
        columns["same_province"] = (provinces == origin.province_cut).astype(float)
        columns["same_region"] = (regions == origin.region_cut).astype(float)

        # Certifications.
        as_of_date = ctx.as_of_date
        credits, others = cert_columns(ctx.required, cands, as_of_date, ctx.deadline, self.in_progress_credit)
        if ctx.required:
            columns["cert_coverage"] = credits.mean(axis=1)
            columns["cert_missing"] = (credits == 0).mean(axis=1)
        else:
            columns["cert_coverage"] = np.zeros(n)
            columns["cert_missing"] = np.zeros(n)
        raw["other_certifications"] = others
        columns["other_certifications"] = np.minimum(others, OTHER_CERTS_SATURATION) / OTHER_CERTS_SATURATION

        # Capacity: the need's volume against what the firm can supply one buyer.
        capacity = np.array([
            _or_nan(candidate_capacity_uf(c, self.capacity_share))
            for c in cands
        ], dtype=float)
        columns["capacity_fit"] = self._capacity_fit(ctx.volume_uf, capacity)

        # Text.
        columns["text_similarity"] = text_similarity(ctx.text, [c.get("products") for c in cands])

        # Graph signals, read as of ``ctx.as_of``.
        with_buyer, with_sector = self._alliance_counts(ctx, cands)
        raw["alliances_with_buyer"], raw["alliances_with_sector"] = with_buyer, with_sector
        columns["alliances_with_buyer"] = _saturate(with_buyer)
        columns["alliances_with_sector"] = _saturate(with_sector)
        coop = np.fromiter((bool(c.get("cooperative")) or bool(c.get("coops")) for c in cands), dtype=float, count=n)
        columns["cooperative"] = coop
        hours = np.array([float(c.get("advisory_hours") or 0.0) for c in cands])
        raw["advisory_hours"] = hours
        columns["advisory_hours"] = np.minimum(np.log1p(hours) / math.log1p(ADVISORY_HOURS_SATURATION), 1.0)
        accepted, rejected = self._proposal_counts(ctx, cands)
        raw["past_accepted"], raw["past_rejected"] = accepted, rejected
        columns["past_accepted"] = _saturate(accepted)
        columns["past_rejected"] = _saturate(rejected)
        columns["supplier_closeness"] = self._supplier_closeness(ctx, cands)

        # Preferences the buyer asked for.
        columns["prefer_cooperative"] = coop * ("cooperatives" in ctx.prefer)
        columns["prefer_women"] = (holds_valid(cands, WOMEN_LED_SEAL, as_of_date) if "women" in ctx.prefer
                                   else np.zeros(n))
        micro = np.fromiter((str(c.get("size_segment") or "").startswith("micro") for c in cands),
                            dtype=float, count=n)
        columns["prefer_micro"] = micro * ("micro" in ctx.prefer)

        matrix = np.column_stack([columns[name] for name in ALL_FEATURES]).astype(float)
        return FeatureTable(matrix, raw)

    # -- helpers -----------------------------------------------------------------------------

    @staticmethod
    def _capacity_fit(volume: float | None, capacity: np.ndarray) -> np.ndarray:
        """Fit of ``volume`` to each capacity (NaN: unknown; a declared 0 fits nothing)."""
        if not volume:
            return np.full(capacity.shape, CAPACITY_UNKNOWN)
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = volume / capacity
            fit = np.clip(1.0 - np.log10(np.maximum(ratio, 1.0)) / 2.0, 0.0, 1.0)
        return np.where(np.isnan(capacity), CAPACITY_UNKNOWN, np.where(capacity > 0, fit, 0.0))

    @staticmethod
    def _alliance_counts(ctx: NeedContext, cands: list[dict]) -> tuple[np.ndarray, np.ndarray]:
        with_buyer = np.zeros(len(cands))
        with_sector = np.zeros(len(cands))
        for i, c in enumerate(cands):
            for buyer, created, _proposal, *_sectors in c.get("alliances") or ():  # AllianceRow
                if created is not None and created >= ctx.as_of:
                    continue
                if buyer == ctx.buyer_rut:
                    with_buyer[i] += 1
                elif buyer in ctx.peer_buyers:
                    with_sector[i] += 1
        return with_buyer, with_sector

    @staticmethod
    def _proposal_counts(ctx: NeedContext, cands: list[dict]) -> tuple[np.ndarray, np.ndarray]:
        accepted = np.zeros(len(cands))
        rejected = np.zeros(len(cands))
        for i, c in enumerate(cands):
            for _pid, need_id, status, _created, decided in c.get("proposals") or ():  # ProposalRow
                if need_id == ctx.need_id or decided is None or decided >= ctx.as_of:
                    continue
                if status == "accepted":
                    accepted[i] += 1
                elif status == "rejected":
                    rejected[i] += 1
        return accepted, rejected

    @staticmethod
    def _supplier_closeness(ctx: NeedContext, cands: list[dict]) -> np.ndarray:
        out = np.zeros(len(cands))
        current = [s for s in ctx.suppliers if s.since < ctx.as_of]
        if not current:
            return out
        # How many current suppliers bring each cooperative and each comuna, so a candidate that is
        # itself a supplier can be taken out of the counts without looping over the suppliers.
        by_coop: Counter[str] = Counter()
        by_comuna: Counter[str] = Counter()
        own: dict[str, tuple[set[str], str | None]] = {}
        for s in {s.rut: s for s in current}.values():
            coops = set(s.coops) | ({s.rut} if s.cooperative else set())
            by_coop.update(coops)
            by_comuna[s.comuna or ""] += 1
            own[s.rut] = (coops, s.comuna)
        no_coops: set[str] = set()
        for i, c in enumerate(cands):
            mine_coops, mine_comuna = own.get(c["rut"], (no_coops, None))
            theirs: tuple[str, ...] = tuple(c.get("coops") or ())
            if c.get("cooperative"):
                theirs = (*theirs, c["rut"])
            if theirs and any(by_coop[k] - (k in mine_coops) > 0 for k in theirs):
                out[i] = SUPPLIER_SHARED_COOPERATIVE
            elif c["comuna"] and by_comuna[c["comuna"]] - (mine_comuna == c["comuna"]) > 0:
                out[i] = SUPPLIER_SAME_COMUNA
        return out


def _tier(codes: list[str], tiers: dict[str, int], catalog: Catalog, need_sections: set[str]) -> int:
    best = TIER_NONE
    for code in codes or ():
        tier = tiers.get(code)
        if tier is None:
            sector = catalog.sectors.get(code)
            tier = TIER_SECTION if sector is not None and sector.section in need_sections else TIER_NONE
        best = min(best, tier)
    return best


def _or_nan(value: float | None) -> float:
    return np.nan if value is None else value


def _saturate(counts: np.ndarray) -> np.ndarray:
    return np.minimum(counts, COUNT_SATURATION) / COUNT_SATURATION
