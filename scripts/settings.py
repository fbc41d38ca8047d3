"""Settings the command-line jobs read from the environment, with the defaults of a local install."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URI = "bolt://127.0.0.1:7687"
DEFAULT_PASSWORD = "encadena-local"


@dataclass(frozen=True)
class Neo4jSettings:
    """Where a local Neo4j instance lives and how to reach it."""

    uri: str
    user: str
    password: str
    home: Path
    heap: str
    pagecache: str

    @property
    def bolt_port(self) -> int:
        return urlparse(self.uri).port or 7687

    @classmethod
    def from_env(cls) -> Neo4jSettings:
        home = Path(os.environ.get("ENCADENA_NEO4J_HOME", REPO_ROOT / ".data" / "neo4j"))
        return cls(
            uri=os.environ.get("NEO4J_URI", DEFAULT_URI),
            user=os.environ.get("NEO4J_USER", "neo4j"),
            password=os.environ.get("NEO4J_PASSWORD", DEFAULT_PASSWORD),
            home=home if home.is_absolute() else REPO_ROOT / home,
            heap=os.environ.get("NEO4J_HEAP", "2g"),
            pagecache=os.environ.get("NEO4J_PAGECACHE", "2g"),
        )
