"""The need form's pickers as htmx partials: sectors by Spanish words, comunas forgiving typos.

Each answers the options for the text typed as radio buttons (``matching.pickers``); the option
already chosen stays first. Without JavaScript the same options appear when the form is sent
(``service.pages.forms``), so the pickers are an enhancement, never a requirement.
"""

from __future__ import annotations

from flask import Blueprint, render_template, request

from matching.pickers import SectorOption, search_comunas, search_sectors
from service.auth import ALL_ROLES, require
from service.reference import get_catalog


def register(bp: Blueprint) -> None:
    @bp.get("/pickers/sectors")
    @require(*ALL_ROLES)
    def sector_options():
        catalog = get_catalog()
        query = (request.args.get("sector_q") or "").strip()[:200]
        chosen = [c for c in request.args.getlist("sectors") if c in catalog.sectors][:1]
        options = [SectorOption(c, catalog.sectors[c].name, catalog.sectors[c].level) for c in chosen]
        options += [o for o in search_sectors(catalog, query) if o.code not in chosen]
        return render_template("partials/sector_options.html", options=options, chosen=chosen, query=query,
                               oob=True)

    @bp.get("/pickers/comunas")
    @require(*ALL_ROLES)
    def comuna_options():
        catalog = get_catalog()
        query = (request.args.get("comuna") or "").strip()[:100]
        options = search_comunas(catalog, query)
        chosen = [options[0].cut] if len(options) == 1 else []
        return render_template("partials/comuna_options.html", options=options, chosen=chosen, query=query,
                               regions=catalog.regions, oob=True)
