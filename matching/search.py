"""Typo-tolerant firm search: a fuzzy Lucene query for recall, rapidfuzz to re-rank.

The full-text index (``standard-folding`` analyzer) already ignores case and accents; each
word of the query becomes ``word~`` (edit distance up to 2) or a prefix, so "cooperatva los
andez" still reaches "Cooperativa Los Andes". rapidfuzz then orders what came back by how well
the whole name matches.
"""

from __future__ import annotations

from rapidfuzz import fuzz

from matching.text import fold

# Words shorter than this are matched exactly: a fuzzy "de~" would match half the index.
FUZZY_MIN_LENGTH = 4
# Blend of rapidfuzz name similarity (0-100) and the Lucene score rank, favouring the name.
NAME_WEIGHT = 0.8


def lucene_query(q: str) -> str | None:
    """A safe Lucene query from free text (every special character removed), or None if empty."""
    words = [w for w in fold(q).split() if w]
    if not words:
        return None
    clauses = []
    for word in words:
        if len(word) >= FUZZY_MIN_LENGTH:
            clauses.append(f"({word}~ OR {word}*)")
        else:
            clauses.append(word)
    return " OR ".join(clauses)


def rerank(q: str, hits: list[tuple[float, dict]]) -> list[dict]:
    """Order hits by name similarity to ``q`` blended with the Lucene score; best first."""
    if not hits:
        return []
    top_lucene = max(score for score, _ in hits) or 1.0
    scored = []
    for lucene_score, firm in hits:
        name_score = max(
            fuzz.token_set_ratio(q, firm["name"], processor=fold, score_cutoff=0),
            fuzz.partial_ratio(q, firm["name"], processor=fold, score_cutoff=0),
        )
        blended = NAME_WEIGHT * name_score + (1 - NAME_WEIGHT) * 100 * lucene_score / top_lucene
        scored.append((round(blended, 2), firm))
    scored.sort(key=lambda pair: (-pair[0], pair[1]["rut"]))
    return [dict(firm, match_score=score) for score, firm in scored]
