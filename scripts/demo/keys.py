"""Demo API keys: one admin, one advisor (a demo advisor) and one buyer (the demo buyer with the
most open needs), kept in a shell-sourceable file and reused while they remain valid."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import LiteralString

from neo4j import RoutingControl

from graph_schema.driver import Graph
from graph_schema.keys import create_key, find_key, revoke_key

# The demo buyer with the most open needs (ties by RUT) and its newest open need.
DEMO_BUYER: LiteralString = """
MATCH (b:Buyer)-[:POSTED]->(n:Need {status: 'open'}) WHERE b.demo = true
WITH b, count(n) AS open_needs ORDER BY open_needs DESC, b.rut LIMIT 1
MATCH (b)-[:POSTED]->(n:Need {status: 'open'})
WITH b, open_needs, n ORDER BY n.created_at DESC, n.id LIMIT 1
RETURN b.rut AS rut, b.name AS name, open_needs, n.id AS need_id
"""

# The advisor who proposed most often for that buyer's needs (else any demo advisor).
DEMO_ADVISOR: LiteralString = """
MATCH (a:Advisor) WHERE a.demo = true
OPTIONAL MATCH (a)-[:MADE]->(p:Proposal)-[:FOR]->(n:Need {buyer_rut: $buyer_rut})
WITH a, count(p) AS made ORDER BY made DESC, a.id LIMIT 1
RETURN a.id AS id, a.name AS name
"""

ENV_ORDER = ("ADMIN_KEY", "ADVISOR_KEY", "ADVISOR_ID", "BUYER_KEY", "BUYER_RUT", "NEED_ID")


class NoDemoData(Exception):
    """There is no demo buyer with open needs (``encadena demo-data`` has not run)."""


@dataclass(frozen=True)
class DemoKeys:
    values: dict[str, str]
    created: list[str]
    reused: list[str]
    revoked: list[str]


def read_env(path: Path) -> dict[str, str]:
    """``KEY=value`` lines of a file (missing file: empty)."""
    if not path.exists():
        return {}
    out = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip().removeprefix("export ")
        if line and not line.startswith("#") and "=" in line:
            key, _, value = line.partition("=")
            out[key.strip()] = value.strip().strip("'\"")
    return out


def write_env(path: Path, values: dict[str, str], order: tuple[str, ...] = ENV_ORDER,
              header: str = "Encadena demo keys (encadena keys demo)") -> None:
    """Write the values (secrets) readable by the owner only, in ``order``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [f"# {header}. Load them with: source {path}"]
    lines += [f"{name}={values[name]}" for name in order if name in values]
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
    os.chmod(tmp, 0o600)
    tmp.replace(path)


def ensure_demo_keys(driver: Graph, path: Path) -> DemoKeys:
    """Reuse the file's keys that are still valid for the demo's buyer and advisor; create the rest."""
    records, _, _ = driver.execute_query(DEMO_BUYER, routing_=RoutingControl.READ)
    if not records:
        raise NoDemoData()
    buyer = records[0]
    records, _, _ = driver.execute_query(DEMO_ADVISOR, buyer_rut=buyer["rut"], routing_=RoutingControl.READ)
    advisor = records[0]

    old = read_env(path)
    wanted = {
        "ADMIN_KEY": ("admin", None, None),
        "ADVISOR_KEY": ("advisor", None, advisor["id"]),
        "BUYER_KEY": ("buyer", buyer["rut"], None),
    }
    values = {"ADVISOR_ID": advisor["id"], "BUYER_RUT": buyer["rut"], "NEED_ID": buyer["need_id"]}
    created, reused, revoked = [], [], []
    for name, (role, buyer_rut, advisor_id) in wanted.items():
        secret = old.get(name)
        key = find_key(driver, secret) if secret else None
        if key and key["role"] == role and key.get("buyer_rut") == buyer_rut and key.get("advisor_id") == advisor_id:
            values[name] = secret
            reused.append(name)
            continue
        if key:  # a demo key from this file that no longer fits: do not leave it lying around
            revoke_key(driver, key["id"])
            revoked.append(name)
        _, values[name] = create_key(driver, role, buyer_rut, advisor_id, label=f"demo {role}")
        created.append(name)
    write_env(path, values)
    return DemoKeys(values, created, reused, revoked)
