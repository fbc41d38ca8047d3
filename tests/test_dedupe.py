"""Duplicate detection (pure): blocking, rapidfuzz scores and the threshold, without a database."""

from __future__ import annotations

import pytest

from matching.dedupe import DUPLICATE_THRESHOLD, FirmName, exact_duplicates, find_duplicates

RANCAGUA, MACHALI, ARICA = "06101", "06108", "15101"


def _pair(a: FirmName, b: FirmName, **kwargs) -> list[tuple[str, str]]:
    return [(m.left, m.right) for m in find_duplicates([a, b], **kwargs)]


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ("Cooperativa Agrícola y Lechera Los Andes Ltda.", "Coop. Agricola Lechera Los Andes"),
        ("Panadería Los Aromos Ltda.", "Panaderia Los Aromso"),
        ("Transportes Muñoz y Rojas SpA", "Transportes Rojas y Muñoz"),
        ("Sociedad Comercial Riego Valle Verde SpA", "Soc. Com. Riego Valle Verde"),
        ("Ferretería Don Manuel Limitada", "FERRETERIA DON MANUEL"),
        ("Hierbas Armijo Hermanos", "Hierbas Armijo Hnos. Ltda."),
    ],
    ids=["coop-abbreviated", "typo-and-legal-form", "reordered-surnames", "soc-com-abbreviations",
         "capitals-no-accents", "hnos-and-legal-form"],
)
def test_same_firm_written_twice_in_one_comuna_is_proposed(left, right):
    a = FirmName("1-9", left, RANCAGUA, ("1050",))
    b = FirmName("2-7", right, RANCAGUA, ("1050",))
    assert _pair(a, b) == [("1-9", "2-7")]


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ("Comercial Soto Pérez Ltda.", "Comercial Soto Rojas Ltda."),
        ("Panadería Los Aromos", "Amasandería Los Aromos"),
        ("Cooperativa Campesina Valle Verde", "Cooperativa Lechera Valle Verde"),
        ("Transportes Muñoz", "Transportes Muñoz y Rojas"),
    ],
    ids=["different-surname", "different-trade", "different-coop-kind", "extra-partner"],
)
def test_different_firms_are_not_proposed(left, right):
    a = FirmName("1-9", left, RANCAGUA, ("1050",))
    b = FirmName("2-7", right, RANCAGUA, ("1050",))
    assert _pair(a, b) == []


def test_namesakes_in_different_comunas_are_not_proposed_without_shared_contact():
    a = FirmName("1-9", "Panadería Los Aromos", RANCAGUA, ("1071",))
    b = FirmName("2-7", "Panaderia Los Aromos", ARICA, ("1071",))
    assert _pair(a, b) == []


def test_same_phone_makes_namesakes_in_another_comuna_a_candidate():
    a = FirmName("1-9", "Panadería Los Aromos", RANCAGUA, ("1071",), phone="+56 9 8765 4321")
    b = FirmName("2-7", "Panaderia Los Aromos SpA", MACHALI, ("1071",), phone="987654321")
    [match] = find_duplicates([a, b])
    assert "Mismo teléfono." in match.evidence
    assert "Comunas distintas." in match.evidence
    assert match.score >= DUPLICATE_THRESHOLD


def test_firms_in_different_comunas_and_sectors_are_never_compared():
    a = FirmName("1-9", "Panadería Los Aromos", RANCAGUA, ("1071",))
    b = FirmName("2-7", "Panadería Los Aromos", ARICA, ("4711",))
    assert find_duplicates([a, b], threshold=0) == []


def test_evidence_names_the_normalized_names_and_shared_sector():
    a = FirmName("1-9", "Quesería Los Andes Ltda.", RANCAGUA, ("1050", "1071"), email="ventas@andes.cl")
    b = FirmName("2-7", "Queseria Los Andez", RANCAGUA, ("1050",), email="Ventas@Andes.cl")
    [match] = find_duplicates([a, b])
    assert match.evidence[0] == "Nombres normalizados parecidos: «queseria andes» y «queseria andez» (93/100)."
    assert "Mismo correo electrónico." in match.evidence
    assert "Misma comuna." in match.evidence
    assert "Comparten rubro CIIU 1050." in match.evidence


def test_involving_restricts_pairs_to_the_given_firms():
    old_a = FirmName("1-9", "Vivero El Boldo", RANCAGUA, ("0130",))
    old_b = FirmName("2-7", "Vivero El Boldo Ltda.", RANCAGUA, ("0130",))
    new = FirmName("3-5", "Vivero El Bolod SpA", RANCAGUA, ("0130",))
    pairs = {(m.left, m.right) for m in find_duplicates([old_a, old_b, new], involving={"3-5"})}
    assert pairs == {("1-9", "3-5"), ("2-7", "3-5")}


def test_threshold_is_a_parameter():
    a = FirmName("1-9", "Ferretería Los Aromos", RANCAGUA, ("4752",))
    b = FirmName("2-7", "Ferretería Los Arromos Hnos", RANCAGUA, ("4752",))
    [match] = find_duplicates([a, b], threshold=50)
    assert find_duplicates([a, b], threshold=match.score + 0.1) == []


def test_large_comuna_is_split_by_name_word_and_still_finds_the_pair():
    firms = [FirmName(f"{i}-0", f"Almacén Número {i:05d} Ltda.", RANCAGUA, (f"{i % 90:02d}00",)) for i in range(3500)]
    firms.append(FirmName("x-1", "Botillería Los Canelos", RANCAGUA, ("4723",)))
    firms.append(FirmName("x-2", "Botilleria Los Canelos SpA", RANCAGUA, ("4723",)))
    pairs = [(m.left, m.right) for m in find_duplicates(firms)]
    assert ("x-1", "x-2") in pairs


def test_exact_baseline_misses_typos_and_word_order():
    firms = [
        FirmName("1-9", "Panadería Los Aromos Ltda.", RANCAGUA),
        FirmName("2-7", "Panaderia Los Aromos", RANCAGUA),
        FirmName("3-5", "Panadería Los Aromso", RANCAGUA),
        FirmName("4-3", "Aromos Panadería", RANCAGUA),
    ]
    assert exact_duplicates(firms) == [("1-9", "2-7")]
