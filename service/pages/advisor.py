"""Program staff's list of open needs, filtered by region, center, sector, deadline and proposals; every
option shows how many needs it would leave. An advisor first sees the region of its center.

Filters are a GET form (bookmarkable, works without JavaScript); with htmx a change re-renders the
filters and results in place (``partials/open_needs.html``) and updates the address.
"""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user

from application import needs
from application.network import list_centers
from matching.explain import sector_text
from service.auth import require
from service.db import get_driver
from service.pages.filters import facet_options
from service.pages.session import current_viewer
from service.reference import get_catalog

PAGE_SIZE = 25
FILTERS = ("region", "center", "division", "deadline", "proposed")
DEADLINES = {"soon": "Vence en 30 días o menos", "quarter": "Vence en 31 a 90 días", "later": "Vence en más de 90 días",
             "none": "Sin fecha límite"}
PROPOSED = {"true": "Con propuestas", "false": "Sin propuestas"}


def _filters_from(args, default_region: str | None) -> dict:
    chosen = {name: (args.get(name) or "").strip()[:10] or None for name in FILTERS}
    if not any(name in args for name in FILTERS) and default_region:
        chosen["region"] = default_region
    return chosen


def register(bp: Blueprint) -> None:
    @bp.get("/needs")
    @require("advisor", "admin")
    def open_needs():
        catalog = get_catalog()
        center = (current_user.account.get("center") or {}) if current_user.role == "advisor" else {}
        chosen = _filters_from(request.args, center.get("region_cut"))
        try:
            page = max(1, int(request.args.get("page", "1")))
        except ValueError:
            page = 1
        query = {**chosen, "proposed": {"true": True, "false": False}.get(chosen["proposed"] or "")}
        if query["deadline"] not in DEADLINES:
            query["deadline"] = None
        result = needs.open_needs(get_driver(), current_viewer(), query, offset=(page - 1) * PAGE_SIZE,
                                  limit=PAGE_SIZE)
        centers = {c["id"]: c["name"] for c in list_centers(get_driver())}
        labels = {
            "region": lambda k: catalog.regions.get(k, k),
            "center": lambda k: centers.get(k, k),
            "division": lambda k: sector_text(catalog, k),
            "deadline": lambda k: DEADLINES.get(k, k),
            "proposed": lambda k: PROPOSED.get(k, k),
        }
        options = {name: facet_options(result["facets"][name], chosen[name], labels[name],
                                       list(DEADLINES) if name == "deadline" else None) for name in FILTERS}
        context = dict(
            result=result, chosen=chosen, options=options, page=page,
            pages=max(1, -(-result["total"] // PAGE_SIZE)), catalog=catalog, deadlines=DEADLINES,
            sector_text=sector_text, own_center=center, section="open_needs",
        )
        if request.headers.get("HX-Request"):
            return render_template("partials/open_needs.html", **context)
        return render_template("open_needs.html", **context)
