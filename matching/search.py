"""Typo-tolerant firm search: a fuzzy Lucene query for recall, rapidfuzz on normalized names to re-rank.

The query goes through the same normalization as duplicate detection (``matching.names``):
legal forms and stop words are dropped, abbreviations expanded and misspelt generic words
corrected ("cooperatva" -> "cooperativa"). Each remaining word becomes ``word~`` (edit distance
up to 2) or a prefix in the full-text query (``standard-folding`` analyzer: case and accents
ignored), distinguishing words weighing more than generic ones. The hits are then re-ranked by
how well each query word is found among the name's words, so "cooperatva los andez" puts
"Cooperativa Agrícola y Lechera Los Andes Ltda." above "Cooperativa Los Alerces".
"""

from __future__ import annotations

from rapidfuzz import fuzz, process

from matching.names import STOPWORDS, analyze_name
from matching.text import fold

# Words shorter than this are matched exactly: a fuzzy "de~" would match half the index.
FUZZY_MIN_LENGTH = 4
# Lucene boost of a distinguishing word over a generic one ("andes" over "cooperativa").
KEY_WORD_BOOST = 3
# Blend of the name score (0-100) and the Lucene score rank, favouring the name.
NAME_WEIGHT = 0.8
# In the name score, a distinguishing query word counts this many times a generic one.
KEY_WORD_WEIGHT = 2.0


def _clause(word: str) -> str:
    return f"({word}~ OR {word}*)" if len(word) >= FUZZY_MIN_LENGTH else word


def lucene_query(q: str) -> str | None:
    """A safe Lucene query from free text (only letters, digits and our operators), or None if empty."""
    parts = analyze_name(q)
    key, generic = parts.key.split(), parts.generic.split()
    if not key and not generic:
        words = [w for w in fold(q).split() if w not in STOPWORDS] or fold(q).split()
        return " OR ".join(_clause(w) for w in words) or None
    clauses = [f"{_clause(w)}^{KEY_WORD_BOOST}" for w in dict.fromkeys(key)]
    clauses += [_clause(w) for w in dict.fromkeys(generic)]
    return " OR ".join(clauses)


def name_score(q: str, name: str) -> float:
    """How well the name answers the query (0-100): each query word's best match among the name's words."""
    query, target = analyze_name(q), analyze_name(name)
    words = [(w, KEY_WORD_WEIGHT) for w in query.key.split()] + [(w, 1.0) for w in query.generic.split()]
    choices = target.full.split()
    if words and choices:
        total = sum(weight for _, weight in words)
        found = 0.0
        for word, weight in words:
            best = process.extractOne(word, choices, scorer=fuzz.ratio, processor=None, score_cutoff=0)
            found += weight * (best[1] if best else 0.0)
        coverage = found / total
    else:
        coverage = 0.0
    whole = fuzz.token_set_ratio(q, name, processor=fold, score_cutoff=0)
    return max(coverage, whole)


def rerank(q: str, hits: list[tuple[float, dict]]) -> list[dict]:
    """Order hits by name score blended with the Lucene score; best first."""
    if not hits:
        return []
    top_lucene = max(score for score, _ in hits) or 1.0
    scored = []
    for lucene_score, firm in hits:
        blended = NAME_WEIGHT * name_score(q, firm["name"]) + (1 - NAME_WEIGHT) * 100 * lucene_score / top_lucene
        scored.append((round(blended, 2), firm))
    scored.sort(key=lambda pair: (-pair[0], pair[1]["rut"]))
    return [dict(firm, match_score=score) for score, firm in scored]
