"""Who may open which page, by the API's roles and object rules; CSRF tokens; throttled sign-in; sessions;
security headers. Every page × (nobody signed in, buyer A, buyer B, advisor, admin).
"""

from __future__ import annotations

import re

import pytest

from application.users import create_user, disable_user
from service import create_app
from tests.pages import PASSWORD, Person, csrf_token, sign_in, token_for, unique_email

ROLES = ("none", "buyer_a", "buyer_b", "advisor", "admin")


def expect(none, buyer_a, buyer_b, advisor, admin) -> dict[str, int]:
    return dict(zip(ROLES, (none, buyer_a, buyer_b, advisor, admin), strict=True))


TO_LOGIN = 302
EVERYONE = expect(TO_LOGIN, 200, 200, 200, 200)
BUYERS = expect(TO_LOGIN, 200, 200, 403, 403)
STAFF = expect(TO_LOGIN, 403, 403, 200, 200)
OWN_NEED = expect(TO_LOGIN, 200, 404, 200, 200)
ADMIN = expect(TO_LOGIN, 403, 403, 403, 200)
STAFF_INVALID = expect(TO_LOGIN, 403, 403, 422, 422)
STAFF_MISSING = expect(TO_LOGIN, 403, 403, 404, 404)

# (operation, method, path, form or None, expected status per role). Forms that the role gate lets
# through are invalid (422), or refer to nothing (a redirect with a message), so nothing is written.
MATRIX = [
    ("home", "GET", "/app/", None, expect(TO_LOGIN, 302, 302, 302, 302)),
    ("my needs", "GET", "/app/my-needs", None, BUYERS),
    ("need form", "GET", "/app/needs/new", None, BUYERS),
    ("post an invalid need", "POST", "/app/needs/new", {"title": ""}, expect(TO_LOGIN, 422, 422, 403, 403)),
    ("A's need page", "GET", "/app/needs/{need}", None, OWN_NEED),
    ("propose a missing firm", "POST", "/app/needs/{need}/proposals", {"rut": "1-9"},
     expect(TO_LOGIN, 403, 403, 302, 302)),
    ("propose a group of missing firms", "POST", "/app/needs/{need}/group-proposals", {"rut": ["1-9", "2-7"]},
     expect(TO_LOGIN, 403, 403, 302, 302)),
    ("decide without a decision", "POST", "/app/proposals/{proposal}/decision", {"reason": ""},
     expect(TO_LOGIN, 422, 404, 403, 422)),
    ("open needs", "GET", "/app/needs", None, STAFF),
    ("firm search", "GET", "/app/firms", None, STAFF),
    ("firm page", "GET", "/app/firms/{firm}", None, STAFF),
    ("record invalid sessions", "POST", "/app/firms/{firm}/sessions", {"sessions": "0", "hours": ""},
     expect(TO_LOGIN, 403, 403, 422, 403)),
    ("alliances", "GET", "/app/alliances", None, EVERYONE),
    ("sector picker", "GET", "/app/pickers/sectors?sector_q=pan", None, EVERYONE),
    ("comuna picker", "GET", "/app/pickers/comunas?comuna=nunoa", None, EVERYONE),
    # The work behind the matches (issue 14): program staff's, people and keys the admin's.
    ("imports", "GET", "/app/imports", None, STAFF),
    ("preview an import without a file", "POST", "/app/imports", {}, STAFF_INVALID),
    ("the import template", "GET", "/app/imports/plantilla.csv", None, STAFF),
    ("start an import without its file", "POST", "/app/imports/start", {"token": "x"}, STAFF_INVALID),
    ("a missing import", "GET", "/app/imports/imp_000000000000", None, STAFF_MISSING),
    ("duplicate review queue", "GET", "/app/duplicates", None, STAFF),
    ("a possible duplicate", "GET", "/app/duplicates/{pair}", None, STAFF),
    ("resolve a pair without an action", "POST", "/app/duplicates/{pair}", {}, STAFF_INVALID),
    ("undo a missing merge", "POST", "/app/merges/merge_000000000000/undo", {}, STAFF_MISSING),
    ("reports", "GET", "/app/reports", None, STAFF),
    ("start an invalid report", "POST", "/app/reports", {"top": "0"}, STAFF_INVALID),
    ("a missing report", "GET", "/app/reports/rep_000000000000", None, STAFF_MISSING),
    ("indicators", "GET", "/app/indicators?region=06", None, STAFF),
    ("people", "GET", "/app/admin/people", None, ADMIN),
    ("create an invalid account", "POST", "/app/admin/people", {"email": "", "role": "advisor"},
     expect(TO_LOGIN, 403, 403, 403, 422)),
    ("disable a missing account", "POST", "/app/admin/people/state", {"email": "nadie@prueba.cl", "disabled": "true"},
     expect(TO_LOGIN, 403, 403, 403, 302)),
    ("API keys", "GET", "/app/admin/keys", None, ADMIN),
    ("create an invalid key", "POST", "/app/admin/keys", {"role": ""}, expect(TO_LOGIN, 403, 403, 403, 422)),
    ("revoke a missing key", "POST", "/app/admin/keys/000000000000/revoke", {}, expect(TO_LOGIN, 403, 403, 403, 302)),
    ("sign out", "POST", "/app/logout", {}, expect(TO_LOGIN, 302, 302, 302, 302)),
    ("sign-in page", "GET", "/app/login", None, expect(200, 302, 302, 302, 302)),
    ("sign in with a wrong password", "POST", "/app/login", {"email": "nadie@prueba.cl", "password": "equivocada"},
     expect(200, 200, 200, 200, 200)),
    ("an unknown page", "GET", "/app/no-existe", None, expect(404, 404, 404, 404, 404)),
    ("post to an unknown page", "POST", "/app/no-existe", {}, expect(404, 404, 404, 404, 404)),
]
CELLS = [(op, method, path, form, role, want) for op, method, path, form, expected in MATRIX
         for role, want in expected.items()]


@pytest.fixture(scope="module")
def world(people, driver):
    from datetime import UTC, datetime

    from graph_schema.duplicates import record_candidates_tx
    from matching.dedupe import Match

    # A possible duplicate between two of the bakeries, left open (resolving it without an action changes nothing).
    with driver.session() as session:
        pair = session.execute_write(record_candidates_tx, [Match(*sorted(people["firms"][5:7]), 70.0, ("prueba",))],
                                     datetime.now(UTC).isoformat(), "scan")[0]["id"]
    yield {"need": people["need"], "proposal": people["proposal"], "firm": people["firms"][0], "pair": pair}
    driver.execute_query("MATCH (d:DuplicateCandidate {id: $id}) DETACH DELETE d", id=pair)


@pytest.fixture(scope="module")
def clients(app, people):
    """One signed-in test client per role (and one signed out)."""
    out = {"none": app.test_client()}
    for role in ROLES[1:]:
        out[role] = app.test_client()
        sign_in(out[role], people["accounts"][role])
    return out


@pytest.mark.parametrize(("op", "method", "path", "form", "role", "want"), CELLS, ids=[f"{c[0]}-{c[4]}" for c in CELLS])
def test_page_access_matrix(app, people, world, op, method, path, form, role, want):
    client = app.test_client()  # fresh per cell: signing out in one cell must not sign out the others
    if role != "none":
        sign_in(client, people["accounts"][role])
    url = path.format(**world)
    if form is not None:
        form = {**form, "csrf_token": token_for(client, "/app/login" if role == "none" else "/app/alliances")}
    response = client.open(url, method=method, data=form)
    assert response.status_code == want, f"{op} as {role}: {response.status_code} {response.get_data(True)[:300]}"
    if want == TO_LOGIN and role == "none":
        assert response.headers["Location"].startswith("/app/login")
    if response.status_code >= 400:
        assert response.mimetype == "text/html"


def test_the_matrix_covers_every_page(app):
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/app/") or rule.endpoint == "pages.static":
            continue
        pattern = re.sub(r"<[^>]+>", "[^/]+", rule.rule)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert any(m == method and re.fullmatch(pattern, p.split("?")[0].replace("{", "").replace("}", ""))
                       for _, m, p, _, _ in MATRIX), f"{method} {rule.rule} is not in the matrix"


def test_buyer_opening_another_buyers_need_gets_404(clients, people):
    response = clients["buyer_b"].get(f"/app/needs/{people['need']}")
    text = response.get_data(as_text=True)
    assert response.status_code == 404
    assert "No encontramos la página" in text and "Pan amasado para el casino" not in text


def test_buyer_sees_no_personal_field_of_a_candidate(clients, people):
    buyer = clients["buyer_a"].get(f"/app/needs/{people['need']}").get_data(as_text=True)
    assert "Panadería La Espiga de Rancagua" in buyer
    assert "espiga@example.cl" not in buyer and "5555 1234" not in buyer and "lideradas por mujeres" not in buyer
    staff = clients["advisor"].get(f"/app/firms/{people['firms'][0]}").get_data(as_text=True)
    assert "espiga@example.cl" in staff and "Mujer" in staff


def test_a_form_without_its_csrf_token_is_refused(app, people, driver):
    client = app.test_client()
    sign_in(client, people["accounts"]["buyer_a"])
    response = client.post(f"/app/proposals/{people['proposal']}/decision", data={"decision": "rejected",
                                                                                 "reason": "sin token"})
    assert response.status_code == 400
    assert "código de seguridad" in response.get_data(as_text=True)
    records, _, _ = driver.execute_query("MATCH (p:Proposal {id: $id}) RETURN p.status AS s", id=people["proposal"])
    assert records[0]["s"] == "pending"
    wrong = client.post("/app/needs/new", data={"title": "Sin token", "csrf_token": "falso"})
    assert wrong.status_code == 400
    signed_out = app.test_client().post("/app/login", data={"email": "x@y.cl", "password": "z"})
    assert signed_out.status_code == 400


def test_the_json_api_needs_no_csrf_token(client, keys):
    from tests.domain import need_payload
    from tests.helpers import auth

    response = client.post("/api/v1/needs", json=need_payload(keys["buyer_rut"]), headers=auth(keys["buyer"]))
    assert response.status_code == 201


@pytest.fixture()
def strict_app(app, tmp_path):
    """An app with the real sign-in limits (5 wrong passwords per 15 minutes) and its own counters."""
    config = {k: v for k, v in app.config.items() if k.isupper() and not k.startswith("RATE_LIMIT")}
    return create_app({**config, "TESTING": True, "ENCADENA_DATA_DIR": str(tmp_path), "SECRET_KEY": "prueba"})


def test_six_wrong_passwords_in_a_row_are_slowed_down(strict_app, people):
    person = people["accounts"]["buyer_a"]
    client = strict_app.test_client()
    token = csrf_token(client.get("/app/login").get_data(as_text=True))
    statuses, last = [], None
    for _ in range(6):
        last = client.post("/app/login", data={"email": person.email, "password": "equivocada", "csrf_token": token})
        statuses.append(last.status_code)
    assert statuses == [200] * 5 + [429]
    assert last is not None and int(last.headers["Retry-After"]) > 60
    assert "Demasiados intentos" in last.get_data(as_text=True)
    # The right password waits too, until the window ends.
    right = client.post("/app/login", data={"email": person.email, "password": person.password, "csrf_token": token})
    assert right.status_code == 429


def test_wrong_password_says_so_without_telling_which_part(app):
    client = app.test_client()
    token = csrf_token(client.get("/app/login").get_data(as_text=True))
    unknown = client.post("/app/login", data={"email": "nadie@prueba.cl", "password": "x" * 12, "csrf_token": token})
    text = unknown.get_data(as_text=True)
    assert unknown.status_code == 200
    assert "El correo o la contraseña no son correctos" in text
    assert 'href="#email"' in text  # the error summary links to the field


def test_session_cookie_is_http_only_and_same_site_lax(app, people):
    client = app.test_client()
    page = client.get("/app/login")
    response = client.post("/app/login", data={"email": people["accounts"]["advisor"].email, "password": PASSWORD,
                                                "csrf_token": csrf_token(page.get_data(as_text=True))})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie


def test_session_cookie_is_secure_when_configured(app, tmp_path):
    config = {k: v for k, v in app.config.items() if k.isupper()}
    secure = create_app({**config, "SESSION_COOKIE_SECURE": True, "ENCADENA_DATA_DIR": str(tmp_path)})
    assert secure.config["SESSION_COOKIE_SECURE"] is True


def test_signing_out_ends_the_session(app, people):
    client = app.test_client()
    sign_in(client, people["accounts"]["buyer_a"])
    assert client.get("/app/my-needs").status_code == 200
    out = client.post("/app/logout", data={"csrf_token": token_for(client)})
    assert out.status_code == 302
    assert client.get("/app/my-needs").status_code == 302


def test_a_disabled_account_loses_its_session_at_the_next_request(app, driver, keys):
    email = unique_email("deshabilitada")
    create_user(driver, email=email, name="Compradora temporal", role="buyer", password=PASSWORD,
                buyer_rut=keys["buyer_rut"])
    client = app.test_client()
    sign_in(client, Person(email, PASSWORD, "buyer"))
    assert client.get("/app/my-needs").status_code == 200
    disable_user(driver, email)
    assert client.get("/app/my-needs").status_code == 302
    again = app.test_client()
    token = csrf_token(again.get("/app/login").get_data(as_text=True))
    refused = again.post("/app/login", data={"email": email, "password": PASSWORD, "csrf_token": token})
    assert refused.status_code == 200 and "no son correctos" in refused.get_data(as_text=True)


def test_next_address_after_sign_in_stays_on_the_site(app, people):
    person = people["accounts"]["advisor"]
    for target, lands in (("/app/firms", "/app/firms"), ("https://evil.example/app/", "/app/needs"),
                          ("//evil.example/app/", "/app/needs"), ("/api/v1/keys", "/app/needs")):
        client = app.test_client()
        token = csrf_token(client.get("/app/login").get_data(as_text=True))
        response = client.post("/app/login", data={"email": person.email, "password": person.password,
                                                    "csrf_token": token, "next": target})
        assert response.headers["Location"] == lands, target


@pytest.mark.parametrize("path", ["/app/login", "/api/v1/needs", "/healthz", "/app/static/app.css"])
def test_every_response_carries_the_security_headers(client, path):
    response = client.get(path)
    response.close()  # a static file is streamed
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self';" in csp and "style-src 'self';" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_the_api_docs_get_their_own_policy(client):
    page = client.get("/docs/swagger")
    csp = page.headers["Content-Security-Policy"]
    assert page.status_code == 200
    assert "script-src 'self' 'sha256-" in csp and "frame-ancestors 'none'" in csp
    assert "'unsafe-inline'" not in csp.split("script-src")[1].split(";")[0]


def test_the_signing_key_is_generated_once_per_host(app, tmp_path):
    import hashlib
    import hmac
    import stat

    config = {k: v for k, v in app.config.items() if k.isupper() and k != "SECRET_KEY"}
    first = create_app({**config, "SECRET_KEY": None, "ENCADENA_DATA_DIR": str(tmp_path)})
    second = create_app({**config, "SECRET_KEY": None, "ENCADENA_DATA_DIR": str(tmp_path)})
    key_file = tmp_path / "secret_key"
    assert len(key_file.read_text().strip()) >= 48
    # Sessions are signed with a key derived from the host's key for that one purpose.
    expected = hmac.new(key_file.read_text().strip().encode(), b"sessions", hashlib.sha256).hexdigest()
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"] == expected
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
