"""The graph schema and reference data: constraints, recorded migrations, idempotent loads, real counts."""

from __future__ import annotations

import pytest

from graph_schema.migrate import all_migrations

# Every natural key of DESIGN.md's graph, plus the one-proposal-per-(need, firm) rule.
NATURAL_KEYS = {
    ("Firm", ("rut",)), ("Buyer", ("rut",)), ("Sector", ("code",)), ("Comuna", ("cut",)),
    ("Province", ("cut",)), ("Region", ("cut",)), ("Certification", ("code",)), ("Need", ("id",)),
    ("Project", ("id",)), ("Alliance", ("id",)), ("Center", ("id",)), ("Advisor", ("id",)),
    ("Proposal", ("id",)), ("ApiKey", ("id",)), ("ApiKey", ("hash",)), ("SchemaMigration", ("version",)),
    ("Proposal", ("need_id", "firm_rut")),
}

# Chile, Easter Island and the Juan Fernández islands included (Cabo de Hornos reaches about -56°).
CHILE_LAT = (-56.6, -17.4)
CHILE_LON = (-109.5, -66.3)


def test_every_natural_key_has_a_uniqueness_constraint(driver):
    records, _, _ = driver.execute_query(
        "SHOW CONSTRAINTS YIELD type, entityType, labelsOrTypes, properties "
        "WHERE type = 'UNIQUENESS' AND entityType = 'NODE' RETURN labelsOrTypes, properties")
    found = {(r["labelsOrTypes"][0], tuple(r["properties"])) for r in records}
    assert NATURAL_KEYS - found == set()


def test_firm_indexes_are_the_ones_queries_read(driver):
    records, _, _ = driver.execute_query(
        "SHOW INDEXES YIELD name, type, labelsOrTypes, properties WHERE 'Firm' IN labelsOrTypes "
        "RETURN name, type, properties")
    found = {r["name"]: (r["type"], r["properties"]) for r in records}
    assert found["firm_text"] == ("FULLTEXT", ["name", "products"])
    assert any(props == ["rut"] for _, props in found.values())  # behind the uniqueness constraint
    assert "firm_size_segment" not in found and "firm_name_key" not in found  # migration 70


def test_migrations_are_recorded_in_the_graph(driver):
    records, _, _ = driver.execute_query(
        "MATCH (m:SchemaMigration) RETURN m.version AS version, m.description AS description, "
        "m.applied_at IS :: ZONED DATETIME AS dated ORDER BY version")
    # Every migration of this code is recorded (a graph migrated by newer code may hold more).
    assert {m.version for m in all_migrations()} <= {r["version"] for r in records}
    assert all(r["description"] and r["dated"] for r in records)


def _graph_counts(driver) -> tuple[dict, dict]:
    labels, _, _ = driver.execute_query("MATCH (n) UNWIND labels(n) AS label RETURN label, count(*) AS n")
    types, _, _ = driver.execute_query("MATCH ()-[r]->() RETURN type(r) AS type, count(*) AS n")
    return {r["label"]: r["n"] for r in labels}, {r["type"]: r["n"] for r in types}


def test_migrate_and_load_reference_twice_change_nothing(runner, driver):
    for command in ("migrate", "load-reference"):
        assert runner.invoke(command).exit_code == 0
    before = _graph_counts(driver)
    migrated = runner.invoke("migrate")
    loaded = runner.invoke("load-reference")
    assert migrated.exit_code == loaded.exit_code == 0
    assert "está al día" in migrated.output
    assert "345 comunas" in loaded.output
    assert _graph_counts(driver) == before


@pytest.mark.parametrize(("label", "count"), [("Region", 16), ("Province", 56), ("Comuna", 345)])
def test_territory_counts(driver, label, count):
    records, _, _ = driver.execute_query("MATCH (n) WHERE $label IN labels(n) RETURN count(n) AS n", label=label)
    assert records[0]["n"] == count


def test_every_comuna_sits_in_a_province_of_a_region(driver):
    records, _, _ = driver.execute_query(
        "MATCH (c:Comuna)-[:IN]->(p:Province)-[:IN]->(r:Region) "
        "WHERE p.cut STARTS WITH r.cut AND c.cut STARTS WITH p.cut RETURN count(DISTINCT c) AS n")
    assert records[0]["n"] == 345


def test_isic_counts_by_level(driver):
    records, _, _ = driver.execute_query("MATCH (s:Sector) RETURN s.level AS level, count(*) AS n")
    assert {r["level"]: r["n"] for r in records} == {"section": 21, "division": 88, "group": 238, "class": 419}


def test_every_comuna_centroid_is_inside_chile(driver):
    records, _, _ = driver.execute_query(
        """MATCH (c:Comuna)
           WHERE c.lat IS NULL OR c.lon IS NULL OR c.location IS NULL
              OR NOT ($lat[0] <= c.lat <= $lat[1] AND $lon[0] <= c.lon <= $lon[1])
              OR c.location.latitude <> c.lat OR c.location.longitude <> c.lon
           RETURN c.name AS name""",
        lat=list(CHILE_LAT), lon=list(CHILE_LON))
    assert [r["name"] for r in records] == []


@pytest.mark.parametrize(
    ("a", "b", "adjacent"),
    [("13101", "13123", True), ("13123", "13120", True), ("15101", "12101", False), ("13101", "05201", False)],
    ids=["santiago-providencia", "providencia-nunoa", "arica-punta-arenas", "santiago-isla-de-pascua"],
)
def test_comuna_adjacency(driver, a, b, adjacent):
    records, _, _ = driver.execute_query(
        "MATCH (a:Comuna {cut: $a}), (b:Comuna {cut: $b}) RETURN EXISTS { (a)-[:ADJACENT_TO]-(b) } AS adjacent",
        a=a, b=b)
    assert records[0]["adjacent"] is adjacent
