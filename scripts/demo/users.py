"""Demo people for ``make run``: an admin, an advisor (the demo advisor of the demo keys) and a buyer (the
demo buyer with the most open needs), with passwords kept in ``.data/demo-users.env`` and reused
while they still sign in. ``NEED_ID`` is an open need of that buyer that has candidates.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from neo4j import RoutingControl

from application.access import COMMAND_LINE
from application.matching import PlannerCountsCache, match_need
from application.needs import list_needs
from application.users import authenticate, create_user, enable_user, generate_password, normalize_email, set_password
from graph_schema import users as users_repo
from graph_schema.driver import Graph
from graph_schema.reference import fetch_catalog
from matching.ranker import prior
from scripts.demo.keys import DEMO_ADVISOR, DEMO_BUYER, NoDemoData, read_env, write_env

DEMO_DOMAIN = "demo.encadena.cl"
MAILBOXES = {"ADMIN": "admin", "ADVISOR": "asesor", "BUYER": "comprador"}
ENV_ORDER = ("ADMIN_EMAIL", "ADMIN_PASSWORD", "ADVISOR_EMAIL", "ADVISOR_PASSWORD", "BUYER_EMAIL", "BUYER_PASSWORD",
             "BUYER_RUT", "NEED_ID")
# Open needs of the demo buyer tried, newest first, to find one with candidates.
NEEDS_TRIED = 20


@dataclass(frozen=True)
class DemoUsers:
    values: dict[str, str]
    created: list[str]
    reused: list[str]
    reset: list[str]


def need_with_candidates(driver: Graph, buyer_rut: str) -> str | None:
    """The buyer's newest open need whose match has at least one candidate."""
    catalog = fetch_catalog(driver)
    counts = PlannerCountsCache().get(driver)
    for need in list_needs(driver, COMMAND_LINE, buyer=buyer_rut, status="open", limit=NEEDS_TRIED):
        found = match_need(driver, catalog, need["id"], viewer=COMMAND_LINE, limit=1, ranker=prior(), counts=counts)
        if found["candidates"]:
            return need["id"]
    return None


def ensure_demo_users(driver: Graph, path: Path) -> DemoUsers:
    """Create the three demo people, or reuse them (resetting a password the file no longer has)."""
    records, _, _ = driver.execute_query(DEMO_BUYER, routing_=RoutingControl.READ)
    if not records:
        raise NoDemoData()
    buyer = records[0]
    records, _, _ = driver.execute_query(DEMO_ADVISOR, buyer_rut=buyer["rut"], routing_=RoutingControl.READ)
    advisor = records[0]
    wanted = {
        "ADMIN": ("admin", "Administración Encadena", None, None),
        "ADVISOR": ("advisor", advisor["name"], None, advisor["id"]),
        "BUYER": ("buyer", f"Compras de {buyer['name']}", buyer["rut"], None),
    }
    old = read_env(path)
    values = {"BUYER_RUT": buyer["rut"], "NEED_ID": need_with_candidates(driver, buyer["rut"]) or buyer["need_id"]}
    existing = {u["email"]: u for u in users_repo.list_users(driver)}
    created, reused, reset = [], [], []
    for prefix, (role, name, buyer_rut, advisor_id) in wanted.items():
        email = normalize_email(f"{MAILBOXES[prefix]}@{DEMO_DOMAIN}")
        values[f"{prefix}_EMAIL"] = email
        user = existing.get(email)
        password = old.get(f"{prefix}_PASSWORD")
        if user and (user["role"], user.get("buyer_rut"), user.get("advisor_id")) != (role, buyer_rut, advisor_id):
            # Another demo data set (size or seed) has another demo buyer or advisor: a demo account is ours to redo.
            users_repo.delete_user(driver, email)
            user = None
        if user and password and not user.get("disabled") and authenticate(driver, email, password):
            values[f"{prefix}_PASSWORD"] = password
            reused.append(prefix)
            continue
        password = generate_password()
        if user:
            set_password(driver, email, password)
            enable_user(driver, email)
            reset.append(prefix)
        else:
            create_user(driver, email=email, name=name, role=role, password=password, buyer_rut=buyer_rut,
                        advisor_id=advisor_id, created_by="demo")
            created.append(prefix)
        values[f"{prefix}_PASSWORD"] = password
    write_env(path, values, ENV_ORDER, header="Encadena demo people (encadena users demo), who sign in at /app/login")
    return DemoUsers(values, created, reused, reset)
