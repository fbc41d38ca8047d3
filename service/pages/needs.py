"""The need page (``/app/needs/<id>``): the need, its ranked candidates with reasons and certifications, the
map, and the proposals with who made and decided them; advisors propose from it, buyers decide on it.

A buyer opening another buyer's need gets 404, as from the API (``application.need_view``).
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for

from application import proposals
from application.need_view import need_page as need_page_data
from graph_schema.shapes import comuna_shapes
from matching.catalog import Catalog
from matching.errors import Conflict, InvalidInput
from matching.explain import sector_text
from matching.segments import SEGMENT_LABELS
from service.auth import ALL_ROLES, require
from service.db import get_driver
from service.pages.forms import PREFERENCES
from service.pages.map import need_map_svg
from service.pages.session import current_viewer
from service.ranking import current_ranker, planner_counts
from service.reference import get_catalog

MAX_NOTE = 1000
# Reasons shown open on a candidate card; the rest behind "Más razones".
REASONS_SHOWN = 4


def need_map(data: dict):
    """The SVG map of the need and its candidates' comunas by rank (None when the need has no comuna)."""
    need = data["need"]
    cut = str((need.get("comuna") or {}).get("cut"))
    shapes = comuna_shapes()
    if cut not in shapes:
        return None
    marks = [str(((c["card"] or {}).get("comuna") or {}).get("cut")) for c in data["candidates"]]
    candidates = [(mark, int(c["rank"])) for mark, c in zip(marks, data["candidates"], strict=True) if mark in shapes]
    return need_map_svg(shapes, cut, float(need.get("radius_km") or 0) or 1.0, candidates)


def card_certifications(catalog: Catalog, card: dict | None, required: list[str]) -> list[dict]:
    """What a candidate card shows: each required certification (held or not), then the others it holds
    that have not expired; ``status`` None means it does not hold it."""
    held = {h["code"]: h for h in (card or {}).get("certifications") or []}
    label = {code: name.split(" (")[0] for code, name in catalog.certifications.items()}
    shown = [{"label": label.get(code, code), "status": (held.get(code) or {}).get("status"),
              "valid_until": (held.get(code) or {}).get("valid_until")} for code in required]
    shown += [{"label": label.get(code, code), "status": h["status"], "valid_until": h["valid_until"]}
              for code, h in held.items() if code not in required and h["status"] != "expired"]
    return shown


def sector_names(catalog: Catalog, codes: list[str]) -> list[str]:
    return [sector_text(catalog, code) for code in codes]


def render_need_page(need_id: str, *, errors: dict | None = None, values: dict | None = None, status: int = 200):
    catalog = get_catalog()
    viewer = current_viewer()
    data = need_page_data(get_driver(), catalog, need_id, viewer, ranker=current_ranker(), counts=planner_counts())
    need = data["need"]
    required = [c["code"] for c in need.get("required_certifications") or []]
    for candidate in data["candidates"]:
        candidate["certs"] = card_certifications(catalog, candidate["card"], required)
    body = render_template(
        "need.html", data=data, need=need, map_svg=need_map(data), errors=errors or {}, values=values or {},
        sectors=sector_names(catalog, [s["code"] for s in need.get("sectors") or []]),
        preferences=dict(PREFERENCES), segments=SEGMENT_LABELS,
        reasons_shown=REASONS_SHOWN, can_propose=viewer.role in ("advisor", "admin"),
        can_decide=viewer.role in ("buyer", "admin"),
        section="my_needs" if viewer.is_buyer else "open_needs",
    )
    return body, status


def register(bp: Blueprint) -> None:
    @bp.get("/needs/<need_id>")
    @require(*ALL_ROLES)
    def need_page(need_id: str):
        return render_need_page(need_id)

    @bp.post("/needs/<need_id>/proposals")
    @require("advisor", "admin")
    def propose(need_id: str):
        rut = request.form.get("rut", "").strip()[:20]
        note = request.form.get("note", "").strip()[:MAX_NOTE]
        values: dict[str, object] = {"rut": rut, "note": note}
        for key, cast in (("rank", int), ("score", float)):
            try:
                values[key] = cast(request.form.get(key, ""))
            except ValueError:
                values[key] = None
        values["model_version"] = request.form.get("model_version", "")[:64] or None
        try:
            made = proposals.propose(get_driver(), need_id, values, current_viewer())
        except (InvalidInput, Conflict) as exc:
            detail = "; ".join(e.message for e in exc.errors) if isinstance(exc, InvalidInput) else str(exc)
            flash(f"No se pudo proponer la empresa: {detail}", "error")
            return redirect(url_for("pages.need_page", need_id=need_id) + "#candidatos")
        firm = (made.get("firm") or {}).get("name", rut)
        flash(f"Propuso a {firm}. El comprador verá su nota y decidirá.", "success")
        return redirect(url_for("pages.need_page", need_id=need_id) + "#propuestas")
