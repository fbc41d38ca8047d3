"""Spanish text similarity between a need's description and firms' products (no database)."""

from __future__ import annotations

import pytest

from matching.text_similarity import fold_text, shared_terms, stem, terms, text_similarity


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
