"""What the pages' pickers offer as a person types: sectors by Spanish words, comunas forgiving typos.

Both are pure functions of the ``Catalog``:

- ``search_sectors``: every word typed must begin a word of the sector's Spanish title (accents
  and case ignored, so "pan" finds "Elaboración de productos de panadería"), or the text is a
  CIIU code or its start; when nothing matches that way, titles close to the text (a typo) are
  offered instead.
- ``search_comunas``: names that begin with the text first, then those that contain it, then
  close names (rapidfuzz), so "Nunoa", "ñuño" and "Ñuñoaa" all offer Ñuñoa.
"""

from __future__ import annotations

from dataclasses import dataclass

from rapidfuzz import fuzz, process

from matching.catalog import Catalog, Comuna, Sector
from matching.names import STOPWORDS
from matching.text import fold

# How many options a picker shows at most.
PICKER_LIMIT = 10
# A typo fallback offers names at least this close (0-100).
SECTOR_TYPO_MIN_SCORE = 80.0  # per word (rapidfuzz ratio on folded words)
COMUNA_TYPO_MIN_SCORE = 70.0
# Shown first: the level a buyer most often means (a class is what firms register).
LEVEL_ORDER = {"class": 0, "group": 1, "division": 2, "section": 3}
LEVEL_ES = {"section": "sección", "division": "división", "group": "grupo", "class": "clase"}


@dataclass(frozen=True)
class SectorOption:
    code: str
    name: str
    level: str

    @property
    def label(self) -> str:
        """``"Elaboración de productos de panadería (CIIU 1071)"``."""
        return f"{self.name} (CIIU {self.code})"

    @property
    def level_es(self) -> str:
        return LEVEL_ES[self.level]


def _option(sector: Sector) -> SectorOption:
    return SectorOption(sector.code, sector.name, sector.level)


def _words(catalog: Catalog) -> list[tuple[Sector, tuple[str, ...], str]]:
    """Each sector with its folded title words and folded title, built once per catalog."""
    cached = getattr(catalog, "_picker_words", None)
    if cached is None:
        cached = [(s, tuple(fold(s.name).split()), fold(s.name)) for s in catalog.sectors.values()]
        setattr(catalog, "_picker_words", cached)  # noqa: B010 - a per-catalog cache
    return cached


def search_sectors(catalog: Catalog, q: str, limit: int = PICKER_LIMIT) -> list[SectorOption]:
    """Sectors whose Spanish title has a word beginning with each word typed (or whose code begins
    with the digits typed); classes first, then shorter titles. Close titles when none matches."""
    text = (q or "").strip()
    if not text:
        return []
    code = text.upper().replace(".", "")
    if code.isdigit() or (len(code) == 1 and code.isalpha()):
        if len(code) == 6:
            code = code[:4]
        hits = [s for s in catalog.sectors.values() if s.code.startswith(code)]
        hits.sort(key=lambda s: (len(s.code), s.code))
        return [_option(s) for s in hits[:limit]]
    typed = fold(text).split()
    wanted = [w for w in typed if w not in STOPWORDS] or typed
    scored = []
    for sector, words, _ in _words(catalog):
        if all(any(word.startswith(w) for word in words) for w in wanted):
            exact = sum(w in words for w in wanted)
            scored.append((-exact, LEVEL_ORDER[sector.level], len(sector.name), sector.code, sector))
    if scored:
        scored.sort(key=lambda item: item[:4])
        return [_option(item[4]) for item in scored[:limit]]
    return _close_sectors(catalog, wanted, limit)


def _close_sectors(catalog: Catalog, wanted: list[str], limit: int) -> list[SectorOption]:
    """Titles where every word typed is close to one of the title's words (a typo: "panadria")."""
    scored = []
    for sector, words, _ in _words(catalog):
        best = []
        for w in wanted:
            hit = process.extractOne(w, words, scorer=fuzz.ratio, processor=None, score_cutoff=SECTOR_TYPO_MIN_SCORE)
            if hit is None:
                break
            best.append(hit[1])
        else:
            scored.append((-sum(best) / len(best), LEVEL_ORDER[sector.level], len(sector.name), sector.code, sector))
    scored.sort(key=lambda item: item[:4])
    return [_option(item[4]) for item in scored[:limit]]


def search_comunas(catalog: Catalog, q: str, limit: int = PICKER_LIMIT) -> list[Comuna]:
    """Comunas for the text typed: a CUT code, names beginning with it, containing it, then close ones."""
    text = (q or "").strip()
    if not text:
        return []
    if text.isdigit():
        cut = text.zfill(5)
        return [catalog.comunas[cut]] if cut in catalog.comunas else []
    key = fold(text)
    by_key = sorted(((fold(c.name), c) for c in catalog.comunas.values()), key=lambda pair: pair[0])
    starts = [c for k, c in by_key if k.startswith(key)]
    contains = [c for k, c in by_key if key in k and not k.startswith(key)]
    found = (starts + contains)[:limit]
    if not found:  # a typo: the closest names
        keys = [k for k, _ in by_key]
        close = process.extract(key, keys, scorer=fuzz.WRatio, processor=None, limit=limit,
                                score_cutoff=COMUNA_TYPO_MIN_SCORE)
        seen = {c.cut for c in found}
        for _, _, index in close:
            comuna = by_key[index][1]
            if comuna.cut not in seen and len(found) < limit:
                found.append(comuna)
                seen.add(comuna.cut)
    return found
