"""API keys: created and shown once, listed with their last use, revoked everywhere within a second,
expiring when told, and a cache that unknown keys cannot flush."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import requests

from graph_schema.keys import create_key, hash_key, list_keys, revoke_key
from service.auth import KeyCache, key_cache
from tests.helpers import auth


def test_revoked_key_stops_working_on_every_worker_within_a_second(live_url, driver):
    key_id, secret = create_key(driver, "advisor", label="revocation")
    url = f"{live_url}/api/v1/model"
    # Warm both workers' caches (two workers, keep-alive off: requests land on either).
    for _ in range(8):
        assert requests.get(url, headers=auth(secret), timeout=30).status_code == 200
    revoke_key(driver, key_id)
    time.sleep(1.1)
    statuses = [requests.get(url, headers=auth(secret), timeout=30).status_code for _ in range(12)]
    assert statuses == [401] * 12


def test_expired_key_is_refused(client, driver):
    key_id, secret = create_key(driver, "advisor", expires_at=datetime.now(UTC) + timedelta(seconds=1))
    assert client.get("/api/v1/model", headers=auth(secret)).status_code == 200
    time.sleep(1.2)
    response = client.get("/api/v1/model", headers=auth(secret))
    assert response.status_code == 401
    assert "venció" in response.json["detail"]


def test_keys_are_listed_with_their_last_use_and_never_their_secret(client, driver, keys):
    key_id, secret = create_key(driver, "advisor", label="last use")
    before = {k["id"]: k for k in list_keys(driver)}[key_id]
    assert before["last_used_at"] is None
    assert client.get("/api/v1/model", headers=auth(secret)).status_code == 200
    listed = client.get("/api/v1/keys", headers=auth(keys["admin"]))
    assert listed.status_code == 200
    mine = {k["id"]: k for k in listed.json["items"]}[key_id]
    assert mine["last_used_at"] and mine["label"] == "last use" and not mine["revoked"]
    assert secret not in listed.get_data(as_text=True) and hash_key(secret) not in listed.get_data(as_text=True)


def test_admin_creates_and_revokes_a_key_through_the_api(client, keys):
    created = client.post("/api/v1/keys", json={"role": "buyer", "buyer_rut": keys["buyer_rut"], "label": "erp"},
                          headers=auth(keys["admin"]))
    assert created.status_code == 201
    secret = created.json["key"]
    assert client.get("/api/v1/needs", headers=auth(secret)).status_code == 200
    revoked = client.post(f"/api/v1/keys/{created.json['id']}/revoke", headers=auth(keys["admin"]))
    assert revoked.status_code == 200 and revoked.json["revoked"] and revoked.json["revoked_at"]
    assert client.get("/api/v1/needs", headers=auth(secret)).status_code == 401  # cache is off in tests


def test_a_buyer_key_needs_a_buyer(client, keys):
    response = client.post("/api/v1/keys", json={"role": "buyer"}, headers=auth(keys["admin"]))
    assert response.status_code == 422
    assert response.json["errors"][0]["field"] == "buyer"


def test_unknown_keys_never_enter_the_cache_nor_flush_it(client, keys, app, monkeypatch):
    monkeypatch.setitem(app.config, "API_KEY_CACHE_SECONDS", 60)
    assert client.get("/api/v1/model", headers=auth(keys["advisor"])).status_code == 200
    cached = key_cache.get(hash_key(keys["advisor"]), 60)
    assert cached is not None
    size = len(key_cache)
    for i in range(300):
        assert client.get("/api/v1/model", headers=auth(f"enc_bogus{i}")).status_code == 401
    assert len(key_cache) == size
    assert key_cache.get(hash_key(keys["advisor"]), 60) == cached


def test_key_cache_is_bounded_and_forgets_the_least_recent():
    from application.access import Viewer

    cache = KeyCache(size=3)
    for name in "abcd":
        cache.put(name, Viewer("advisor", id=name))
    assert len(cache) == 3 and cache.get("a", 60) is None and cache.get("d", 60) is not None


def test_cli_lists_and_revokes_keys(runner, driver):
    key_id, _ = create_key(driver, "advisor", label="cli")
    listed = runner.invoke("keys", "list")
    assert listed.exit_code == 0 and key_id in listed.output and "last used never" in listed.output
    assert runner.invoke("keys", "revoke", key_id).exit_code == 0
    assert any(line.startswith(key_id) and " revoked " in line for line in runner.invoke("keys", "list").output
               .splitlines())
