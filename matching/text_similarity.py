"""How well a firm's products match a need's description, in Spanish, ignoring accents and case.

Two signals, blended with documented weights:

- TF-IDF cosine (scikit-learn ``TfidfTransformer``'s arithmetic, ``tfidf``) over folded, stop-word-free,
  lightly stemmed words ("Quesos" and "queso" are one term). IDF is fitted on the need and the candidate set
  itself, so a word every candidate mentions weighs little;
- fuzzy term coverage: the share of the need's terms that a firm's products contain up to a typo
  ("frutila" for "frutilla"). rapidfuzz compares each need term with the candidate set's
  vocabulary once (``process.cdist``), and a sparse product spreads the matches over candidates.

Character n-gram TF-IDF was measured and left out: on 2,000 candidates it costs ~170 ms per
request against ~20 ms for words, and rapidfuzz already covers spelling variants.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
from rapidfuzz import fuzz, process
from scipy import sparse

# Share of each signal in the blended similarity (they sum to 1).
TFIDF_WEIGHT = 0.6
FUZZY_WEIGHT = 0.4
# Two terms are the same word misspelled when rapidfuzz's ratio (0-100) reaches this.
FUZZY_SCORE_CUTOFF = 85
# Words shorter than this carry no product meaning ("de", "en", "y" and codes like "kg").
MIN_TERM_LENGTH = 3

# Accents and case folded with one table (str.translate runs in C; NFKD per text is 5x slower).
_FOLD = str.maketrans("ÁÉÍÓÚÜÑÀÈÌÒÙÂÊÎÔÛÄËÏÖáéíóúüñàèìòùâêîôûäëïöç", "AEIOUUNAEIOUAEIOUAEIOaeiouunaeiouaeiouaeioc")
_WORD = re.compile(r"[a-z0-9]+")
_ANY_WORD = re.compile(r"\w+")
# Folded word -> term (None: not a term), and product text -> its terms. A firm's products are
# compared with many needs, so each text is split once per process (~1 µs per word otherwise, a
# fifth of a 1,000-candidate request); both memos are dropped when they outgrow their size.
_TERM_OF: dict[str, str | None] = {}
_TERM_CACHE_SIZE = 200_000
_TERMS_OF_TEXT: dict[str, list[str]] = {}
_TEXT_CACHE_SIZE = 150_000

# Spanish function words and the filler of procurement texts ("buscamos proveedores de ...").
STOPWORDS = frozenset("""
a al algo ante antes con contra cual cuando de del desde donde durante e el ella ellos en entre era es esa ese
esta este esto estos estas etc hacia hasta la las le les lo los mas me mi muy nos o otra otro para pero por que
se segun si sin sobre su sus tambien te tiene tienen todo todos tu un una uno unos unas y ya
buscamos busca necesitamos necesita requerimos requiere proveedor proveedores proveedora empresa empresas
servicio servicios producto productos venta ventas entrega entregas semanal semanales mensual
""".split())


def fold_text(text: str | None) -> str:
    """Lower case without accents: ``"Quesos Artesanales ÑUBLE"`` -> ``"quesos artesanales nuble"``."""
    return (text or "").translate(_FOLD).lower()


def _word_byte(code: int) -> bytes:
    folded = fold_text(chr(code))
    return folded.encode() if _WORD.fullmatch(folded) else b" "


# The same folding for Latin-1 text as one byte table (bytes.translate runs in C, str.translate
# looks each character up in a dict): a character that folds to a letter or digit becomes it,
# every other one a space, NUL stays NUL (it separates the texts of a batch).
_WORD_BYTES = b"".join(b"\0" if code == 0 else _word_byte(code) for code in range(256))


def words_of_many(texts: Sequence[str]) -> list[list[str]]:
    """``_WORD.findall(fold_text(text))`` for each text, in one pass over all of them."""
    try:
        joined = "\0".join(t.replace("\0", " ") for t in texts).encode("latin-1")
    except UnicodeEncodeError:  # a character beyond Latin-1 ("–", "“"): text by text
        return [_WORD.findall(fold_text(t)) for t in texts]
    return [part.split() for part in joined.translate(_WORD_BYTES).decode("ascii").split("\0")]


def stem(word: str) -> str:
    """Strip a Spanish plural: quesos -> queso, yogures -> yogur, flores -> flor."""
    if len(word) > 4 and word.endswith("es") and word[-3] not in "aeiou":
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def terms(text: str | None) -> list[str]:
    """The comparable terms of a text: folded, stemmed, without stop words or short words."""
    return terms_of_many([text])[0]


def terms_of_many(texts: Sequence[str | None]) -> list[list[str]]:
    """``terms`` of each text, as one pass: the texts not split before are folded as one string,
    and each new word is looked up once for all of them (a 1,000-candidate set the process has not
    seen costs ~4 ms instead of ~14 ms). Both memos are dropped when they outgrow their size."""
    out: list[list[str]] = [[] for _ in texts]
    todo: list[tuple[int, str]] = []
    for i, text in enumerate(texts):
        if text:
            cached = _TERMS_OF_TEXT.get(text)
            if cached is None:
                todo.append((i, text))
            else:
                out[i] = cached
    if not todo:
        return out
    if len(_TERMS_OF_TEXT) + len(todo) > _TEXT_CACHE_SIZE:
        _TERMS_OF_TEXT.clear()
    if len(_TERM_OF) > _TERM_CACHE_SIZE:
        _TERM_OF.clear()
    words = words_of_many([text for _, text in todo])
    for word in {w for ws in words for w in ws}.difference(_TERM_OF):
        _TERM_OF[word] = _term(word)
    term_of = _TERM_OF.__getitem__
    for (i, text), ws in zip(todo, words, strict=True):
        found = [t for t in map(term_of, ws) if t]
        _TERMS_OF_TEXT[text] = found
        out[i] = found
    return out


def _term(word: str) -> str | None:
    """The term a folded word stands for, or None for stop words and short words."""
    if len(word) < MIN_TERM_LENGTH or word in STOPWORDS:
        return None
    term = stem(word)
    return None if term in STOPWORDS else term


def text_similarity(query: str, documents: Sequence[str | None]) -> np.ndarray:
    """Similarity in [0, 1] of ``query`` to each document, as one vectorized pass.

    Parameters
    ----------
    query : str
        The need's title and description.
    documents : sequence of str or None
        Each candidate's products.

    Returns
    -------
    numpy.ndarray
        Shape ``(len(documents),)``; 0 for empty texts.
    """
    out = np.zeros(len(documents), dtype=float)
    query_terms = terms(query)
    if not documents or not query_terms:
        return out
    doc_terms = terms_of_many(documents)
    if not any(doc_terms):
        return out
    counts, vocabulary = _count_matrix([query_terms, *doc_terms])
    matrix = tfidf(counts)
    cosine = (matrix[1:] @ matrix[0].T).toarray().ravel()
    wanted = list(dict.fromkeys(query_terms))
    close = process.cdist(wanted, vocabulary, scorer=fuzz.ratio, processor=None,
                          score_cutoff=FUZZY_SCORE_CUTOFF, dtype=np.uint8) > 0
    present = (matrix[1:] > 0).astype(np.float64)
    covered = (present @ close.T.astype(np.float64)) > 0
    fuzzy = np.asarray(covered).sum(axis=1) / len(wanted)
    return np.clip(TFIDF_WEIGHT * cosine + FUZZY_WEIGHT * fuzzy, 0.0, 1.0)


def tfidf(counts: sparse.csr_matrix) -> sparse.csr_matrix:
    """``TfidfTransformer(sublinear_tf=True, norm="l2").fit_transform(counts)``, the same arithmetic in
    the same order (equal to the last bit, tested), without scikit-learn's per-call input checks: they
    were half the cost of a match request's text similarity (issue 17)."""
    n_docs, n_terms = counts.shape
    df = np.bincount(counts.indices, minlength=n_terms).astype(np.float64)
    df += 1.0  # smooth_idf: as if one more document held every term
    idf = np.full_like(df, fill_value=n_docs + 1)
    idf /= df
    np.log(idf, out=idf)
    idf += 1.0
    data = np.log(counts.data)  # sublinear tf: 1 + log(count)
    data += 1.0
    data *= idf[counts.indices]
    # l2 per row, the squares summed in index order as scikit-learn's row normalization does
    rows = np.repeat(np.arange(n_docs), np.diff(counts.indptr))
    norms = np.sqrt(np.bincount(rows, weights=data * data, minlength=n_docs))
    norms[norms == 0.0] = 1.0
    data /= norms[rows]
    return sparse.csr_matrix((data, counts.indices, counts.indptr), shape=counts.shape)


def shared_terms(query: str, document: str | None, limit: int = 3) -> list[str]:
    """Up to ``limit`` words of ``document`` that match the query's terms, in document order."""
    wanted = set(terms(query))
    seen: list[str] = []
    for original in _ANY_WORD.findall(document or ""):
        word = fold_text(original)
        shown = original.lower()
        if (len(word) >= MIN_TERM_LENGTH and word not in STOPWORDS and stem(word) in wanted
                and shown not in seen):
            seen.append(shown)
            if len(seen) == limit:
                break
    return seen


def _count_matrix(docs: list[list[str]]) -> tuple[sparse.csr_matrix, list[str]]:
    """Term counts (documents x vocabulary) for texts already split into terms.

    ``CountVectorizer`` does the same with a per-document analyzer call; building the CSR arrays
    directly halves the cost on a 2,000-candidate set.
    """
    vocabulary: dict[str, int] = {}
    indices: list[int] = []
    indptr = [0]
    for doc in docs:
        indices.extend([vocabulary.setdefault(t, len(vocabulary)) for t in doc])
        indptr.append(len(indices))
    counts = sparse.csr_matrix(
        (np.ones(len(indices)), np.asarray(indices, dtype=np.int64), np.asarray(indptr, dtype=np.int64)),
        shape=(len(docs), len(vocabulary)),
    )
    counts.sum_duplicates()
    return counts, list(vocabulary)
