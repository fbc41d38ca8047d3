"""Program staff's firm pages: a typo-tolerant search with filters that show their counts, and a firm's
page (profile, certifications, alliances, advisory sessions and the proposals made for it, with who
decided and when), where an advisor records advisory sessions.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for

from application import duplicate_review, firms, network
from application.firms import FirmFilters
from matching.errors import InvalidInput
from matching.explain import sector_text
from matching.segments import SEGMENT_LABELS
from service.auth import require
from service.db import get_driver
from service.pages.filters import facet_options
from service.pages.forms import parse_number
from service.pages.session import current_viewer
from service.reference import get_catalog

PAGE_SIZE = 25
FILTERS = ("region", "comuna", "sector", "size", "certification", "cooperative")
SIZES = {"micro": "Micro", "pequena": "Pequeña", "mediana": "Mediana", "grande": "Grande",
         "sin_ventas": "Sin ventas informadas"}
COOPERATIVE = {"true": "Cooperativas", "false": "No cooperativas"}
# Facet keys (``application.firms``) of each filter.
FACET_OF = {"region": "region", "comuna": "comuna", "sector": "sector", "size": "sizes",
            "certification": "certification", "cooperative": "cooperative"}
MAX_SESSIONS, MAX_HOURS = 100, 500.0


def register(bp: Blueprint) -> None:
    @bp.get("/firms")
    @require("advisor", "admin")
    def firm_search():
        catalog = get_catalog()
        chosen = {name: (request.args.get(name) or "").strip()[:10] or None for name in FILTERS}
        q = (request.args.get("q") or "").strip()[:200]
        try:
            page = max(1, int(request.args.get("page", "1")))
        except ValueError:
            page = 1
        filters = FirmFilters(sector=chosen["sector"], comuna=chosen["comuna"], region=chosen["region"],
                              certification=chosen["certification"], size=chosen["size"],
                              is_cooperative={"true": True, "false": False}.get(chosen["cooperative"] or ""))
        error = None
        try:
            result = firms.firm_search_page(get_driver(), catalog, filters, current_viewer(), q=q or None,
                                            offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE)
        except InvalidInput as exc:
            error = "; ".join(e.message for e in exc.errors)
            result = {"items": [], "total": 0, "facets": {k: {} for k in FACET_OF.values()}}
        labels = {
            "region": lambda k: catalog.regions.get(k, k),
            "comuna": lambda k: catalog.comunas[k].name if k in catalog.comunas else k,
            "sector": lambda k: sector_text(catalog, k),
            "size": lambda k: SIZES.get(k, k),
            "certification": lambda k: catalog.certifications.get(k, k),
            "cooperative": lambda k: COOPERATIVE.get(k, k),
        }
        facets = result["facets"]
        options = {name: facet_options(facets[FACET_OF[name]] if name != "comuna" or chosen["region"] else {},
                                       chosen[name], labels[name]) for name in FILTERS}  # comunas within a region
        context = dict(result=result, chosen=chosen, q=q, options=options,
                       page=page, pages=max(1, -(-result["total"] // PAGE_SIZE)), error=error,
                       segments=SEGMENT_LABELS, section="firms")
        if request.headers.get("HX-Request"):
            return render_template("partials/firm_results.html", **context)
        return render_template("firm_search.html", **context)

    def render_firm(rut: str, errors: dict | None = None, values: dict | None = None, status: int = 200):
        catalog = get_catalog()
        profile = firms.firm_profile(get_driver(), rut, current_viewer())
        merges = duplicate_review.merges_into(get_driver(), current_viewer(), rut)
        body = render_template(
            "firm.html", profile=profile, firm=profile["firm"], errors=errors or {}, values=values or {}, merges=merges,
            segments=SEGMENT_LABELS, sectors=[sector_text(catalog, s["code"]) for s in profile["firm"]["sectors"]],
            can_record=bool(current_viewer().advisor_id), section="firms",
        )
        return body, status

    @bp.get("/firms/<rut>")
    @require("advisor", "admin")
    def firm_page(rut: str):
        return render_firm(rut)

    @bp.post("/firms/<rut>/sessions")
    @require("advisor")
    def record_sessions(rut: str):
        viewer = current_viewer()
        values = {"sessions": request.form.get("sessions", "").strip()[:10],
                  "hours": request.form.get("hours", "").strip()[:10]}
        errors = {}
        try:
            sessions = int(values["sessions"])
            if not 1 <= sessions <= MAX_SESSIONS:
                raise ValueError
        except ValueError:
            errors["sessions"] = f"Escriba cuántas sesiones hizo, un número entero entre 1 y {MAX_SESSIONS}."
        try:
            hours = parse_number(values["hours"])
            if hours is None or not 0 < hours <= MAX_HOURS:
                raise ValueError
        except ValueError:
            errors["hours"] = f"Escriba las horas de asesoría, un número mayor que 0 y hasta {MAX_HOURS:g}."
        if not viewer.advisor_id:
            errors["sessions"] = "Su cuenta no está asociada a un asesor; solo un asesor registra sus sesiones."
        if errors:
            return render_firm(rut, errors, values, 422)
        network.record_sessions(get_driver(), viewer.advisor_id or "", rut, sessions, float(hours or 0), viewer)
        flash(f"Registró {sessions} {'sesión' if sessions == 1 else 'sesiones'} ({values['hours']} h) de asesoría.",
              "success")
        return redirect(url_for("pages.firm_page", rut=rut) + "#asesorias")
