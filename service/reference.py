"""The reference catalogs (comunas, sectors, certifications), read from Neo4j once per worker."""

from __future__ import annotations

import threading

from flask import current_app

from graph_schema.reference import fetch_catalog
from matching.catalog import Catalog
from service.db import get_driver
from service.errors import ApiProblem

_lock = threading.Lock()
_KEY = "encadena.catalog"


def get_catalog() -> Catalog:
    """Reference data is static between deployments, so one read per process is enough."""
    catalog = current_app.extensions.get(_KEY)
    if catalog is None:
        with _lock:
            catalog = current_app.extensions.get(_KEY)
            if catalog is None:
                catalog = fetch_catalog(get_driver())
                if not catalog.comunas:
                    raise ApiProblem(
                        503, "Los datos de referencia no están cargados; ejecute «encadena load-reference».",
                        type_="sin-datos-de-referencia",
                    )
                current_app.extensions[_KEY] = catalog
    return catalog
