"""Reference catalogs in memory: comunas, ISIC sectors and certifications, with lookups.

Built from plain rows (read from the graph by the service, or from the packages directly), so
this module stays free of any database. Lookups raise ``InvalidInput`` with suggestions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
from rapidfuzz import fuzz, process, utils

from matching.errors import FieldError, InvalidInput
from matching.text import fold

# How many close names an unknown comuna answer offers, and how close they must be (0-100).
SUGGESTION_LIMIT = 3
SUGGESTION_MIN_SCORE = 60.0
EARTH_RADIUS_KM = 6371.0
# The shapes of ISIC Rev. 4 codes ``resolve_sector`` reads (published in the API's schema): a section
# letter, a division, group or class (2 to 4 digits, a dot allowed after the division), or a
# six-digit SII activity code. Firms take classes (or SII codes) only.
SECTOR_PATTERN = r"^\s*(?:[A-Ua-u]|[0-9]{2}(?:\.?[0-9]{1,2})?|[0-9]{6})\s*$"
CLASS_PATTERN = r"^\s*(?:[0-9]{2}\.?[0-9]{2}|[0-9]{6})\s*$"
_SECTOR_FORMAT = re.compile(SECTOR_PATTERN)


@dataclass(frozen=True)
class Comuna:
    cut: str
    name: str
    province_cut: str
    region_cut: str
    lat: float
    lon: float


@dataclass(frozen=True)
class Sector:
    code: str
    name: str
    level: str  # section | division | group | class
    section: str


def haversine_km(lat1, lon1, lat2, lon2):
    """Great-circle distance in km between points in degrees; any argument may be a numpy array (they
    broadcast), so one point against many, or every pair, is one call. The one definition in Encadena."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    a = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(np.radians(np.subtract(lon2, lon1)) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


@dataclass
class Catalog:
    """Everything a request needs to turn names and codes into graph keys."""

    comunas: dict[str, Comuna]
    regions: dict[str, str]  # cut -> name
    provinces: dict[str, str]
    sectors: dict[str, Sector]
    certifications: dict[str, str]  # code -> name
    adjacency: dict[str, frozenset[str]] = field(default_factory=dict)
    _comuna_by_key: dict[str, str] = field(init=False, repr=False)
    _region_by_key: dict[str, str] = field(init=False, repr=False)
    _cert_by_key: dict[str, str] = field(init=False, repr=False)
    _centroids: tuple[np.ndarray, np.ndarray, np.ndarray] | None = field(init=False, repr=False, default=None)
    _km_from: dict[str, dict[str, float]] = field(init=False, repr=False, default_factory=dict)

    def __post_init__(self) -> None:
        self._comuna_by_key = {fold(c.name): c.cut for c in self.comunas.values()}
        self._region_by_key = {fold(name): cut for cut, name in self.regions.items()}
        self._cert_by_key = {fold(code): code for code in self.certifications}
        self._cert_by_key.update({fold(name): code for code, name in self.certifications.items()})

    @classmethod
    def from_rows(cls, comunas: list[dict], regions: list[dict], provinces: list[dict],
                  sectors: list[dict], certifications: list[dict],
                  adjacency: list[tuple[str, str]] | None = None) -> Catalog:
        neighbours: dict[str, set[str]] = {}
        for a, b in adjacency or []:
            neighbours.setdefault(a, set()).add(b)
            neighbours.setdefault(b, set()).add(a)
        return cls(
            comunas={
                r["cut"]: Comuna(r["cut"], r["name"], r["province_cut"], r["region_cut"], r["lat"], r["lon"])
                for r in comunas
            },
            regions={r["cut"]: r["name"] for r in regions},
            provinces={r["cut"]: r["name"] for r in provinces},
            sectors={r["code"]: Sector(r["code"], r["name"], r["level"], r["section"]) for r in sectors},
            certifications={r["code"]: r["name"] for r in certifications},
            adjacency={cut: frozenset(n) for cut, n in neighbours.items()},
        )

    # -- territory ---------------------------------------------------------------------------

    def resolve_comuna(self, value: str | int, field_name: str = "comuna") -> Comuna:
        """A comuna by CUT code (``"13120"``, ``13120``) or by name, accents and case ignored."""
        text = str(value).strip()
        if text.isdigit():
            cut = text.zfill(5)
            if cut in self.comunas:
                return self.comunas[cut]
            raise InvalidInput(FieldError(field_name, f"No existe una comuna con código CUT {text}."))
        key = fold(text)
        if key in self._comuna_by_key:
            return self.comunas[self._comuna_by_key[key]]
        suggestions = self._suggest(key, {k: self.comunas[c].name for k, c in self._comuna_by_key.items()})
        hint = f" ¿Quiso decir {', '.join(suggestions)}?" if suggestions else ""
        raise InvalidInput(
            FieldError(field_name, f"No se reconoce la comuna «{text}».{hint}", suggestions)
        )

    def resolve_region(self, value: str, field_name: str = "region") -> str:
        """A region CUT from its code (``"13"``, ``"5"``) or name, accents and case ignored."""
        text = str(value).strip()
        if text.isdigit() and text.zfill(2) in self.regions:
            return text.zfill(2)
        key = fold(text)
        for candidate in (key, fold(f"region de {text}"), key.removeprefix("region de ").removeprefix("region ")):
            if candidate in self._region_by_key:
                return self._region_by_key[candidate]
        # Regions have long official names ("Libertador General Bernardo O'Higgins"): accept a part.
        partial = [cut for k, cut in self._region_by_key.items() if key and key in k]
        if len(partial) == 1:
            return partial[0]
        suggestions = self._suggest(key, {fold(n): n for n in self.regions.values()})
        hint = f" ¿Quiso decir {', '.join(suggestions)}?" if suggestions else ""
        raise InvalidInput(FieldError(field_name, f"No se reconoce la región «{text}».{hint}", suggestions))

    def distance_km(self, cut_a: str, cut_b: str) -> float:
        a, b = self.comunas[cut_a], self.comunas[cut_b]
        return float(haversine_km(a.lat, a.lon, b.lat, b.lon))

    def centroids(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(cuts, lat, lon)`` of every comuna, in CUT order, as arrays (built once)."""
        if self._centroids is None:
            comunas = sorted(self.comunas.values(), key=lambda c: c.cut)
            self._centroids = (np.array([c.cut for c in comunas]), np.array([c.lat for c in comunas]),
                               np.array([c.lon for c in comunas]))
        return self._centroids

    def km_from(self, cut: str) -> dict[str, float]:
        """km from ``cut``'s centroid to every comuna's, computed once per origin (one vectorized call;
        a scalar call per comuna cost a short list's diagnosis ~2 ms per request)."""
        row = self._km_from.get(cut)
        if row is None:
            cuts, lat, lon = self.centroids()
            origin = self.comunas[cut]
            km = haversine_km(origin.lat, origin.lon, lat, lon)
            row = self._km_from[cut] = dict(zip(cuts.tolist(), km.tolist(), strict=True))
        return row

    def comunas_within_km(self, cut: str, radius_km: float) -> dict[str, float]:
        """Comunas whose centroid lies within ``radius_km`` of ``cut``'s, plus its neighbours, with their km."""
        cuts, lat, lon = self.centroids()
        origin = self.comunas[cut]
        km = haversine_km(origin.lat, origin.lon, lat, lon)
        keep = km <= radius_km
        keep |= np.isin(cuts, list(self.adjacency.get(cut, frozenset())) + [cut])
        return {c: round(float(d), 3) for c, d in zip(cuts[keep].tolist(), km[keep].tolist(), strict=True)}

    def comunas_within(self, cut: str, radius_km: float) -> list[str]:
        """CUTs whose centroid lies within ``radius_km`` of ``cut``'s, plus its neighbours."""
        return sorted(self.comunas_within_km(cut, radius_km))

    # -- sectors -----------------------------------------------------------------------------

    def resolve_sector(self, value: str, field_name: str = "sectors", class_only: bool = False) -> Sector:
        """An ISIC Rev. 4 code; a six-digit CIIU4.CL (SII) code maps by its first four digits."""
        text = str(value).strip().upper().replace(".", "")
        if not _SECTOR_FORMAT.fullmatch(str(value)):
            text = ""  # not the shape of any code (SECTOR_PATTERN): unknown, with the message below
        if text.isdigit() and len(text) == 6:
            text = text[:4]
        sector = self.sectors.get(text)
        if sector is None:
            raise InvalidInput(FieldError(
                field_name,
                f"«{value}» no es un código CIIU/ISIC Rev. 4 conocido; use una clase de 4 dígitos "
                "(p. ej. 1050) o un código de actividad SII de 6 dígitos (p. ej. 105000).",
            ))
        if class_only and sector.level != "class":
            raise InvalidInput(FieldError(
                field_name,
                f"«{value}» es una {_LEVEL_ES[sector.level]} de la CIIU; indique la clase de 4 dígitos "
                "de la actividad de la empresa.",
            ))
        return sector

    def ancestors(self, code: str) -> dict[str, str]:
        """``{"class": ..., "group": ..., "division": ..., "section": ...}`` for an ISIC code."""
        sector = self.sectors[code]
        out = {"section": sector.section}
        if sector.level == "section":
            return out
        for level, length in (("division", 2), ("group", 3), ("class", 4)):
            if len(code) >= length:
                out[level] = code[:length]
        return out

    def classes_under(self, code: str) -> list[str]:
        """Every ISIC class (4-digit) at or below ``code``."""
        sector = self.sectors[code]
        if sector.level == "section":
            return sorted(c for c, s in self.sectors.items() if s.level == "class" and s.section == code)
        return sorted(c for c, s in self.sectors.items() if s.level == "class" and c.startswith(code))

    # -- certifications ----------------------------------------------------------------------

    def resolve_certification(self, value: str, field_name: str = "certifications") -> str:
        key = fold(str(value))
        if key in self._cert_by_key:
            return self._cert_by_key[key]
        compact = key.replace(" ", "")
        for known_key, code in self._cert_by_key.items():
            if known_key.replace(" ", "") == compact:
                return code
        suggestions = self._suggest(key, {fold(c): c for c in self.certifications})
        raise InvalidInput(FieldError(
            field_name,
            f"«{value}» no está en el catálogo de certificaciones; códigos válidos: "
            f"{', '.join(sorted(self.certifications))}.",
            suggestions,
        ))

    # -- helpers -----------------------------------------------------------------------------

    @staticmethod
    def _suggest(key: str, choices: dict[str, str]) -> list[str]:
        matches = process.extract(
            key, list(choices), scorer=fuzz.QRatio, processor=utils.default_process,
            limit=SUGGESTION_LIMIT, score_cutoff=SUGGESTION_MIN_SCORE,
        )
        return [choices[m[0]] for m in matches]


_LEVEL_ES = {"section": "sección", "division": "división", "group": "grupo", "class": "clase"}
