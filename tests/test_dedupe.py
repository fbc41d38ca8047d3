"""Duplicate detection (pure): blocking, the pair model's scores and evidence, clusters, without a database."""

from __future__ import annotations

import pytest

from matching.clusters import MAX_CLUSTER_SIZE
from matching.dedupe import DUPLICATE_THRESHOLD, FirmName, exact_duplicates, find_duplicates

RANCAGUA, MACHALI, ARICA = "06101", "06108", "15101"
ADJACENT = {RANCAGUA: frozenset({MACHALI}), MACHALI: frozenset({RANCAGUA})}


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


# -- namesakes: a surname or place shared, what the firm is and does not ---------------------------------

@pytest.mark.parametrize(
    ("left", "left_sector", "right", "right_sector"),
    [
        ("Comercial El Maitén Ltda.", "4630", "Sociedad Agrícola El Maitén Ltda.", "0111"),
        ("Inversiones Díaz S.A.", "6810", "Díaz S.p.A.", "4100"),
        ("Distribuidora Parra Ltda.", "4630", "Comercial e Industrial Parra S.A.", "7110"),
        ("Constructora Valle Verde Ltda.", "4100", "Inmobiliaria Valle Verde S.A.", "6810"),
        ("Holding Reyes y Asociados Limitada", "6420", "Reyes SpA", "4711"),
    ],
    ids=["comercial-vs-sociedad-agricola", "inversiones-sa-vs-spa", "distribuidora-vs-comercial-industrial",
         "constructora-vs-inmobiliaria", "holding-vs-bare-surname"],
)
def test_namesakes_with_other_trade_legal_form_and_sector_are_not_proposed(left, left_sector, right, right_sector):
    a = FirmName("1-9", left, RANCAGUA, (left_sector,))
    b = FirmName("2-7", right, RANCAGUA, (right_sector,))
    assert find_duplicates([a, b]) == []


def test_namesakes_stay_apart_among_other_firms_of_the_comuna():
    background = [FirmName(f"{i}-0", f"Comercial Díaz {name} Ltda.", RANCAGUA, ("4711",))
                  for i, name in enumerate(("Soto", "Rojas", "Pérez", "Silva", "Muñoz"))]
    a = FirmName("a-1", "Inversiones Díaz S.A.", RANCAGUA, ("6810",))
    b = FirmName("a-2", "Díaz S.p.A.", RANCAGUA, ("4100",))
    assert find_duplicates([*background, a, b]) == []


# -- the same firm as other offices write it -----------------------------------------------------

@pytest.mark.parametrize(
    ("left", "left_sectors", "right", "right_sectors"),
    [
        ("Sociedad Agrícola Los Alerces Ltda.", ("0111",), "Soc. Agric. Los Alerces", ("0111",)),
        ("Sociedad Agrícola Los Alerces Ltda.", ("0111",), "Soc. Agric. Los Alerces", ()),
        ("Constructora Bastías y Baeza Ltda.", ("4100",), "Bastías y Baeza", ("4100",)),
        ("Constructora Bastías y Baeza Ltda.", ("4100",), "Const. Bastias y Baeza", ()),
        ("Inversiones Pereira Sociedad Anónima", ("6810",), "INVERSIONES PEREIRA S.A.", ("6810",)),
        ("Distribuidora Núñez Limitada", ("4630",), "Distrib. Nunez Ltda", ("4630",)),
        ("Ferretería Los Aromos Ltda.", ("4752",), "Ferreteria Los Aromso", ("4752",)),
        ("Comercial Torres y Tapia Ltda.", ("4630",), "Com. Tapia y Torres", ("4630",)),
        ("Manuel Javier Merino Sandoval EIRL", ("4711",), "Manuel Merino Sandoval E.I.R.L.", ("4711",)),
        ("Servicios Cerro Alto SpA", ("8299",), "servicios cerro alto s.p.a.", ("8299",)),
    ],
    ids=["soc-agric-abbreviated", "soc-agric-no-sector", "industry-word-dropped", "const-abbreviated-no-sector",
         "sociedad-anonima-spelling-upper", "distrib-no-accents-ltda", "typo-legal-form-dropped",
         "cial-abbreviated-surnames-swapped", "middle-name-dropped", "lower-case-spa-dotted"],
)
def test_true_variants_in_one_comuna_are_proposed(left, left_sectors, right, right_sectors):
    a = FirmName("1-9", left, RANCAGUA, left_sectors)
    b = FirmName("2-7", right, RANCAGUA, right_sectors)
    [match] = find_duplicates([a, b])
    assert (match.left, match.right) == ("1-9", "2-7")
    assert match.score >= DUPLICATE_THRESHOLD


@pytest.mark.parametrize(
    ("left", "left_sector", "right", "right_sector"),
    [
        ("Comercial Rojas Ltda.", "4630", "Comercial Rosas Ltda.", "4630"),
        ("Transportes Rojas Muñoz SpA", "4923", "Transportes Rosas Muñoz SpA", "4923"),
        ("Astudillo S.A.", "4630", "Astudillo Ltda.", "6810"),
        ("Agrícola Santa Elena Ltda.", "0111", "Constructora Santa Elena S.A.", "4100"),
        ("Comercial Soto Pérez Ltda.", "4630", "Comercial Soto Rojas Ltda.", "4630"),
    ],
    ids=["rojas-rosas-short", "rojas-rosas-in-longer-name", "legal-form-and-sector-differ",
         "industry-legal-form-and-sector-differ", "second-surname-differs"],
)
def test_hard_negatives_in_one_comuna_are_not_proposed(left, left_sector, right, right_sector):
    a = FirmName("1-9", left, RANCAGUA, (left_sector,))
    b = FirmName("2-7", right, RANCAGUA, (right_sector,))
    assert find_duplicates([a, b]) == []


# -- RUT, adjacency -------------------------------------------------------------------------------

def test_same_rut_in_an_adjacent_comuna_is_proposed_and_two_valid_ruts_weigh_against():
    a = FirmName("l2", "Comercial Los Peumos Ltda.", RANCAGUA, ("4630",), rut="76.086.428-5")
    b = FirmName("l3", "Los Peumos", MACHALI, (), rut="76086428-5")
    [match] = find_duplicates([a, b], adjacency=ADJACENT)
    assert "Mismo RUT (76.086.428-5)." in match.evidence
    assert "Comunas vecinas." in match.evidence
    other = FirmName("l3", "Comercial Los Peumos", RANCAGUA, ("4630",), rut="96.790.240-3")
    same_rut_missing = find_duplicates([a, FirmName("l3", "Comercial Los Peumos", RANCAGUA, ("4630",))])
    different = find_duplicates([a, other], threshold=0)
    assert different[0].score < same_rut_missing[0].score
    assert any(text.startswith("RUT distintos") for text in different[0].evidence)


def test_the_record_id_is_not_compared_as_a_rut():
    a = FirmName("76086428-5", "Comercial Los Peumos Ltda.", RANCAGUA, ("4630",))
    b = FirmName("96790240-3", "Comercial Los Peumos Ltda.", RANCAGUA, ("4630",))
    [match] = find_duplicates([a, b])
    assert ("rut", "sin_dato") == match.weights[-1][:2]


# -- evidence -------------------------------------------------------------------------------------

def test_evidence_lists_terms_for_and_against_in_spanish():
    a = FirmName("1-9", "Comercial El Maitén Ltda.", RANCAGUA, ("4630",))
    b = FirmName("2-7", "Sociedad Agrícola El Maitén S.A.", RANCAGUA, ("0111",))
    [match] = find_duplicates([a, b], threshold=0)
    assert match.evidence[0] == "Mismo nombre normalizado: «maiten»."
    assert "Misma comuna." in match.evidence
    assert "Rubro CIIU distinto (4630 / 0111)." in match.evidence
    assert "Forma jurídica distinta (Ltda. / S.A.)." in match.evidence
    assert "Palabras de rubro del nombre distintas (Comercial / Agrícola)." in match.evidence
    balance = match.evidence[-1]
    assert balance.startswith("Peso de la evidencia (bits): parte en −")
    pro, con = balance.split("; a favor ")[1].split("; en contra ")
    assert "nombre +" in pro and "comuna +" in pro
    assert "rubro CIIU −" in con and "forma jurídica −" in con and "palabras de rubro del nombre −" in con
    levels = {(c, level) for c, level, _ in match.weights}
    assert {("ciiu", "distinta"), ("forma", "distinta"), ("rubro", "distinto"), ("comuna", "misma")} <= levels


def test_a_common_name_says_how_many_records_share_it():
    firms = [FirmName(f"{i}-0", "González Ltda.", RANCAGUA, ("4711",), phone=f"+56 9 1111 {i:04d}") for i in range(6)]
    firms.append(FirmName("x-1", "GONZALEZ LTDA", RANCAGUA, ("4711",), phone="+56 9 1111 0003"))
    best = find_duplicates(firms)[0]
    assert (best.left, best.right) == ("3-0", "x-1")
    assert best.evidence[0] == "Mismo nombre normalizado: «gonzalez» (lo llevan 7 registros)."
    assert "Mismo teléfono." in best.evidence


# -- clusters -------------------------------------------------------------------------------------

def test_a_chain_of_pairs_is_one_cluster():
    a = FirmName("a", "Panadería Los Aromos Ltda.", RANCAGUA, ("1071",))
    b = FirmName("b", "Panaderia Los Aromso", RANCAGUA, ("1071",))
    c = FirmName("c", "PANADERÍA LOS AROMSO LTDA", RANCAGUA, ("1071",))
    d = FirmName("d", "Botillería El Litre", RANCAGUA, ("4723",))
    e = FirmName("e", "Botilleria El Litre SpA", RANCAGUA, ("4723",))
    matches = find_duplicates([a, b, c, d, e])
    assert {(m.left, m.right): (m.cluster, m.cluster_size) for m in matches} == {
        ("a", "b"): ("a", 3), ("a", "c"): ("a", 3), ("b", "c"): ("a", 3), ("d", "e"): ("d", 2)}
    assert not any(m.suspicious_cluster for m in matches)


def test_clusters_larger_than_a_handful_are_flagged():
    names = ["Vivero El Boldo", "Vivero El Boldo Ltda.", "VIVERO EL BOLDO", "Vivero El Bolod", "Vivero el Boldo SpA",
             "Viveros El Boldo"]
    firms = [FirmName(str(i), name, RANCAGUA, ("0130",)) for i, name in enumerate(names)]
    matches = find_duplicates(firms)
    assert {m.cluster_size for m in matches} == {len(names)} and len(names) > MAX_CLUSTER_SIZE
    assert all(m.suspicious_cluster for m in matches)
    assert all(m.evidence[-1].startswith(f"Grupo de {len(names)} registros encadenados") for m in matches)
