"""The duplicate review queue (advisors and admins): open pairs best first with filters (region, comuna,
center, score) whose options say how many pairs each leaves; one pair side by side with the evidence for
and against, merged choosing which values stay where the two differ, or marked «distintas»; keyboard
shortcuts (``static/review.js``) for a fast review; merges undone from the kept firm's page.

The filters ride along in the address of every pair page, so "next pair" follows the same queue.
"""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, flash, redirect, render_template, request, url_for

from application import duplicate_review, duplicates
from application.duplicate_review import SCORE_FLOORS, QueueFilters
from application.network import list_centers
from graph_schema.firm_merges import MERGE_FIELDS
from matching.errors import Conflict, InvalidInput
from matching.explain import sector_text
from matching.segments import SEGMENT_LABELS
from service.auth import require
from service.db import get_driver
from service.pages.filters import facet_options
from service.pages.format import numero
from service.pages.session import current_viewer
from service.reference import get_catalog

PAGE_SIZE = 25
FILTERS = ("region", "comuna", "center", "score")
MAX_NOTE = 1000
FIELD_LABELS = {"name": "Razón social", "comuna": "Comuna", "phone": "Teléfono", "email": "Correo electrónico",
                "products": "Productos", "employees": "Trabajadores", "annual_sales_uf": "Ventas anuales (UF)",
                "supply_capacity_uf": "Capacidad de suministro (UF)", "owner_gender": "Dueña o dueño"}
GENDER = {"F": "Mujer", "M": "Hombre"}


def read_filters(args) -> tuple[dict, QueueFilters]:
    """The filters as chosen (strings, for the form and links) and as the application takes them."""
    chosen = {name: (args.get(name) or "").strip()[:20] or None for name in FILTERS}
    score = int(chosen["score"]) if chosen["score"] in {str(f) for f in SCORE_FLOORS} else None
    chosen["score"] = str(score) if score else None
    return chosen, QueueFilters(region=chosen["region"], comuna=chosen["comuna"] if chosen["region"] else None,
                                center=chosen["center"], min_score=score)


def query_string(chosen: dict) -> str:
    kept = {k: v for k, v in chosen.items() if v}
    return f"?{urlencode(kept)}" if kept else ""


def shown_value(firm: dict, field: str, catalog) -> str:
    """A field of a firm as the comparison shows it."""
    value = firm.get(field) if field != "comuna" else firm.get("comuna")
    if value in (None, "", "unknown"):
        return ""
    if field == "comuna":
        region = catalog.regions.get(value.get("region_cut") or "", "")
        return f"{value['name']}{', ' + region if region else ''}"
    if field == "owner_gender":
        return GENDER.get(value, str(value))
    if field in ("annual_sales_uf", "supply_capacity_uf"):
        return f"{numero(value, 1)} UF"
    return str(value)


def register(bp: Blueprint) -> None:
    @bp.get("/duplicates")
    @require("advisor", "admin")
    def duplicates_queue():
        catalog = get_catalog()
        chosen, filters = read_filters(request.args)
        try:
            page = max(1, int(request.args.get("page", "1")))
        except ValueError:
            page = 1
        result = duplicate_review.review_queue(get_driver(), current_viewer(), filters,
                                               offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE)
        centers = {c["id"]: c["name"] for c in list_centers(get_driver())}
        facets = result["facets"]
        options = {
            "region": facet_options(facets["region"], chosen["region"], lambda k: catalog.regions.get(k, k)),
            "comuna": facet_options(facets["comuna"], chosen["comuna"],
                                    lambda k: catalog.comunas[k].name if k in catalog.comunas else k),
            "center": facet_options(facets["center"], chosen["center"], lambda k: centers.get(k, k)),
            "score": facet_options(facets["min_score"], chosen["score"], lambda k: f"{k} o más",
                                   [str(f) for f in SCORE_FLOORS]),
        }
        context = dict(result=result, chosen=chosen, options=options, page=page, qs=query_string(chosen),
                       pages=max(1, -(-result["total"] // PAGE_SIZE)), section="duplicates")
        if request.headers.get("HX-Request"):
            return render_template("partials/duplicates_queue.html", **context)
        return render_template("duplicates_queue.html", **context)

    def render_pair(pair_id: str, errors: dict | None = None, status: int = 200):
        catalog = get_catalog()
        chosen, filters = read_filters(request.args)
        view = duplicate_review.pair_view(get_driver(), current_viewer(), pair_id)
        place = duplicate_review.neighbours(get_driver(), filters, pair_id)
        sides = view["sides"]
        body = render_template(
            "duplicate_pair.html", view=view, pair=view["pair"], sides=sides, evidence=view["evidence"],
            differences=view["differences"], place=place, qs=query_string(chosen), errors=errors or {},
            labels=FIELD_LABELS, shown=lambda firm, field: shown_value(firm, field, catalog),
            sectors=lambda firm: [sector_text(catalog, s["code"]) for s in firm.get("sectors") or []],
            segments=SEGMENT_LABELS, section="duplicates",
        )
        return body, status

    @bp.get("/duplicates/<pair_id>")
    @require("advisor", "admin")
    def duplicate_pair(pair_id: str):
        return render_pair(pair_id)

    @bp.post("/duplicates/<pair_id>")
    @require("advisor", "admin")
    def resolve_pair(pair_id: str):
        chosen, filters = read_filters(request.args)
        action = request.form.get("action", "")
        if action not in ("merge", "distinct"):
            return render_pair(pair_id, {"action": "Elija «Fusionar» o «Son distintas»."}, 422)
        view = duplicate_review.pair_view(get_driver(), current_viewer(), pair_id)
        ruts = [side["rut"] for side in view["sides"]]
        keep = request.form.get("keep") if action == "merge" else None
        if keep is not None and keep not in ruts:
            return render_pair(pair_id, {"keep": "Elija cuál de las dos fichas se conserva."}, 422)
        take = [field for field in view["differences"]
                if action == "merge" and request.form.get(f"value-{field}") not in (None, keep)
                and request.form.get(f"value-{field}") in ruts]
        note = request.form.get("note", "").strip()[:MAX_NOTE] or None
        try:
            result = duplicates.resolve(get_driver(), pair_id, action=action, keep=keep, viewer=current_viewer(),
                                        note=note, take=[f for f in take if f in MERGE_FIELDS])
        except (InvalidInput, Conflict) as exc:
            detail = "; ".join(e.message for e in exc.errors) if isinstance(exc, InvalidInput) else str(exc)
            flash(f"No se pudo resolver el par: {detail}", "error")
            return redirect(url_for("pages.duplicate_pair", pair_id=pair_id) + query_string(chosen))
        names = [side["name"] for side in view["sides"]]
        if action == "merge":
            kept = result.get("firm") or {}
            flash(f"Fusionó las fichas en {kept.get('name', '')} (RUT {result.get('kept_rut')}). La fusión queda "
                  "en la ficha de la empresa, con quién y cuándo, y se puede deshacer desde allí.", "success")
        else:
            flash(f"Marcó {' y '.join(names)} como empresas distintas; el par no se volverá a proponer.", "success")
        following = duplicate_review.neighbours(get_driver(), filters, pair_id)["next"]
        if following:
            return redirect(url_for("pages.duplicate_pair", pair_id=following) + query_string(chosen))
        return redirect(url_for("pages.duplicates_queue") + query_string(chosen))

    @bp.post("/merges/<merge_id>/undo")
    @require("advisor", "admin")
    def undo_merge(merge_id: str):
        rut = (request.form.get("rut") or "").strip()[:20]
        try:
            done = duplicate_review.undo_merge(get_driver(), current_viewer(), merge_id)
            merge = done["merge"]
            flash(f"Deshizo la fusión: {merge['dropped_name']} (RUT {merge['dropped_rut']}) volvió a ser una ficha "
                  "aparte y el par quedó de nuevo por revisar.", "success")
        except Conflict as exc:
            flash(f"No se puede deshacer la fusión: {exc}", "error")
        target = url_for("pages.firm_page", rut=rut) if rut else url_for("pages.duplicates_queue")
        return redirect(target + "#fusiones")
