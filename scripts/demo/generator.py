"""The demo data set: a pure, deterministic function of the reference catalog, a size and a seed.

``generate(catalog, firms=N, seed=S)`` returns ``DemoData`` rows; nothing here touches Neo4j.
Stages, each with its own random stream: the CDN network (centers, advisors), projects and their
anchor buyers, firms (the projects' pool and the network's other clients) with exact quotas for
size and owner gender, cooperatives and their members, advisory sessions, then the decision
history and open needs (``scripts.demo.history``).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

import numpy as np
from stdnum.cl import rut as stdnum_rut

from matching.catalog import Catalog
from matching.segments import size_class
from matching.text import fold
from scripts.demo import calibration as cal
from scripts.demo.history import WorldState, build_history
from scripts.demo.industries import (
    GENERAL_SERVICES,
    GENERAL_SERVICES_WEIGHT,
    INDUSTRIES,
    INDUSTRY_BY_REGION,
    SUPPLIER_CLASSES,
)
from scripts.demo.model import (
    Buyer,
    Center,
    DemoData,
    Firm,
    Project,
    Territory,
    allocate,
    make_id,
    pick,
    quota_labels,
    sub_rng,
    uniform_date,
)
from scripts.demo.names import Namer, fold_name

# Demo firms' RUT numbers lie below 10,000,000 (persons trading under their own RUT and older
# companies) so they never meet the RUTs tests draw (tests/conftest.py uses 10M-100M).
FIRM_RUT_RANGE = (1_000_000, 9_999_999)
BUYER_RUT_RANGE = (76_000_000, 96_999_999)
# Firms are handed to the writer this many at a time (one write batch).
FIRM_CHUNK = 5_000
# Members of a cooperative come mostly from within this distance scale of it (km).
COOPERATIVE_RADIUS_KM = 40.0


def scale_of(firms: int) -> float:
    """How much the program's activity (projects, buyers, needs, alliances) grows with the register.

    Up to the calibrated size it grows with the firms; past it, with their square root: a register of
    a million firms is a national one, and the program does not run fifty times more projects for it.
    """
    ratio = firms / cal.DEFAULT_FIRMS
    return ratio if ratio <= 1 else ratio ** 0.5


# Draws of a buyer name before its place is added to tell it apart.
BUYER_NAME_TRIES = 20


def rut_from_number(number: int) -> str:
    """Canonical RUT (``12345678-5``): the number and its check digit."""
    return f"{number}-{stdnum_rut.calc_check_digit(str(number))}"


def check_catalog(catalog: Catalog) -> None:
    """Every ISIC code and certification the vocabulary uses must be in the reference data."""
    missing = [code for code in SUPPLIER_CLASSES if code not in catalog.sectors]
    missing += [code for ind in INDUSTRIES.values() for code in (*ind.buyer_sectors, *ind.suppliers)
                if code not in catalog.sectors]
    certs = {c for cls in SUPPLIER_CLASSES.values() for c in cls.certifications}
    certs |= {c for ind in INDUSTRIES.values() for c in ind.certifications}
    missing += sorted(c for c in certs if c not in catalog.certifications)
    if missing:
        raise ValueError(f"reference data lacks {sorted(set(missing))}; run `encadena load-reference` first")


@dataclass(frozen=True)
class Chunk:
    """Rows of one table, in the order the writer must follow; ``total`` is the table's full size."""

    table: str
    rows: list[dict]
    total: int


def generate_chunks(catalog: Catalog, firms: int = cal.DEFAULT_FIRMS, seed: int = 1,
                    chunk_size: int = FIRM_CHUNK) -> Iterator[Chunk]:
    """The demo data set as a stream of chunks, so writing can start while firms are still made."""
    if firms < cal.MIN_FIRMS:
        raise ValueError(f"the demo needs at least {cal.MIN_FIRMS} firms")
    check_catalog(catalog)
    gen = _Generator(catalog, firms, seed)
    gen.network()
    gen.projects_and_buyers()
    for table, rows in (("centers", gen.center_rows()), ("advisors", gen.advisor_rows),
                        ("buyers", gen.buyer_rows()), ("projects", gen.project_rows())):
        yield Chunk(table, rows, len(rows))
    gen.make_firms()
    gen.cooperatives()
    gen.advice()
    for rows in gen.firm_chunks(chunk_size):
        yield Chunk("firms", rows, firms)
    yield Chunk("memberships", gen.membership_rows(), len(gen.memberships))
    history = build_history(gen.state())
    for table, rows in (("needs", history.needs), ("proposals", history.proposals), ("alliances", history.alliances)):
        yield Chunk(table, rows, len(rows))


def generate(catalog: Catalog, firms: int = cal.DEFAULT_FIRMS, seed: int = 1) -> DemoData:
    """The whole demo data set for ``firms`` firms; the same arguments give the same rows."""
    data = DemoData()
    for chunk in generate_chunks(catalog, firms, seed):
        getattr(data, chunk.table).extend(chunk.rows)
    return data


class _Generator:
    def __init__(self, catalog: Catalog, firms: int, seed: int) -> None:
        self.catalog = catalog
        self.n_firms = firms
        self.seed = seed
        self.scale = scale_of(firms)
        self._buyer_names: set[str] = set()
        self.geo = Territory(catalog)
        self.namer = Namer()
        self.centers: list[Center] = []
        self.coop_center: Center | None = None
        self.advisor_rows: list[dict] = []
        self.buyers: list[Buyer] = []
        self.projects: list[Project] = []
        self.firm_list: list[Firm] = []
        self.memberships: list[tuple[int, int]] = []
        self.firm_rng = sub_rng(seed, "firms")

    def scaled(self, value: float, minimum: int = 0) -> int:
        return max(minimum, round(value * self.scale))

    # -- the CDN network ----------------------------------------------------------------------

    def network(self) -> None:
        rng = sub_rng(self.seed, "network")
        for region in sorted(cal.CENTERS_PER_REGION):
            taken: set[int] = set()
            for k in range(cal.CENTERS_PER_REGION[region]):
                comuna = self.geo.draw(rng, region)
                for _ in range(20):
                    if comuna not in taken:
                        break
                    comuna = self.geo.draw(rng, region)
                taken.add(comuna)
                self.centers.append(Center(
                    make_id("ctr", self.seed, region, k),
                    f"Centro de Desarrollo de Negocios {self.geo.name(comuna)}", "cdn", region, comuna,
                ))
        santiago = next(i for i in self.geo.by_region["13"]
                        if fold(self.geo.name(i)) == fold(cal.COOPERATIVE_CENTER_COMUNA))
        self.coop_center = Center(make_id("ctr", self.seed, "cooperativas"),
                                  "Centro de Desarrollo de Negocios para Cooperativas", "cdn_cooperativas",
                                  "13", santiago)
        self.centers.append(self.coop_center)
        per_center = self.scaled(cal.ADVISORS_PER_CENTER, minimum=2)
        for center in self.centers:
            count = self.scaled(cal.COOPERATIVE_CENTER_ADVISORS, 2) if center.kind == "cdn_cooperativas" else per_center
            for k in range(count):
                advisor_id = make_id("adv", self.seed, center.id, k)
                name = self.namer.person(rng, rng.choice("FFM"))
                center.advisors.append(advisor_id)
                self.advisor_rows.append({
                    "id": advisor_id, "center": center.id,
                    "props": {"name": name, "email": self.namer.advisor_email(name, len(self.advisor_rows) + 1),
                              "demo": True},
                })

    # -- projects and their anchor buyers ------------------------------------------------------

    def projects_and_buyers(self) -> None:
        rng = sub_rng(self.seed, "projects")
        total = self.scaled(sum(cal.PROJECTS_BY_KIND.values()), minimum=len(cal.PROJECTS_BY_KIND))
        kinds = quota_labels(cal.PROJECTS_BY_KIND, total, rng)
        n_coop = round(total * cal.COOPERATIVE_CENTER_PROJECT_SHARE)
        cdn = [c for c in self.centers if c.kind == "cdn"]
        rng.shuffle(cdn)
        buyer_ruts = rng.sample(range(*BUYER_RUT_RANGE), max(4 * total, 50))
        buyer_target = self.scaled(cal.BUYERS, minimum=len(INDUSTRIES))
        slots = int(total * 1.3)
        for i, kind in enumerate(kinds):
            if i < n_coop and self.coop_center:
                center = self.coop_center
                region = pick(rng, cal.REGION_WEIGHTS)
            else:
                center = cdn[i % len(cdn)]
                region = center.region
            affinity = {k: w * INDUSTRIES[k].kinds[kind] for k, w in INDUSTRY_BY_REGION[region].items()}
            if not any(affinity.values()):
                affinity = dict(INDUSTRY_BY_REGION[region])
            industry = rng.choices(list(affinity), weights=list(affinity.values()))[0]
            start = uniform_date(rng, *cal.PROJECT_START)
            end = max(start + timedelta(days=30 * rng.randint(*cal.PROJECT_MONTHS)),
                      cal.PROJECT_MIN_END + timedelta(days=rng.randint(0, 90)))
            project = Project(i, make_id("proj", self.seed, i), "", kind, industry, region, center.id, start, end)
            for _ in range(1 if rng.random() < 0.7 else 2):
                same = [b.index for b in self.buyers if b.industry == industry and b.region == region
                        and b.index not in project.buyers]
                p_new = min(1.0, buyer_target / slots)
                if same and (rng.random() > p_new or len(self.buyers) >= buyer_target):
                    buyer = self.buyers[rng.choice(same)]
                else:
                    buyer = self._new_buyer(rng, industry, region, buyer_ruts[len(self.buyers)])
                buyer.projects.append(i)
                project.buyers.append(buyer.index)
            project.name = self._project_name(rng, project)
            self.projects.append(project)

    def _new_buyer(self, rng, industry: str, region: str, number: int) -> Buyer:
        ind = INDUSTRIES[industry]
        comuna = self.geo.draw(rng, region)
        place = self.geo.name(comuna)
        name = self.namer.buyer_name(rng, ind, place)
        for _ in range(BUYER_NAME_TRIES):
            if name not in self._buyer_names:
                break
            name = self.namer.buyer_name(rng, ind, place)
        if name in self._buyer_names:
            # The industry's names are used up at this size: tell the companies apart by their place.
            base = name.removesuffix(" S.A.")
            name = next(f"{base} {suffix} S.A." for suffix in (place, *(f"{place} {n}" for n in range(2, 10**6)))
                        if f"{base} {suffix} S.A." not in self._buyer_names)
        self._buyer_names.add(name)
        sales = round(math.exp(rng.uniform(math.log(150_000), math.log(30_000_000))), -2)
        buyer = Buyer(len(self.buyers), rut_from_number(number), name, industry, region, comuna,
                      rng.choice(ind.buyer_sectors), sales,
                      f"abastecimiento@{''.join(fold(name).split()[:3])}.cl",
                      uniform_date(rng, cal.FIRMS_REGISTERED[0], cal.PROJECT_START[0]))
        self.buyers.append(buyer)
        return buyer

    def _project_name(self, rng, project: Project) -> str:
        ind = INDUSTRIES[project.industry]
        anchor = self.buyers[project.buyers[0]]
        place = self.geo.name(anchor.comuna)
        if project.kind == "cadena_productiva_local":
            return f"Cadena productiva local de proveedores de la {ind.label} en {place}"
        if project.kind == "red_proveedores":
            short = anchor.name.removesuffix(" S.A.")
            return f"Red de proveedores de {short}"
        if project.kind == "red_empresarial":
            return f"Red empresarial de proveedores de la {ind.label} de {place}"
        return f"Cadena corta de alimentos de {place}"

    # -- firms --------------------------------------------------------------------------------

    def make_firms(self) -> None:
        """Every firm with its place, sector, size and owner gender (details come in ``firm_chunks``)."""
        rng = self.firm_rng
        n_pool = min(self.scaled(cal.POOL_FIRMS, minimum=len(self.projects) * 3), self.n_firms // 2)
        numbers = rng.sample(range(*FIRM_RUT_RANGE), self.n_firms)
        # The pool: split over projects by a random size, located near the anchor buyer.
        sizes = allocate(n_pool, [rng.uniform(0.5, 1.5) for _ in self.projects], minimum=3)
        for project, size in zip(self.projects, sizes, strict=True):
            anchor = self.buyers[project.buyers[0]]
            idx, cum = self.geo.near_weights(project.region, anchor.comuna, 60.0)
            for _ in range(size):
                comuna = rng.choices(idx, cum_weights=cum)[0]
                firm = self._firm(rng, numbers, True, project.index, project.region, comuna, project.industry)
                project.firms.append(firm.index)
        while len(self.firm_list) < self.n_firms:
            region = pick(rng, cal.REGION_WEIGHTS)
            industry = pick(rng, INDUSTRY_BY_REGION[region])
            self._firm(rng, numbers, False, -1, region, self.geo.draw(rng, region), industry)
        self._attributes(rng, [f for f in self.firm_list if f.pool], cal.POOL_SEGMENTS, cal.POOL_GENDER,
                         cal.COOPERATIVE_SHARE_POOL)
        self._attributes(rng, [f for f in self.firm_list if not f.pool], cal.OTHER_SEGMENTS, cal.OTHER_GENDER,
                         cal.COOPERATIVE_SHARE_OTHER)

    def firm_chunks(self, chunk_size: int) -> Iterator[list[dict]]:
        """Draw names, products, contacts and certifications; yield rows ``chunk_size`` at a time."""
        for start in range(0, len(self.firm_list), chunk_size):
            chunk = self.firm_list[start:start + chunk_size]
            for firm in chunk:
                self._details(self.firm_rng, firm)
            yield [self._firm_row(f) for f in chunk]

    def _firm(self, rng, numbers, pool: bool, project: int, region: str, comuna: int, industry: str) -> Firm:
        ind = INDUSTRIES[industry]
        if rng.random() < GENERAL_SERVICES_WEIGHT:
            table = GENERAL_SERVICES
        else:
            table = ind.suppliers
        classes = [pick(rng, table)]
        if rng.random() < 0.25:
            second = pick(rng, ind.suppliers)
            if second != classes[0]:
                classes.append(second)
        firm = Firm(len(self.firm_list), rut_from_number(numbers[len(self.firm_list)]), pool, project, region,
                    comuna, industry, classes)
        self.firm_list.append(firm)
        return firm

    @staticmethod
    def _attributes(rng, firms: list[Firm], segments: dict, genders: dict, coop_share: float) -> None:
        """Exact quotas of size segment, cooperatives and owner gender (cooperatives: unknown)."""
        for firm, segment in zip(firms, quota_labels(segments, len(firms), rng), strict=True):
            firm.segment = segment
        for firm, flag in zip(firms, quota_labels({"coop": coop_share, "firm": 1 - coop_share}, len(firms), rng),
                              strict=True):
            firm.cooperative = flag == "coop" and firm.segment != "grande"
        labels = quota_labels(genders, len(firms), rng)
        for firm, gender in zip(firms, labels, strict=True):
            firm.gender = gender
        # A cooperative has no single owner: swap its gender with an "unknown" non-cooperative.
        spare = [f for f in firms if f.gender == "unknown" and not f.cooperative]
        for firm in firms:
            if firm.cooperative and firm.gender != "unknown" and spare:
                other = spare.pop()
                other.gender, firm.gender = firm.gender, "unknown"

    def _details(self, rng, firm: Firm) -> None:
        cls = SUPPLIER_CLASSES[firm.classes[0]]
        comuna_name = self.geo.name(firm.comuna)
        low, high = cal.SEGMENT_SALES_UF.get(firm.segment, (0.0, 0.0))
        firm.sales = round(math.exp(rng.uniform(math.log(low), math.log(high))), 2) if high else None
        firm.employees = rng.randint(*cal.SEGMENT_EMPLOYEES[firm.segment])
        size = size_class(firm.segment)
        form = "small_micro" if firm.segment in ("micro_1", "sin_ventas") else (
            "micro" if size == "micro" else "pequena" if size == "pequena" else "mediana")
        if firm.cooperative:
            firm.name = self.namer.cooperative_name(rng, cls, comuna_name)
            natural = False
        else:
            firm.name = self.namer.firm_name(rng, cls, comuna_name, form, firm.gender)
            natural = not firm.name.endswith((" E.I.R.L.", " SpA", " Ltda.", " S.A."))
        firm.name_key = fold_name(firm.name)
        phrases = rng.sample(cls.products, min(len(cls.products), rng.choice((2, 3, 3, 4))))
        if len(firm.classes) > 1:
            phrases.append(rng.choice(SUPPLIER_CLASSES[firm.classes[1]].products))
        firm.phrases = phrases
        text = ", ".join(phrases[:-1]) + (" y " if len(phrases) > 1 else "") + phrases[-1]
        firm.products = text[0].upper() + text[1:] + "."
        firm.phone = self.namer.phone(rng, firm.region)
        firm.email = self.namer.firm_email(rng, firm.name_key, natural)
        firm.created = uniform_date(rng, *cal.FIRMS_REGISTERED)
        self._certifications(rng, firm, size)

    def _certifications(self, rng, firm: Firm, size: str) -> None:
        options = list(dict.fromkeys(c for code in firm.classes for c in SUPPLIER_CLASSES[code].certifications))
        extra = ["SELLO_PROPYME"] + (["SELLO_MUJER", "NCH3262"] if firm.gender == "F" else [])
        if rng.random() >= cal.CERTIFIED_SHARE[size]:
            return
        pool = options or extra
        chosen = rng.sample(pool, min(len(pool), 1 if rng.random() < 0.7 else 2))
        if rng.random() < 0.08:
            chosen.append(rng.choice(extra))
        for code in dict.fromkeys(chosen):
            status = pick(rng, cal.CERT_STATUS)
            window = {"valid": cal.CERT_VALID_UNTIL, "in_progress": cal.CERT_EXPECTED,
                      "expired": cal.CERT_EXPIRED}[status]
            firm.certifications[code] = (status, uniform_date(rng, *window))

    # -- cooperatives and their members --------------------------------------------------------

    def cooperatives(self) -> None:
        """Each cooperative gathers small firms of its region, nearby and of its own division first."""
        rng = sub_rng(self.seed, "cooperatives")
        by_region: dict[str, list[Firm]] = {}
        for firm in self.firm_list:
            if not firm.cooperative and firm.segment in ("sin_ventas", "micro_1", "micro_2", "micro_3", "pequena_1"):
                by_region.setdefault(firm.region, []).append(firm)
        arrays = {
            region: (np.array([f.comuna for f in firms]), np.array([int(f.classes[0][:2]) for f in firms]),
                     np.array([f.index for f in firms]))
            for region, firms in by_region.items()
        }
        nearness = np.exp(-self.geo.distance / COOPERATIVE_RADIUS_KM)
        taken = np.zeros(len(self.firm_list), dtype=bool)
        for coop in (f for f in self.firm_list if f.cooperative):
            candidates = by_region.get(coop.region, [])
            if not candidates:
                continue
            comunas, divisions, members = arrays[coop.region]
            weights = (np.where(divisions == int(coop.classes[0][:2]), 3.0, 0.3) * nearness[coop.comuna, comunas]
                       * np.where(taken[members], 0.2, 1.0))
            cumulative = np.cumsum(weights)
            k = min(rng.randint(*cal.COOPERATIVE_MEMBERS), len(candidates))
            chosen: set[int] = set()
            for _ in range(k * 3):
                if len(chosen) >= k:
                    break
                j = int(np.searchsorted(cumulative, rng.random() * cumulative[-1], side="right"))
                chosen.add(min(j, len(candidates) - 1))
            for j in sorted(chosen):
                taken[candidates[j].index] = True
                self.memberships.append((candidates[j].index, coop.index))

    # -- advisory sessions --------------------------------------------------------------------

    def advice(self) -> None:
        rng = sub_rng(self.seed, "advice")
        centers = {c.id: c for c in self.centers}
        cdn_by_region: dict[str, list[Center]] = {}
        for c in self.centers:
            if c.kind == "cdn":
                cdn_by_region.setdefault(c.region, []).append(c)
        pool_links: list[tuple[str, Firm]] = []
        other_links: list[tuple[str, Firm]] = []
        for firm in self.firm_list:
            if firm.pool:
                center = centers[self.projects[firm.project].center]
            elif rng.random() < cal.ADVISED_SHARE_OTHER:
                if firm.cooperative and self.coop_center:
                    center = self.coop_center
                else:
                    center = self._nearest_center(cdn_by_region[firm.region], firm.comuna)
            else:
                continue
            n_advisors = 1 if rng.random() < 0.75 else 2
            for advisor in rng.sample(center.advisors, min(n_advisors, len(center.advisors))):
                firm.advisors.append(advisor)
                (pool_links if firm.pool else other_links).append((advisor, firm))
        pool_sessions = self.scaled(cal.SESSIONS_POOL)
        pool_hours = self.scaled(cal.HOURS_POOL)
        other_sessions = self.scaled(cal.SESSIONS_TOTAL) - pool_sessions
        for links, total, hours_total in ((pool_links, pool_sessions, pool_hours), (other_links, other_sessions, None)):
            sessions = allocate(total, [rng.lognormvariate(0.0, 0.6) for _ in links], minimum=1)
            raw_hours = [s * rng.uniform(*cal.HOURS_PER_SESSION_OTHER) for s in sessions]
            factor = hours_total / sum(raw_hours) if hours_total and raw_hours else 1.0
            for (advisor, firm), s, h in zip(links, sessions, raw_hours, strict=True):
                hours = max(0.5, round(h * factor * 2) / 2)
                firm.hours += hours
                firm.advised.append({"advisor": advisor, "sessions": s, "hours": hours})

    def _nearest_center(self, centers: list[Center], comuna: int) -> Center:
        return min(centers, key=lambda c: (float(self.geo.distance[c.comuna, comuna]), c.id))

    # -- hand-over ----------------------------------------------------------------------------

    def state(self) -> WorldState:
        return WorldState(self.seed, self.scale, self.geo, self.namer, self.centers, self.buyers, self.projects,
                          self.firm_list)

    def center_rows(self) -> list[dict]:
        return [{"id": c.id, "comuna": self.geo.cut(c.comuna),
                 "props": {"name": c.name, "kind": c.kind, "region_cut": c.region, "demo": True}}
                for c in self.centers]

    def buyer_rows(self) -> list[dict]:
        return [{
            "rut": b.rut, "comuna": self.geo.cut(b.comuna), "sectors": [b.sector], "created": cal.at_noon(b.created),
            "props": {"name": b.name, "name_key": fold(b.name), "annual_sales_uf": b.sales,
                      "contact_email": b.email, "demo": True},
        } for b in self.buyers]

    def project_rows(self) -> list[dict]:
        return [{
            "id": p.id, "center": p.center, "start": p.start.isoformat(), "end": p.end.isoformat(),
            "props": {"name": p.name, "kind": p.kind, "region_cut": p.region, "demo": True},
        } for p in self.projects]

    def _firm_row(self, f: Firm) -> dict:
        return {
            "rut": f.rut, "cooperative": f.cooperative, "sectors": f.classes, "comuna": self.geo.cut(f.comuna),
            "created": cal.at_noon(f.created),
            "certifications": [{"code": code, "status": status, "valid_until": until.isoformat()}
                               for code, (status, until) in f.certifications.items()],
            "advised": f.advised,
            "props": {"name": f.name, "annual_sales_uf": f.sales,
                      "supply_capacity_uf": cal.declared_capacity(self.seed, f.rut, f.sales),
                      "size_segment": f.segment, "employees": f.employees, "owner_gender": f.gender,
                      "products": f.products, "phone": f.phone, "email": f.email, "source": "demo", "demo": True},
        }

    def membership_rows(self) -> list[dict]:
        return [{"rut": self.firm_list[m].rut, "coop": self.firm_list[c].rut} for m, c in self.memberships]


def default_counts(firms: int) -> dict[str, float]:
    """What ``encadena stats`` should show for a demo of ``firms`` firms (DESIGN.md's figures, scaled)."""
    s = scale_of(firms)
    return {
        "projects": round(sum(cal.PROJECTS_BY_KIND.values()) * s),
        "alliances": cal.PROGRAM_FIGURES["alliances"] * s,
        "participating_firms": cal.PROGRAM_FIGURES["participating_firms"] * s,
        "sessions": round(cal.SESSIONS_TOTAL * s),
        "project_sessions": cal.SESSIONS_POOL * s,
        "project_hours": cal.HOURS_POOL * s,
        "decided_proposals": cal.DECIDED_PROPOSALS * s,
        "open_needs": round(cal.OPEN_NEEDS * s),
    }


def firm_ruts(firms: int, seed: int) -> list[str]:
    """The RUTs ``generate`` gives its firms, without generating the rest (for checks)."""
    rng = sub_rng(seed, "firms")
    return [rut_from_number(n) for n in rng.sample(range(*FIRM_RUT_RANGE), firms)]
