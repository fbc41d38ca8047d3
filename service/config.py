"""Configuration: defaults, then the environment, then a test mapping (in that order)."""

from __future__ import annotations

import os

DEFAULTS = {
    "NEO4J_URI": "bolt://127.0.0.1:7687",
    "NEO4J_USER": "neo4j",
    "NEO4J_PASSWORD": "encadena-local",
    # JSON bodies above this size get 413; imports have their own, larger limit.
    "MAX_CONTENT_LENGTH": 1 * 1024 * 1024,
    "MAX_IMPORT_BYTES": 50 * 1024 * 1024,
    "PAGE_SIZE_DEFAULT": 50,
    "PAGE_SIZE_MAX": 200,
    "API_KEY_CACHE_SECONDS": 30,
    "MODEL_DIR": None,  # where trained ranker artifacts live; None = <repo>/.data/models
    "REPORTS_DIR": None,  # where report jobs write their files; None = <repo>/.data/reports
    "REPORT_JOBS": 1,  # worker processes a report job started from the API may use
    "JSON_SORT_KEYS": False,
}

# Environment variables the app reads, with how to parse them.
_ENV = {
    "NEO4J_URI": str,
    "NEO4J_USER": str,
    "NEO4J_PASSWORD": str,
    "MAX_CONTENT_LENGTH": int,
    "MAX_IMPORT_BYTES": int,
    "MODEL_DIR": str,
    "REPORTS_DIR": str,
    "REPORT_JOBS": int,
}


def from_environment() -> dict:
    """The settings present in ``os.environ``, parsed."""
    out = {}
    for name, parse in _ENV.items():
        value = os.environ.get(name) or os.environ.get(f"ENCADENA_{name}")
        if value:
            out[name] = parse(value)
    return out
