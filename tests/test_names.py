"""Firm-name normalization (pure): the table of spellings that must compare equal, or not."""

from __future__ import annotations

import pytest

from matching.names import analyze_name, firm_name_parts, normalize_name


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


@pytest.mark.parametrize(
    ("name", "key", "industry", "legal_form"),
    [
        ("Sociedad Agrícola Los Alerces Ltda.", "alerces", ("agricola",), "Ltda."),
        ("Soc. Agric. Los Alerces", "alerces", ("agricola",), None),
        ("Comercial El Maitén Limitada", "maiten", ("comercial",), "Ltda."),
        ("Inversiones Díaz S.A.", "diaz", ("inversiones",), "S.A."),
        ("Inv. Diaz SA", "diaz", ("inversiones",), "S.A."),
        ("Pereira Sociedad Anónima", "pereira", (), "S.A."),
        ("Díaz S.p.A.", "diaz", (), "SpA"),
        ("DIAZ SPA", "diaz", (), "SpA"),
        ("Comercial e Industrial Parra S.A.", "parra", ("comercial", "industrial"), "S.A."),
        ("Distrib. Parra Ltda", "parra", ("distribuidora",), "Ltda."),
        ("Const. Bastías y Baeza", "bastias baeza", ("constructora",), None),
        ("Cial. Torres y Tapia Ltda.", "torres tapia", ("comercial",), "Ltda."),
        ("Holding Reyes y Asociados Limitada", "reyes", ("holding",), "Ltda."),
        ("Industrias Oñate y Cía. Ltda.", "onate", ("industrial",), "Ltda."),
        ("José Plaza Segovia E.I.R.L.", "jose plaza segovia", (), "EIRL"),
        ("Constructra Vega SpA", "vega", ("constructora",), "SpA"),
        ("Comercial Agrícola Ltda.", "comercial agricola", (), "Ltda."),
    ],
    ids=["soc-agricola-ltda", "soc-agric-abbreviated", "comercial-limitada", "inversiones-sa", "inv-abbreviated-sa",
         "sociedad-anonima-words", "spa-dotted", "spa-upper", "two-industry-words", "distrib-abbreviated",
         "const-abbreviated", "cial-abbreviated", "holding-y-asociados", "y-cia-ltda-is-ltda", "eirl-dotted",
         "misspelt-industry-word", "only-industry-words-stay-the-key"],
)
def test_firm_name_parts(name, key, industry, legal_form):
    parts = firm_name_parts(name)
    assert (parts.key, parts.industry, parts.legal_form) == (key, industry, legal_form)
