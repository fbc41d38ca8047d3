"""The OpenAPI document tells the truth (issue 11): schemathesis generates requests for every operation,
as each role, and every answer must be documented (status, media type, body schema) and none a 5xx.

Runs in-process against the app (``app`` fixture) and the real test Neo4j. What the fuzzer writes
(firms, needs, keys, jobs... with generated values) is removed when the module ends: every node
and relationship that was not in the graph before it started.
"""

from __future__ import annotations

import collections
import json
import tempfile
import time
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from service import create_app
from tests.helpers import auth


@schemathesis.serializer("application/x-ndjson")
def _json_lines(ctx, value):
    """An import body as JSON lines: what the generator made, one JSON value per line."""
    if isinstance(value, bytes | str):
        data = value.encode("utf-8", "surrogatepass") if isinstance(value, str) else value
    else:
        rows = value if isinstance(value, list) else [value]
        data = "\n".join(json.dumps(row, ensure_ascii=False, default=str) for row in rows).encode()
    return {"data": data}


ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
EXAMPLES = 12
# Generated cases per (role, operation), for the closing figures.
CASES: collections.Counter = collections.Counter()

SNAPSHOT = "MATCH (n) RETURN collect(elementId(n)) AS nodes"
SNAPSHOT_RELATIONSHIPS = "MATCH ()-[r]->() RETURN collect(elementId(r)) AS relationships"
PROMOTED = "MATCH (m) WHERE (m:RankerModel OR m:PairModel) AND m.promoted = true RETURN collect(elementId(m)) AS ids"
# Reports the fuzzer asked for (dozens, each over the whole test graph) are not waited for: still
# queued, they are failed here, so the worker skips them; they write nothing to the graph.
DROP_QUEUED_REPORTS = """
MATCH (j:Job {kind: 'report', status: 'queued'}) WHERE NOT elementId(j) IN $nodes
SET j.status = 'failed', j.error = 'Descartado al terminar la prueba del documento OpenAPI.'
"""
UNFINISHED = """
MATCH (j:Job) WHERE NOT elementId(j) IN $nodes AND j.status IN ['queued', 'running']
RETURN count(j) AS n, collect(j {.id, .kind, .status})[..5] AS some
"""
REMOVE_NEW = """
CALL () { MATCH ()-[r]->() WHERE NOT elementId(r) IN $relationships DELETE r }
CALL () { MATCH (n) WHERE NOT elementId(n) IN $nodes DETACH DELETE n }
"""
RESTORE_PROMOTED = "MATCH (m) WHERE m:RankerModel OR m:PairModel SET m.promoted = elementId(m) IN $ids"
JOBS_WAIT_S = 120


@pytest.fixture(scope="module", autouse=True)
def remove_what_the_fuzzer_wrote(driver):
    """The graph as it was: the fuzzer's jobs (run by the suite's worker) finish, then every node and
    relationship it made goes, and the models promoted before are the promoted ones again (a
    training job the fuzzer started may have promoted its own)."""
    nodes = driver.execute_query(SNAPSHOT).records[0]["nodes"]
    relationships = driver.execute_query(SNAPSHOT_RELATIONSHIPS).records[0]["relationships"]
    promoted = driver.execute_query(PROMOTED).records[0]["ids"]
    yield
    driver.execute_query(DROP_QUEUED_REPORTS, nodes=nodes)
    deadline = time.monotonic() + JOBS_WAIT_S
    while (left := driver.execute_query(UNFINISHED, nodes=nodes).records[0])["n"] and time.monotonic() < deadline:
        time.sleep(0.5)
    assert not left["n"], f"jobs the fuzzer started did not finish in {JOBS_WAIT_S} s: {left['some']}"
    driver.execute_query(REMOVE_NEW, nodes=nodes, relationships=relationships)
    driver.execute_query(RESTORE_PROMOTED, ids=promoted)


# The document is read once at collection from an app of its own (the document does not depend on
# settings); the requests go to the suite's ``app``. (Schemathesis's lazy fixture loader relies on a
# pytest internal that pytest 9 removed.)
with tempfile.TemporaryDirectory(prefix="encadena-openapi-") as _data:
    SPEC = create_app({"ENCADENA_DATA_DIR": _data}).api_doc
schema = schemathesis.openapi.from_dict(SPEC)
FUZZ = settings(max_examples=EXAMPLES, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                       HealthCheck.function_scoped_fixture, HealthCheck.data_too_large])


def _run(app, case, key: str | None, role: str) -> None:
    CASES[(role, case.operation.label)] += 1
    case.call_and_validate(app=app, headers=auth(key) if key else None, checks=CHECKS)


@schema.parametrize()
@FUZZ
def test_every_answer_to_an_admin_is_documented(app, case, keys):
    _run(app, case, keys["admin"], "admin")


@schema.parametrize()
@FUZZ
def test_every_answer_to_an_advisor_is_documented(app, case, keys):
    _run(app, case, keys["advisor"], "advisor")


@schema.parametrize()
@FUZZ
def test_every_answer_to_a_buyer_is_documented(app, case, keys):
    _run(app, case, keys["buyer"], "buyer")


@schema.parametrize()
@FUZZ
def test_every_answer_without_a_key_is_documented(app, case):
    _run(app, case, None, "none")


def test_the_fuzzer_covered_every_operation_for_every_role(app):
    """Runs after the four above (same module, in order): each role reached every operation."""
    spec = app.test_client().get("/openapi.json").get_json()
    operations = {f"{method.upper()} {path}" for path, item in spec["paths"].items() for method in item
                  if method in {"get", "post", "put", "patch", "delete"}}
    for role in ("admin", "advisor", "buyer", "none"):
        reached = {label for (who, label) in CASES if who == role}
        assert reached == operations, (role, sorted(operations - reached))
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "schemathesis.json").write_text(json.dumps(
        {"operations": len(operations), "callers": ["admin", "advisor", "buyer", "none"],
         "cases": sum(CASES.values()), "failures": 0,
         "cases_per_caller": {role: sum(n for (who, _), n in CASES.items() if who == role)
                              for role in ("admin", "advisor", "buyer", "none")}}, indent=1))


def test_no_two_models_of_the_document_share_a_name():
    """flask-openapi3 names components by class name, so a second ``Candidate`` silently replaced the
    first in the document. Path and query models are inlined as parameters and may repeat."""
    import importlib
    import pkgutil

    from pydantic import BaseModel

    import service.api

    homes: dict[str, set[str]] = collections.defaultdict(set)
    modules = ["service.schemas"] + [f"service.api.{m.name}" for m in pkgutil.iter_modules(service.api.__path__)]
    for name in modules:
        module = importlib.import_module(name)
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, BaseModel) and value.__module__ == name:
                homes[value.__name__].add(name)
    shared = {cls: sorted(where) for cls, where in homes.items()
              if len(where) > 1 and not cls.endswith(("Path", "Query"))}
    assert not shared, shared
