"""Who may do what: every operation of the API × (no key, buyer A, buyer B, advisor, admin).

The table below is the access policy, cell by cell; the README's access table is made from the
routes' own declarations (``service.access_table``) and a test checks both agree with it.

What a buyer may read, decided here: the public profile of any firm (search and read, without
personal fields), the program's projects and centers, and only its own needs, their candidates,
proposals, alliances and jobs. Other buyers' needs, proposals and decisions are invisible to it
(404, as if they did not exist); advisors, duplicates, imports, reports, models and keys are for
program staff. Mutating cells send a body that fails validation where the role may pass (422: the
gate opened, nothing was written), so the matrix runs without changing the graph, except where a
cell needs a real object (marked).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from graph_schema import jobs as jobs_repo
from graph_schema.duplicates import record_candidates_tx
from graph_schema.ids import new_id
from matching.dedupe import Match
from service import access_table
from service.auth import PUBLIC, declared_roles
from tests.domain import create_center, create_firm, create_need, create_project, need_payload, ok
from tests.helpers import auth, personal_keys

ROLES = ("none", "buyer_a", "buyer_b", "advisor", "admin")
README = Path(__file__).resolve().parent.parent / "README.md"


def expect(none, buyer_a, buyer_b, advisor, admin) -> dict[str, int]:
    return dict(zip(ROLES, (none, buyer_a, buyer_b, advisor, admin), strict=True))


STAFF_ONLY = expect(401, 403, 403, 200, 200)
STAFF_WRITE = expect(401, 403, 403, 422, 422)
EVERYONE = expect(401, 200, 200, 200, 200)
OWN_ONLY = expect(401, 200, 404, 200, 200)


@pytest.fixture(scope="module")
def world(client_module, driver, keys):
    """One of each object, buyer A's where it matters (buyer B is the stranger)."""
    c, k = client_module, keys
    firm = create_firm(c, k["advisor"], owner_gender="F", phone="+56 9 1111 2222", email="duena@example.cl")
    other = create_firm(c, k["advisor"])
    need = create_need(c, k["buyer"], k["buyer_rut"])["id"]
    proposal = ok(c.post(f"/api/v1/needs/{need}/proposals", json={"rut": firm, "note": "cercana"},
                         headers=auth(k["advisor"])))["id"]
    project = create_project(c, k["advisor"])["id"]
    alliance = ok(c.post("/api/v1/alliances", json={"project_id": project, "buyer_rut": k["buyer_rut"],
                                                    "firm_ruts": [firm]}, headers=auth(k["advisor"])))["id"]
    center = create_center(c, k["advisor"])["id"]
    advisor = ok(c.post("/api/v1/advisors", json={"name": "Asesora Matriz", "center_id": center},
                        headers=auth(k["advisor"])))["id"]
    with driver.session() as session:
        pair = session.execute_write(record_candidates_tx, [Match(*sorted([firm, other]), 95.0, ("prueba",))],
                                     datetime.now(UTC).isoformat(), "scan")[0]["id"]
    report = new_id("rep")
    jobs_repo.create_job(driver, {"id": report, "kind": "report", "params": {"top": 3}, "input": None,
                                  "requested_by": "matrix", "role": "advisor", "buyer_rut": None, "advisor_id": None,
                                  "max_attempts": 1})
    # A job of buyer A's own (buyers start none today; the rule that hides it from buyer B is what is tested).
    job = new_id("rep")
    jobs_repo.create_job(driver, {"id": job, "kind": "report", "params": {}, "input": None, "requested_by": "a",
                                  "role": "buyer", "buyer_rut": k["buyer_rut"], "advisor_id": None, "max_attempts": 1})
    return {"firm": firm, "need": need, "proposal": proposal, "project": project, "alliance": alliance,
            "center": center, "advisor": advisor, "pair": pair, "report": report, "job": job,
            "buyer_a": k["buyer_rut"]}


@pytest.fixture(scope="module")
def client_module(app):
    return app.test_client()


# (operation, method, path template, JSON body or None, expected status per role)
MATRIX = [
    ("list firms", "GET", "/api/v1/firms", None, EVERYONE),
    ("read a firm", "GET", "/api/v1/firms/{firm}", None, EVERYONE),
    ("register a firm", "POST", "/api/v1/firms", {}, STAFF_WRITE),
    ("change a firm", "PATCH", "/api/v1/firms/{firm}", {"name": ""}, STAFF_WRITE),
    ("register a buyer", "POST", "/api/v1/buyers", {}, STAFF_WRITE),
    ("list buyers", "GET", "/api/v1/buyers", None, STAFF_ONLY),
    ("read buyer A", "GET", "/api/v1/buyers/{buyer_a}", None, expect(401, 200, 403, 200, 200)),
    ("post a need (invalid)", "POST", "/api/v1/needs", {}, expect(401, 422, 422, 422, 422)),
    ("list needs", "GET", "/api/v1/needs", None, EVERYONE),
    ("read A's need", "GET", "/api/v1/needs/{need}", None, OWN_ONLY),
    ("reopen A's need", "PATCH", "/api/v1/needs/{need}", {"status": "open"}, OWN_ONLY),
    ("matches of A's need", "GET", "/api/v1/needs/{need}/matches", None, OWN_ONLY),
    ("group offers for A's need", "GET", "/api/v1/needs/{need}/groups", None, OWN_ONLY),
    ("propose a firm", "POST", "/api/v1/needs/{need}/proposals", {}, STAFF_WRITE),
    ("proposals of A's need", "GET", "/api/v1/needs/{need}/proposals", None, OWN_ONLY),
    ("read A's proposal", "GET", "/api/v1/proposals/{proposal}", None, OWN_ONLY),
    ("decide (invalid)", "POST", "/api/v1/proposals/{proposal}/decision", {}, expect(401, 422, 422, 403, 422)),
    ("list projects", "GET", "/api/v1/projects", None, EVERYONE),
    ("read a project", "GET", "/api/v1/projects/{project}", None, EVERYONE),
    ("create a project", "POST", "/api/v1/projects", {}, STAFF_WRITE),
    ("register an alliance", "POST", "/api/v1/alliances", {}, STAFF_WRITE),
    ("list alliances", "GET", "/api/v1/alliances", None, EVERYONE),
    ("read A's alliance", "GET", "/api/v1/alliances/{alliance}", None, OWN_ONLY),
    ("create a center", "POST", "/api/v1/centers", {}, STAFF_WRITE),
    ("list centers", "GET", "/api/v1/centers", None, EVERYONE),
    ("read a center", "GET", "/api/v1/centers/{center}", None, EVERYONE),
    ("register an advisor", "POST", "/api/v1/advisors", {}, STAFF_WRITE),
    ("list advisors", "GET", "/api/v1/advisors", None, STAFF_ONLY),
    ("read an advisor", "GET", "/api/v1/advisors/{advisor}", None, STAFF_ONLY),
    ("record sessions", "POST", "/api/v1/advisors/{advisor}/sessions", {}, STAFF_WRITE),
    ("list possible duplicates", "GET", "/api/v1/duplicates", None, STAFF_ONLY),
    ("read a possible duplicate", "GET", "/api/v1/duplicates/{pair}", None, STAFF_ONLY),
    ("resolve a possible duplicate", "POST", "/api/v1/duplicates/{pair}", {}, STAFF_WRITE),
    ("import firms (no file)", "POST", "/api/v1/imports/firms", None, expect(401, 403, 403, 415, 415)),
    ("read the model", "GET", "/api/v1/model", None, STAFF_ONLY),
    ("start a report (invalid)", "POST", "/api/v1/reports", {"top": 0}, STAFF_WRITE),
    ("read a report", "GET", "/api/v1/reports/{report}", None, STAFF_ONLY),
    ("download a missing report file", "GET", "/api/v1/reports/{report}/files/x.csv", None,
     expect(401, 403, 403, 404, 404)),
    ("list my jobs", "GET", "/api/v1/jobs", None, EVERYONE),
    ("read A's job", "GET", "/api/v1/jobs/{job}", None, OWN_ONLY),
    ("download a missing file of A's job", "GET", "/api/v1/jobs/{job}/files/x.csv", None,
     expect(401, 404, 404, 404, 404)),
    ("start a duplicate scan (invalid)", "POST", "/api/v1/duplicate-scans", {"threshold": 500}, STAFF_WRITE),
    ("list keys", "GET", "/api/v1/keys", None, expect(401, 403, 403, 403, 200)),
    ("create a key (invalid)", "POST", "/api/v1/keys", {}, expect(401, 403, 403, 403, 422)),
    ("revoke a missing key", "POST", "/api/v1/keys/000000000000/revoke", None, expect(401, 403, 403, 403, 404)),
    # Training is admin-only; the admin's own run is tested in test_training.py (it trains for real).
    ("train the model", "POST", "/api/v1/model/train", None, expect(401, 403, 403, 403, None)),
]


def _keyed(keys: dict) -> dict[str, dict]:
    return {"none": {}, "buyer_a": auth(keys["buyer"]), "buyer_b": auth(keys["other_buyer"]),
            "advisor": auth(keys["advisor"]), "admin": auth(keys["admin"])}


CELLS = [(op, method, path, body, role, want) for op, method, path, body, expected in MATRIX
         for role, want in expected.items() if want is not None]


@pytest.mark.parametrize(("op", "method", "path", "body", "role", "want"), CELLS,
                         ids=[f"{c[0]}-{c[4]}" for c in CELLS])
def test_access_matrix(client_module, keys, world, op, method, path, body, role, want):
    url = path.format(**world)
    headers = _keyed(keys)[role]
    response = client_module.open(url, method=method, json=body, headers=headers)
    assert response.status_code == want, f"{op} as {role}: {response.status_code} {response.get_data(True)[:300]}"
    if response.status_code >= 400:
        assert response.mimetype == "application/problem+json"
    if role.startswith("buyer") and response.is_json:
        assert personal_keys(response.json) == [], f"{op}: personal data reached a buyer"


def test_buyer_b_cannot_decide_on_buyer_as_proposal(client_module, keys, world):
    response = client_module.post(f"/api/v1/proposals/{world['proposal']}/decision",
                                  json={"decision": "rejected", "reason": "no"}, headers=auth(keys["other_buyer"]))
    assert response.status_code == 404
    again = client_module.get(f"/api/v1/proposals/{world['proposal']}", headers=auth(keys["buyer"]))
    assert again.json["status"] == "pending"


def test_buyer_b_cannot_post_a_need_for_buyer_a(client_module, keys):
    response = client_module.post("/api/v1/needs", json=need_payload(keys["buyer_rut"]),
                                  headers=auth(keys["other_buyer"]))
    assert response.status_code == 403


def test_buyers_see_no_personal_field_of_a_firm_they_can_read(client_module, keys, world):
    for key in ("buyer", "other_buyer"):
        firm = client_module.get(f"/api/v1/firms/{world['firm']}", headers=auth(keys[key])).json
        assert firm["rut"] == world["firm"] and personal_keys(firm) == []
    staff = client_module.get(f"/api/v1/firms/{world['firm']}", headers=auth(keys["advisor"])).json
    assert staff["owner_gender"] == "F" and staff["phone"] and staff["email"]


def _route_matches(rule: str, path: str) -> bool:
    """Whether a Flask rule (``/x/<id>``) covers a matrix path (``/x/{need}`` or ``/x/literal``)."""
    pattern = re.sub(r"<[^>]+>", "[^/]+", re.escape(rule).replace(r"\<", "<").replace(r"\>", ">"))
    return re.fullmatch(pattern, re.sub(r"\{[a-z_]+\}", "x", path)) is not None


def test_the_matrix_covers_every_api_operation(app):
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/"):
            continue
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert any(m == method and _route_matches(rule.rule, p) for _, m, p, _, _ in MATRIX), \
                f"{method} {rule.rule} is not in the matrix"


def test_every_route_declares_who_may_call_it(app):
    """Deny by default: an API route or a page without a declaration would refuse everyone, and none
    exists. Pages name their roles like API routes; only the sign-in page, the page for unknown
    addresses and the pages' static files are public."""
    public_prefixes = ("/docs", "/openapi.json", "/healthz", "/readyz", "/static/")
    public_pages = {"/app/login", "/app/<path:unknown>", "/app/static/<path:filename>"}
    pages = [rule for rule in app.url_map.iter_rules() if rule.rule.startswith("/app/")]
    assert len(pages) > 10
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        roles = declared_roles(view)
        if rule.rule.startswith("/api/"):
            assert isinstance(roles, tuple) and roles, f"{rule.rule} declares no roles"
        elif rule.rule.startswith("/app/"):
            if rule.rule in public_pages:
                assert roles == PUBLIC or rule.endpoint == "pages.static", rule.rule
            else:
                assert isinstance(roles, tuple) and roles, f"page {rule.rule} declares no roles"
        else:
            assert roles == PUBLIC or rule.rule.startswith(public_prefixes) or roles, rule.rule


def test_a_page_without_a_declaration_refuses_everyone(app, people):
    from service import create_app
    from tests.pages import sign_in

    fresh = create_app({**app.config, "TESTING": True})
    fresh.add_url_rule("/app/sonda-sin-roles", endpoint="pages.sonda_sin_roles",
                       view_func=lambda: "sonda-sin-roles-respondió")
    for who in ("buyer_a", "advisor", "admin"):
        client = fresh.test_client()
        sign_in(client, people["accounts"][who])
        response = client.get("/app/sonda-sin-roles")
        assert response.status_code == 403 and "respondió" not in response.get_data(as_text=True)
    assert fresh.test_client().get("/app/sonda-sin-roles").status_code == 302  # to the sign-in page


def test_a_route_without_a_declaration_refuses_everyone(app, keys):
    from flask_openapi3 import APIBlueprint

    from service import create_app

    fresh = create_app({**app.config, "TESTING": True})
    probe = APIBlueprint("probe_undeclared", __name__, url_prefix="/api/v1")

    @probe.get("/sonda-sin-roles")
    def undeclared():
        return {"ok": True}

    fresh.register_api(probe)
    client = fresh.test_client()
    for key in ("buyer", "advisor", "admin"):
        response = client.get("/api/v1/sonda-sin-roles", headers=auth(keys[key]))
        assert response.status_code == 403 and "nadie" in response.json["detail"]
    assert client.get("/api/v1/sonda-sin-roles").status_code == 401


def test_readme_access_table_is_made_from_the_routes(app):
    text = README.read_text(encoding="utf-8")
    found = re.search(r"<!-- access-table[^>]*-->\n(.*?)\n<!-- /access-table -->", text, re.S)
    assert found, "the README marks its access table"
    assert found.group(1).strip() == access_table(app)


def test_declarations_agree_with_the_matrix(app):
    """Each operation's declared roles are exactly those the matrix lets past the role gate."""
    role_of = {"buyer_a": "buyer", "advisor": "advisor", "admin": "admin"}
    for op, method, path, _, expected in MATRIX:
        rules = [r for r in app.url_map.iter_rules() if method in r.methods and _route_matches(r.rule, path)]
        assert len(rules) == 1, op
        declared = set(declared_roles(app.view_functions[rules[0].endpoint]) or ())
        passed = {role_of[r] for r, want in expected.items() if r in role_of and want not in (401, 403, None)}
        if expected.get("admin") is None:
            passed.add("admin")  # a cell left out (training): the declaration says admin
        assert passed == declared, f"{op}: matrix {passed} vs declared {declared}"
