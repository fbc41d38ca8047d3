"""Firm-name normalization (pure): the table of spellings that must compare equal, or not."""

from __future__ import annotations

import pytest

from matching.names import analyze_name, normalize_name


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("Cooperativa Agrícola y Lechera Los Andes Ltda.", "lechera andes"),
        ("Coop. Agricola Lechera Los Andes", "lechera andes"),
        ("COOPERATIVA AGRICOLA LECHERA LOS ANDES LIMITADA", "lechera andes"),
        ("Soc. Agrícola El Roble Ltda.", "roble"),
        ("Sociedad Agricola El Roble Limitada", "roble"),
        ("Inversiones Pérez S.p.A.", "perez"),
        ("Inversiones Perez SpA", "perez"),
        ("Transportes Muñoz Hnos. Ltda", "transportes munoz"),
        ("Transportes Muñoz Hermanos Limitada", "transportes munoz"),
        ("Soto y Cía. Ltda.", "soto"),
        ("Soto y Compañía", "soto"),
        ("José Plaza Segovia E.I.R.L.", "jose plaza segovia"),
        ("Jose Plaza Segovia EIRL", "jose plaza segovia"),
        ("Holding Montero, Castillo y Vega Sociedad Anónima", "montero castillo vega"),
        ("Montero Castillo & Vega S.A.", "montero castillo vega"),
        ("Panadería   &   Pastelería 2000 Limitada", "panaderia pasteleria 2000"),
        ("Cooperatva los andez", "andez"),
        ("Soceidad Comercial Riego Valle Verde", "riego valle verde"),
        ("Comercial Agrícola Ltda.", "comercial agricola"),
        ("Spa Las Termas", "spa termas"),
        ("Las Termas SpA", "termas"),
        ("Ltda.", "ltda"),
    ],
    ids=[
        "coop-long-form", "coop-abbreviated", "coop-upper-no-accents", "soc-abbreviated", "soc-long-form",
        "spa-dotted", "spa-plain", "hnos-abbreviated", "hermanos-long-form", "y-cia-ltda", "y-compania",
        "eirl-dotted", "eirl-plain", "sociedad-anonima-words", "sa-dotted-ampersand", "spacing-and-digits",
        "typo-in-generic-word", "transposed-generic-word", "only-generic-words-stay", "spa-as-business-kept",
        "spa-as-legal-form-dropped", "only-a-legal-form",
    ],
)
def test_normalize_name(name, key):
    assert normalize_name(name) == key


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Comercial Soto Pérez Ltda.", "Comercial Soto Rojas Ltda."),
        ("Panadería Los Aromos", "Panadería Los Álamos"),
        ("Cooperativa Campesina Valle Verde", "Cooperativa Lechera Valle Verde"),
    ],
    ids=["different-second-surname", "different-place", "different-coop-kind"],
)
def test_different_firms_keep_different_keys(a, b):
    assert normalize_name(a) != normalize_name(b)


def test_analyze_name_keeps_legal_form_and_generic_words_apart():
    parts = analyze_name("Sociedad Comercial Pérez y González Limitada")
    assert parts.key == "perez gonzalez"
    assert parts.generic == "sociedad comercial"
    assert parts.legal_form == "limitada"
    assert parts.full == "sociedad comercial perez gonzalez"
