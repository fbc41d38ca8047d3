"""Spanish text similarity between a need's description and firms' products (no database)."""

from __future__ import annotations

import pytest

from matching.text_similarity import (
    _WORD,
    fold_text,
    shared_terms,
    stem,
    terms,
    terms_of_many,
    text_similarity,
    words_of_many,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("Quesos Artesanales ÑUBLE", "quesos artesanales nuble"), ("Limón, Güero", "limon, guero"), (None, "")],
    ids=["accents-and-case", "dieresis", "none"],
)
def test_fold_text(text, expected):
    assert fold_text(text) == expected


@pytest.mark.parametrize(
    ("word", "expected"),
    [("quesos", "queso"), ("yogures", "yogur"), ("flores", "flor"), ("mes", "mes"), ("paltas", "palta"),
     ("gas", "gas"), ("express", "express")],
)
def test_stem_strips_spanish_plurals(word, expected):
    assert stem(word) == expected


LATIN_1 = "".join(chr(code) for code in range(1, 256))
TEXTS = ["Quesos ÑUBLE artesanales", "Çà et là, ÆØÅ ß µ ÿ", "yogur; frutilla 100% natural", "", "a\0b",
         LATIN_1, LATIN_1.upper()]


@pytest.mark.parametrize("beyond_latin_1", ["", " — «Leche™» İstanbul \u212a"], ids=["latin-1", "beyond"])
def test_words_of_many_splits_each_text_as_fold_text_and_the_word_pattern_do(beyond_latin_1):
    texts = [t + beyond_latin_1 for t in TEXTS]
    assert words_of_many(texts) == [_WORD.findall(fold_text(t)) for t in texts]


def test_terms_of_many_equals_terms_text_by_text():
    texts = ["Quesos y yogures", None, "", "Frutillas congeladas, IQF", "Quesos y yogures", "Leña — carbón"]
    assert terms_of_many(texts) == [terms(t) for t in texts]


def test_terms_drop_stop_words_and_procurement_filler():
    assert terms("Buscamos proveedores de QUESOS y yogures para el casino") == ["queso", "yogur", "casino"]


def test_similarity_ranks_matching_products_first_and_ignores_accents():
    scores = text_similarity("Quesos y yogur para casino", [
        "pan amasado y empanadas",
        "QUÉSOS frescos, yoGures",
        "quesos",
        "",
        None,
    ])
    assert scores[1] > scores[2] > scores[0] == 0.0
    assert scores[3] == scores[4] == 0.0
    assert ((scores >= 0) & (scores <= 1)).all()


def test_similarity_tolerates_a_typo_through_rapidfuzz():
    with_typo, unrelated = text_similarity("mermelada de frutilla", ["mermeladas de frutila", "ferretería"])
    assert with_typo > 0.5
    assert unrelated == 0.0


def test_empty_query_or_documents_give_zeros():
    assert text_similarity("", ["quesos"]).tolist() == [0.0]
    assert text_similarity("quesos", []).tolist() == []


def test_shared_terms_quote_the_firms_own_words():
    assert shared_terms("quesos y yogur", "Quesos de cabra, Yogures y leche") == ["quesos", "yogures"]
    assert shared_terms("quesos", "pan") == []


def test_tfidf_is_scikit_learns_transformer_to_the_last_bit():
    import random

    import numpy as np
    from sklearn.feature_extraction.text import TfidfTransformer

    from matching.text_similarity import _count_matrix, tfidf

    rng = random.Random(5)
    words = [f"w{i}" for i in range(300)]
    docs = [[rng.choice(words) for _ in range(rng.choice((0, 0, 1, 3, 8, 20)))] for _ in range(1500)]
    counts, _ = _count_matrix(docs)
    ours = tfidf(counts)
    theirs = TfidfTransformer(sublinear_tf=True, norm="l2").fit_transform(counts)
    assert ours.shape == theirs.shape
    assert np.array_equal(ours.toarray(), theirs.toarray())  # exact, not approximately
    assert any(not d for d in docs), "empty texts are in the sample"
