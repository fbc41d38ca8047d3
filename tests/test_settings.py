"""One settings object for the service, the command line and the workers, documented where people look."""

from __future__ import annotations

import re
from pathlib import Path

from application.settings import Settings, configuration_table
from service import flask_config

README = Path(__file__).resolve().parent.parent / "README.md"


def test_readme_configuration_table_is_the_settings_table():
    text = README.read_text(encoding="utf-8")
    found = re.search(r"<!-- settings-table[^>]*-->\n(.*?)\n<!-- /settings-table -->", text, re.S)
    assert found, "the README marks its configuration table"
    assert found.group(1).strip() == configuration_table()


def test_aura_names_and_the_older_user_name_are_accepted(monkeypatch):
    monkeypatch.setenv("NEO4J_URI", "neo4j+s://abc.databases.neo4j.io")
    monkeypatch.setenv("NEO4J_USERNAME", "aura-user")
    monkeypatch.setenv("NEO4J_DATABASE", "encadena")
    settings = Settings()
    assert (settings.neo4j_uri, settings.neo4j_username, settings.neo4j_database) == (
        "neo4j+s://abc.databases.neo4j.io", "aura-user", "encadena")
    monkeypatch.delenv("NEO4J_USERNAME")
    monkeypatch.setenv("NEO4J_USER", "older-name")
    assert Settings().neo4j_username == "older-name"


def test_the_web_app_reads_the_same_settings(monkeypatch):
    monkeypatch.setenv("MAX_IMPORT_BYTES", "2048")
    monkeypatch.setenv("NEO4J_DATABASE", "otra")
    config = flask_config({"NEO4J_URI": "bolt://127.0.0.1:1"})
    assert config["MAX_IMPORT_BYTES"] == 2048
    assert config["NEO4J_DATABASE"] == "otra"
    assert config["NEO4J_URI"] == "bolt://127.0.0.1:1"  # a test mapping wins over the environment


def test_every_query_names_the_configured_database(driver, settings):
    """A Graph bound to a database that does not exist fails on that database, so the name is sent."""
    import pytest
    from neo4j.exceptions import ClientError

    from graph_schema.driver import make_graph

    graph = make_graph(settings.neo4j_uri, settings.neo4j_username, settings.neo4j_password, "nodb")
    try:
        with pytest.raises(ClientError, match="nodb|not found|does not exist"):
            graph.execute_query("RETURN 1")
        with pytest.raises(ClientError, match="nodb|not found|does not exist"), graph.session() as session:
            session.run("RETURN 1").consume()
    finally:
        graph.close()
