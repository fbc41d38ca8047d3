"""Apply the versioned migrations in ``graph_schema/migrations`` and record them in the graph."""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass
from datetime import UTC, datetime
from types import ModuleType

from neo4j import RoutingControl

from graph_schema import migrations as _pkg
from graph_schema.driver import Graph

RECORD_MIGRATION = """
MERGE (m:SchemaMigration {version: $version})
ON CREATE SET m.description = $description, m.applied_at = datetime($applied_at)
"""

APPLIED_VERSIONS = "MATCH (m:SchemaMigration) RETURN m.version AS version ORDER BY version"


@dataclass(frozen=True)
class Migration:
    version: int
    description: str
    statements: tuple[str, ...]


def _load(module: ModuleType) -> Migration:
    return Migration(module.VERSION, module.DESCRIPTION, tuple(module.STATEMENTS))


def all_migrations() -> list[Migration]:
    """Every migration module in version order; versions must be unique."""
    found = [
        _load(importlib.import_module(f"{_pkg.__name__}.{info.name}"))
        for info in pkgutil.iter_modules(_pkg.__path__)
        if info.name.startswith("m")
    ]
    found.sort(key=lambda m: m.version)
    versions = [m.version for m in found]
    if len(set(versions)) != len(versions):
        raise RuntimeError(f"Duplicate migration versions: {versions}")
    return found


def latest_version() -> int:
    """The schema version this code expects."""
    return all_migrations()[-1].version


def applied_versions(driver: Graph) -> list[int]:
    records, _, _ = driver.execute_query(APPLIED_VERSIONS, routing_=RoutingControl.READ)
    return [r["version"] for r in records]


def current_version(driver: Graph) -> int | None:
    """The highest migration recorded in the graph, or None on an empty database."""
    versions = applied_versions(driver)
    return max(versions) if versions else None


def migrate(driver: Graph, echo=print) -> list[int]:
    """Apply every migration not yet recorded; return the versions applied now."""
    done = set(applied_versions(driver))
    applied = []
    for migration in all_migrations():
        if migration.version in done:
            continue
        # Schema statements cannot share a transaction with writes, so each runs on its own;
        # they are idempotent, so a crash in the middle is repaired by running migrate again.
        for statement in migration.statements:
            if "IN TRANSACTIONS" in statement:
                # Batched data migrations commit as they go, which only an implicit transaction allows.
                with driver.session() as session:
                    session.run(statement).consume()  # type: ignore[arg-type]
            else:
                driver.execute_query(statement)
        driver.execute_query(
            RECORD_MIGRATION,
            version=migration.version,
            description=migration.description,
            applied_at=datetime.now(UTC).isoformat(),
        )
        echo(f"migración {migration.version:04d} aplicada: {migration.description}")
        applied.append(migration.version)
    if not applied:
        echo(f"el esquema está al día (versión {latest_version()})")
    return applied
