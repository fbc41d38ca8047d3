"""``/openapi.json`` documents the API (request and response bodies), ``/docs`` serves Swagger UI locally."""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlparse

import pytest

# The /api/v1 operations of buyers, needs, proposals and the program network, by path.
DOMAIN_OPERATIONS = {
    "/api/v1/buyers": {"get", "post"},
    "/api/v1/buyers/{rut}": {"get"},
    "/api/v1/needs": {"get", "post"},
    "/api/v1/needs/{id}": {"get", "patch"},
    "/api/v1/needs/{id}/proposals": {"get", "post"},
    "/api/v1/proposals/{id}": {"get"},
    "/api/v1/proposals/{id}/decision": {"post"},
    "/api/v1/projects": {"get", "post"},
    "/api/v1/projects/{id}": {"get"},
    "/api/v1/alliances": {"get", "post"},
    "/api/v1/alliances/{id}": {"get"},
    "/api/v1/centers": {"get", "post"},
    "/api/v1/centers/{id}": {"get"},
    "/api/v1/advisors": {"get", "post"},
    "/api/v1/advisors/{id}": {"get"},
    "/api/v1/advisors/{id}/sessions": {"post"},
    "/api/v1/firms": {"get", "post"},
    "/api/v1/firms/{rut}": {"get", "patch"},
}
OPERATIONS = [(path, method) for path, methods in DOMAIN_OPERATIONS.items() for method in sorted(methods)]


@pytest.fixture(scope="module")
def spec(app):
    resp = app.test_client().get("/openapi.json")
    assert resp.status_code == 200
    return resp.json


def test_openapi_is_version_3(spec):
    assert spec["openapi"].startswith("3.")
    assert spec["info"]["title"] == "Encadena API"


@pytest.mark.parametrize(("path", "method"), OPERATIONS, ids=[f"{m.upper()} {p}" for p, m in OPERATIONS])
def test_operation_is_documented_with_bodies_and_security(spec, path, method):
    operation = spec["paths"].get(path, {}).get(method)
    assert operation is not None, f"{method.upper()} {path} is not in /openapi.json"
    assert operation["summary"]
    assert operation["security"] == [{"bearer": []}]
    success = [code for code in operation["responses"] if code.startswith("2")]
    assert success
    for code in success:
        schema = operation["responses"][code]["content"]["application/json"]["schema"]
        assert "$ref" in schema
    if method in ("post", "patch"):
        assert "$ref" in operation["requestBody"]["content"]["application/json"]["schema"]


def test_models_are_in_components(spec):
    schemas = spec["components"]["schemas"]
    for name in ("NeedRecord", "Need", "NeedPage", "BuyerRecord", "Buyer", "ProposalRecord", "Proposal",
                 "DecisionRecord", "Decision", "AllianceRecord", "Alliance", "ProjectRecord", "Project",
                 "CenterRecord", "Center", "AdvisorRecord", "Advisor", "SessionsRecord", "Advised"):
        assert name in schemas, name
    need = schemas["NeedRecord"]["properties"]
    assert need["radius_km"]["default"] == 50.0
    assert need["radius_km"]["minimum"] == 1.0 and need["radius_km"]["maximum"] == 2000.0


def test_docs_serve_swagger_ui_from_local_assets(app):
    client = app.test_client()
    resp = client.get("/docs", follow_redirects=True)
    assert resp.status_code == 200
    page = resp.get_data(as_text=True)
    assert "swagger-ui" in page
    base = f"http://localhost{resp.request.path}"
    assets = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert any(a.endswith(".js") for a in assets) and any(a.endswith(".css") for a in assets)
    for asset in assets:
        url = urlparse(urljoin(base, asset))
        assert url.netloc == "localhost", f"{asset} is served from outside"
        with client.get(url.path) as fetched:  # static files stream from disk: close them
            assert fetched.status_code == 200, asset
            assert fetched.data
    spec_url = re.search(r'new URL\("([^"]+)"', page).group(1)
    assert client.get(urlparse(urljoin(base, spec_url)).path).json["openapi"].startswith("3.")
