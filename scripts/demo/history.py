"""The program's history: closed needs, advisors' proposals, the simulated buyer's decisions,
the alliances they produce, and the current call of open needs.

Advisors propose plausible candidates: firms in the need's ISIC division (same class or group
preferred) within twice the radius, favouring the firms of the need's project. Decisions are
taken in time order so that "earlier alliances with this buyer" is what the buyer could know.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np

from matching.capacity import CAPACITY_SHARE
from scripts.demo import calibration as cal
from scripts.demo import simulated_buyer as sim
from scripts.demo.industries import INDUSTRIES, SUPPLIER_CLASSES
from scripts.demo.model import (
    Buyer,
    Center,
    Firm,
    Project,
    Territory,
    allocate,
    make_id,
    pick,
    sub_rng,
    uniform_date,
)
from scripts.demo.names import Namer

# Advisors rank candidates by closeness of sector and place, plus their own knowledge: firms of
# the need's project first, then other firms in projects. Gumbel noise makes it a sampled top-k.
PLAUSIBILITY_SECTOR = 2.0
PLAUSIBILITY_PLACE = 1.5
PLAUSIBILITY_SAME_PROJECT = 3.0
PLAUSIBILITY_POOL = 2.2
PLAUSIBILITY_NOISE = 0.8
# Advisors spread opportunities: each earlier proposal of a firm lowers its plausibility.
PLAUSIBILITY_REPEAT = 0.7
CANDIDATE_RADIUS_FACTOR = 2.0
# Program alliances group at most this many firms of a project with one of its buyers.
MAX_FIRMS_PER_PROGRAM_ALLIANCE = 3
# Chance that a need's proposals include one firm that is not in any project.
OUTSIDE_POOL_CHANCE = 0.2
# Share of needs asking for what the project's own firms make (the rest: the industry's list).
NEED_FROM_PROJECT_FIRMS = 0.9
SECTOR_LEVEL_SHARES = {"class": 0.6, "group": 0.3, "division": 0.1}
PREFERENCES = ("cooperatives", "women", "micro")

_GOODS_TITLES = ("Suministro de {}", "Compra de {}", "Proveedor local de {}")
_SERVICE_TITLES = ("Servicio de {}", "Contratación de {}", "Proveedor local de {}")
_EXTRAS = (
    "Se valoran entregas semanales.", "Contrato inicial por 12 meses, renovable.", "Pago a 30 días.",
    "Se requiere capacidad de respuesta ante emergencias.", "Se privilegian proveedores de la zona.",
    "Se solicita experiencia previa con empresas del rubro.",
)


@dataclass
class WorldState:
    seed: int
    scale: float
    geo: Territory
    namer: Namer
    centers: list[Center]
    buyers: list[Buyer]
    projects: list[Project]
    firms: list[Firm]


@dataclass
class History:
    needs: list[dict] = field(default_factory=list)
    proposals: list[dict] = field(default_factory=list)
    alliances: list[dict] = field(default_factory=list)


@dataclass(slots=True)
class _Need:
    index: int
    id: str
    buyer: Buyer
    project: Project | None
    sector: str
    title: str
    description: str
    radius: int
    volume: float
    created: date
    deadline: date
    required: list[str]
    mandatory: bool
    prefer: list[str]
    comuna: int
    status: str
    tokens: frozenset[str]
    # The part of the volume one supplier is asked for: all of it, or for a group-supply need the
    # share of an ordinary need (the buyer takes each firm as one supplier among several).
    per_supplier_volume: float = 0.0


@dataclass(slots=True)
class _Proposal:
    id: str
    need: _Need
    firm: Firm
    advisor: str
    note: str
    created: date
    decided: date | None = None
    status: str = "pending"
    reason: str | None = None


def build_history(world: WorldState) -> History:
    builder = _HistoryBuilder(world)
    builder.early_alliances()
    builder.closed_needs()
    builder.decide()
    builder.late_alliances()
    builder.open_needs()
    return builder.result()


def _fmt_uf(value: float) -> str:
    return f"{value:,.0f}".replace(",", ".")


def _fmt_hours(value: float) -> str:
    return f"{value:g}".replace(".", ",")


class _HistoryBuilder:
    def __init__(self, world: WorldState) -> None:
        self.w = world
        self.seed = world.seed
        self.needs: list[_Need] = []
        self.proposals: list[_Proposal] = []
        self.alliances: list[dict] = []
        # (firm index, buyer index) -> dates of their alliances, for "earlier alliances".
        self.allied: dict[tuple[int, int], list[date]] = {}
        self.last_decision: dict[int, date] = {}
        self.advisor_center = {a: c.id for c in world.centers for a in c.advisors}
        self.centers = {c.id: c for c in world.centers}
        self.np_rng = np.random.default_rng(int.from_bytes(f"{world.seed}".encode(), "big") % (2**32))
        firms = world.firms
        self.f_comuna = np.array([f.comuna for f in firms], dtype=np.int32)
        self.f_class_a = np.array([int(f.classes[0]) for f in firms], dtype=np.int32)
        self.f_class_b = np.array([int(f.classes[1]) if len(f.classes) > 1 else -1 for f in firms], dtype=np.int32)
        self.f_project = np.array([f.project for f in firms], dtype=np.int32)
        self.f_pool = np.array([f.pool for f in firms], dtype=bool)
        self.proposed = np.zeros(len(firms), dtype=np.int32)
        # What each firm can supply one buyer (matching.capacity's rule on the demo's own figures).
        self.f_capacity = np.array([
            0.0 if f.segment == "grande" or not f.sales else
            (cal.declared_capacity(world.seed, f.rut, f.sales) or CAPACITY_SHARE * f.sales) for f in firms])
        by_division: dict[str, set[int]] = {}
        for f in firms:
            if f.segment == "grande":
                continue  # large firms are buyers' peers, never proposed as suppliers
            for code in f.classes:
                by_division.setdefault(code[:2], set()).add(f.index)
        self.by_division = {d: np.array(sorted(ix), dtype=np.int32) for d, ix in by_division.items()}
        self.tokens: dict[int, frozenset[str]] = {}
        self._sector_firms: dict[str, np.ndarray] = {}

    # -- alliances -----------------------------------------------------------------------------

    def _alliance(self, key: str, buyer: Buyer, firms: list[Firm], project: Project | None, created: date,
                  origin: str, proposal_id: str | None = None) -> None:
        ended = project is not None and project.end < cal.DATA_DATE
        self.alliances.append({
            "id": make_id("ally", self.seed, key), "buyer": buyer.rut, "firms": [f.rut for f in firms],
            "project": project.id if project else None, "created": cal.at_noon(created),
            "props": {"status": "ended" if ended else "active",
                      "origin": origin, "proposal_id": proposal_id, "demo": True},
        })
        for firm in firms:
            self.allied.setdefault((firm.index, buyer.index), []).append(created)

    def early_alliances(self) -> None:
        """A few pool firms allied with their project's buyer as the project began."""
        rng = sub_rng(self.seed, "early-alliances")
        for project in self.w.projects:
            for fi in project.firms:
                if rng.random() < cal.EARLY_PROGRAM_ALLIANCE_SHARE:
                    buyer = self.w.buyers[rng.choice(project.buyers)]
                    day = project.start + timedelta(days=rng.randint(0, 60))
                    self._alliance(f"early|{fi}", buyer, [self.w.firms[fi]], project, day, "program")

    def late_alliances(self) -> None:
        """Every pool firm still without an alliance joins one with its project's buyer.

        These alliances group one to a few firms, as many as it takes for the program's alliance
        count (DESIGN.md: about 2,000 at the default size), and are dated after each member's last
        decision so that no decision could have known them.
        """
        rng = sub_rng(self.seed, "late-alliances")
        allied_firms = {fi for fi, _ in self.allied}
        waiting = [[fi for fi in p.firms if fi not in allied_firms] for p in self.w.projects]
        total = sum(len(w) for w in waiting)
        if not total:
            return
        target = round(cal.PROGRAM_FIGURES["alliances"] * self.w.scale) - len(self.alliances)
        groups = min(max(target, math.ceil(total / MAX_FIRMS_PER_PROGRAM_ALLIANCE)), total)
        per_project = allocate(groups, [len(w) for w in waiting], minimum=0)
        for project, firms, n_groups in zip(self.w.projects, waiting, per_project, strict=True):
            if not firms:
                continue
            n_groups = min(max(n_groups, 1), len(firms))
            rng.shuffle(firms)
            for g in range(n_groups):
                members = [self.w.firms[fi] for fi in firms[g::n_groups]]
                buyer = self.w.buyers[rng.choice(project.buyers)]
                day = project.start + timedelta(days=rng.randint(30, 150))
                for m in members:
                    if m.index in self.last_decision:
                        day = max(day, self.last_decision[m.index] + timedelta(days=rng.randint(1, 20)))
                self._alliance(f"late|{project.id}|{g}", buyer, members, project, min(day, cal.PROGRAM_YEAR_END),
                               "program")

    # -- needs ---------------------------------------------------------------------------------

    def _need(self, rng: random.Random, buyer: Buyer, project: Project | None, created: date, deadline: date,
              status: str) -> _Need:
        ind = INDUSTRIES[buyer.industry]
        if project is not None and project.firms and rng.random() < NEED_FROM_PROJECT_FIRMS:
            code = self.w.firms[rng.choice(project.firms)].classes[0]
        else:
            code = pick(rng, ind.suppliers)
        cls = SUPPLIER_CLASSES[code]
        level = pick(rng, SECTOR_LEVEL_SHARES)
        sector = {"class": code, "group": code[:3], "division": code[:2]}[level]
        phrases = rng.sample(cls.products, 2 if rng.random() < 0.5 and len(cls.products) > 1 else 1)
        what = " y ".join(phrases)
        title = rng.choice(_GOODS_TITLES if cls.kind == "bien" else _SERVICE_TITLES).format(phrases[0])
        volume = per_supplier = round(math.exp(rng.uniform(*(math.log(v) for v in ind.volume_uf))), -1)
        group_supply = cal.group_supply_need(self.seed, len(self.needs), project.kind if project is not None else None)
        short = buyer.name.removesuffix(" S.A.")
        description = (f"{short} busca proveedores locales de {what} para {rng.choice(ind.contexts)}. "
                       f"{rng.choice(_EXTRAS)} Volumen estimado: {_fmt_uf(volume)} UF al año.")
        required: list[str] = []
        if rng.random() < 0.5:
            options = [c for c in cls.certifications if c in ind.certifications] or list(cls.certifications) \
                or list(ind.certifications)
            required = rng.sample(options, min(len(options), 2 if rng.random() < 0.25 else 1))
        prefer: list[str] = []
        roll = rng.random()
        if roll < 0.04:
            prefer = sorted(rng.sample(PREFERENCES, 2))
        elif roll < 0.22:
            prefer = [rng.choice(PREFERENCES)]
        comuna = buyer.comuna if rng.random() < 0.7 else self.w.geo.draw(rng, buyer.region)
        index = len(self.needs)
        radius = int(round(rng.randint(*ind.radius_km), -1))
        mandatory = bool(required) and rng.random() < 0.35
        if group_supply:
            volume = self._group_supply_volume(index, sector, comuna, radius, volume)
        need = _Need(
            index, make_id("need", self.seed, index), buyer, project, sector, title, description,
            radius, volume, created, deadline, required, mandatory, prefer, comuna, status,
            sim.content_tokens(f"{title} {description}"), per_supplier,
        )
        self.needs.append(need)
        return need

    def _group_supply_volume(self, index: int, sector: str, comuna: int, radius: int, volume: float) -> float:
        """A volume past what the largest firm of the need's own sector within the radius can supply.

        Supplier networks and short value chains exist for volumes no single micro firm covers.
        """
        own = self._firms_of_sector(sector)
        near = self.w.geo.distance[comuna, self.f_comuna[own]] <= radius
        largest = float(self.f_capacity[own][near].max(initial=0.0))
        low, high = cal.GROUP_SUPPLY_OVER_LARGEST
        factor = low + (high - low) * cal.unit_draw(self.seed, f"need-{index}:group-volume")
        return max(round(volume * cal.GROUP_SUPPLY_VOLUME_FACTOR, -1), round(largest * factor, -1))

    def _firms_of_sector(self, sector: str) -> np.ndarray:
        """Indices of the firms with a class under ``sector`` (a class, group or division code), memoized:
        the test over every firm took ~20 ms per need at a million firms, minutes over the history."""
        found = self._sector_firms.get(sector)
        if found is None:
            code, scale = int(sector), 10 ** (4 - len(sector))
            found = np.flatnonzero((self.f_class_a // scale == code) | (self.f_class_b // scale == code))
            self._sector_firms[sector] = found
        return found

    def _candidates(self, need: _Need, k: int) -> list[Firm]:
        """Up to ``k`` plausible firms, as an advisor would pick them."""
        pool = self.by_division.get(need.sector[:2])
        if pool is None or not len(pool):
            return []
        dist = self.w.geo.distance[need.comuna, self.f_comuna[pool]]
        near = dist <= need.radius * CANDIDATE_RADIUS_FACTOR
        ix, dist = pool[near], dist[near]
        if not len(ix):
            return []
        code = int(need.sector)
        a, b = self.f_class_a[ix], self.f_class_b[ix]
        closeness = np.zeros(len(ix))
        for cls in (a, b):
            valid = cls >= 0
            if len(need.sector) == 4:
                score = np.where(cls == code, 1.0, np.where(cls // 10 == code // 10, 0.6, 0.3))
            elif len(need.sector) == 3:
                score = np.where(cls // 10 == code, 1.0, 0.3)
            else:
                score = np.ones(len(ix))
            closeness = np.maximum(closeness, np.where(valid & (cls // 100 == int(need.sector[:2])), score, 0.0))
        project = need.project.index if need.project else -2
        score = (PLAUSIBILITY_SECTOR * closeness
                 - PLAUSIBILITY_REPEAT * self.proposed[ix]
                 + PLAUSIBILITY_PLACE * (1.0 - dist / (need.radius * CANDIDATE_RADIUS_FACTOR))
                 + np.where(self.f_project[ix] == project, PLAUSIBILITY_SAME_PROJECT,
                            np.where(self.f_pool[ix], PLAUSIBILITY_POOL, 0.0))
                 + PLAUSIBILITY_NOISE * self.np_rng.gumbel(size=len(ix)))
        order = np.argsort(-score, kind="stable")
        in_pool = self.f_pool[ix[order]]
        top = order[in_pool][:k]
        # Now and then an advisor proposes a client outside the projects (one at most per need).
        outside = order[~in_pool][:1]
        if len(outside) and (not len(top) or self.np_rng.random() < OUTSIDE_POOL_CHANCE):
            top = np.concatenate([top[: k - 1], outside])
        self.proposed[ix[top]] += 1
        return [self.w.firms[int(i)] for i in ix[top]]

    def _proposal(self, rng: random.Random, need: _Need, firm: Firm, created: date) -> _Proposal:
        center_id = need.project.center if need.project else self._center_for(need.buyer).id
        own = [a for a in firm.advisors if self.advisor_center[a] == center_id]
        advisor = rng.choice(own) if own else rng.choice(self.centers[center_id].advisors)
        center = self.centers[center_id]
        note = (f"Propuesta del {center.name}: {firm.name} ofrece {firm.phrases[0]}"
                + (f" y suma {_fmt_hours(firm.hours)} horas de asesoría." if firm.hours else "."))
        proposal = _Proposal(make_id("prop", self.seed, need.id, firm.rut), need, firm, advisor, note, created)
        self.proposals.append(proposal)
        return proposal

    def _center_for(self, buyer: Buyer) -> Center:
        cdn = [c for c in self.w.centers if c.kind == "cdn" and c.region == buyer.region]
        return min(cdn, key=lambda c: (self.w.geo.distance[c.comuna, buyer.comuna], c.id))

    def closed_needs(self) -> None:
        rng = sub_rng(self.seed, "closed-needs")
        target = max(round(cal.DECIDED_PROPOSALS * self.w.scale), 30)
        projects = self.w.projects
        weights = [len(p.firms) for p in projects]
        made = 0
        for _ in range(target * 10):
            if made >= target:
                break
            project = rng.choices(projects, weights=weights)[0]
            buyer = self.w.buyers[rng.choice(project.buyers)]
            first = max(project.start, cal.HISTORY_START)
            last = min(project.end, cal.HISTORY_END - timedelta(days=50))
            created = uniform_date(rng, first, last)
            deadline = created + timedelta(days=rng.randint(45, 150))
            need = self._need(rng, buyer, project, created, deadline, "closed")
            firms = self._candidates(need, rng.randint(*cal.PROPOSALS_PER_NEED))
            if not firms:
                self.needs.pop()
                continue
            for firm in firms:
                p = self._proposal(rng, need, firm, created + timedelta(days=rng.randint(2, 20)))
                p.decided = min(p.created + timedelta(days=rng.randint(3, 30)), cal.HISTORY_END)
                made += 1

    # -- decisions -----------------------------------------------------------------------------

    def offer(self, p: _Proposal) -> sim.Offer:
        need, firm = p.need, p.firm
        if firm.index not in self.tokens:
            self.tokens[firm.index] = sim.content_tokens(firm.products)
        certified = sum(
            1 for code in need.required
            if code in firm.certifications and sim.certification_in_time(*firm.certifications[code], need.deadline)
        )
        prefs = sum((
            "cooperatives" in need.prefer and firm.cooperative,
            "women" in need.prefer and firm.gender == "F",
            "micro" in need.prefer and firm.segment.startswith("micro"),
        ))
        assert p.decided is not None
        prior = sum(1 for d in self.allied.get((firm.index, need.buyer.index), []) if d < p.decided)
        return sim.Offer(
            distance_km=float(self.w.geo.distance[need.comuna, firm.comuna]), radius_km=need.radius,
            sector_closeness=sim.sector_closeness([need.sector], firm.classes), required=len(need.required),
            certified=certified, mandatory=need.mandatory, sales_uf=firm.sales, volume_uf=need.per_supplier_volume,
            prior_alliances=prior, advisory_hours=firm.hours,
            text_overlap=sim.text_overlap(need.tokens, self.tokens[firm.index]), preferences_met=prefs,
        )

    def decide(self) -> None:
        rng = sub_rng(self.seed, "decisions")
        decided = sorted((p for p in self.proposals if p.decided), key=lambda p: (p.decided, p.id))
        for p in decided:
            decision = sim.decide(self.offer(p), sim.logistic_noise(rng.random()))
            p.status = "accepted" if decision.accepted else "rejected"
            p.reason = decision.reason
            assert p.decided is not None
            self.last_decision[p.firm.index] = max(self.last_decision.get(p.firm.index, p.decided), p.decided)
            if decision.accepted:
                self._alliance(f"proposal|{p.id}", p.need.buyer, [p.firm], p.need.project, p.decided, "proposal",
                               p.id)

    # -- the current call ----------------------------------------------------------------------

    def open_needs(self) -> None:
        rng = sub_rng(self.seed, "open-needs")
        total = max(1, round(cal.OPEN_NEEDS * self.w.scale))
        buyers = list(self.w.buyers)
        rng.shuffle(buyers)
        counts = allocate(total, [1 / math.sqrt(rank + 1) for rank in range(len(buyers))], minimum=0)
        for buyer, count in zip(buyers, counts, strict=True):
            for _ in range(count):
                created = uniform_date(rng, *cal.OPEN_NEEDS_POSTED)
                running = [self.w.projects[i] for i in buyer.projects if self.w.projects[i].end >= created]
                project = rng.choice(running) if running else None
                need = self._need(rng, buyer, project, created, uniform_date(rng, *cal.OPEN_NEEDS_DEADLINE), "open")
                if rng.random() < cal.OPEN_NEEDS_WITH_PENDING_SHARE:
                    for firm in self._candidates(need, rng.randint(1, 3)):
                        day = min(created + timedelta(days=rng.randint(1, 15)), cal.DATA_DATE)
                        self._proposal(rng, need, firm, day)

    # -- rows ----------------------------------------------------------------------------------

    def result(self) -> History:
        out = History(alliances=self.alliances)
        for n in self.needs:
            out.needs.append({
                "id": n.id, "buyer": n.buyer.rut, "sectors": [n.sector], "certifications": n.required,
                "comuna": self.w.geo.cut(n.comuna), "created": cal.at_noon(n.created),
                "deadline": n.deadline.isoformat(),
                "props": {
                    "buyer_rut": n.buyer.rut, "title": n.title, "description": n.description, "radius_km": n.radius,
                    "volume_uf": n.volume, "certifications_mandatory": n.mandatory,
                    "prefer": n.prefer, "status": n.status,
                    "project_id": n.project.id if n.project else None, "demo": True,
                },
            })
        for p in self.proposals:
            out.proposals.append({
                "id": p.id, "advisor": p.advisor, "need": p.need.id, "firm": p.firm.rut,
                "created": cal.at_noon(p.created), "decided": cal.at_noon(p.decided) if p.decided else None,
                "props": {
                    "need_id": p.need.id, "firm_rut": p.firm.rut, "note": p.note, "status": p.status,
                    "decision_reason": p.reason, "demo": True,
                },
            })
        return out
