"""The need page (``/app/needs/<id>``): the need, its ranked candidates with reasons and certifications, the
map, and the proposals with who made and decided them; advisors propose from it, buyers decide on it.

A buyer opening another buyer's need gets 404, as from the API (``application.need_view``).
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for

from application import groups as group_supply
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


def shown_groups(data: dict) -> list[dict]:
    """The group offers the page shows: only when the need has a volume no single eligible candidate covers."""
    offers = data.get("groups")
    if not offers or offers.get("single_covers"):
        return []
    return offers["groups"]


def group_route(members: list[dict], shapes) -> list[str]:
    """Member comunas in the order a line visits them: from the one nearest the buyer, each time to
    the nearest not yet visited (a short path rather than the members' order by share)."""
    cuts = [str(m.get("comuna")) for m in sorted(members, key=lambda m: m["km_to_buyer"])]
    cuts = [c for c in dict.fromkeys(cuts) if c in shapes]
    if not cuts:
        return []
    route = [cuts.pop(0)]
    while cuts:
        last = shapes[route[-1]]
        cuts.sort(key=lambda c: (shapes[c].lat - last.lat) ** 2 + (shapes[c].lon - last.lon) ** 2)
        route.append(cuts.pop(0))
    return route


def groups_map(data: dict, groups: list[dict]):
    """The SVG map of the group offers: each member's comuna marked with its groups' numbers, each
    group's members joined by a line of its own colour and dash (None without groups or comuna)."""
    need = data["need"]
    cut = str((need.get("comuna") or {}).get("cut"))
    shapes = comuna_shapes()
    if cut not in shapes or not groups:
        return None
    marks = [(str(m.get("comuna")), number) for number, g in enumerate(groups, start=1) for m in g["members"]
             if str(m.get("comuna")) in shapes]
    routes = [group_route(g["members"], shapes) for g in groups]
    return need_map_svg(shapes, cut, float(need.get("radius_km") or 0) or 1.0, marks, routes,
                        id_prefix="mapa-grupos", noun=("grupo", "grupos"), fit_radius=False)


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
    groups = shown_groups(data)
    for group in groups:
        for member in group["members"]:
            place = catalog.comunas.get(str(member.get("comuna")))
            member["comuna_name"] = place.name if place else None
    body = render_template(
        "need.html", data=data, need=need, map_svg=need_map(data), errors=errors or {}, values=values or {},
        groups=groups, groups_map_svg=groups_map(data, groups),
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

    @bp.post("/needs/<need_id>/group-proposals")
    @require("advisor", "admin")
    def propose_group(need_id: str):
        ruts = [r.strip()[:20] for r in request.form.getlist("rut")[:group_supply.MAX_GROUP_SIZE + 1]]
        note = request.form.get("note", "").strip()[:MAX_NOTE]
        try:
            made = group_supply.propose_group(get_driver(), get_catalog(), need_id, ruts, {"note": note},
                                              current_viewer())
        except (InvalidInput, Conflict) as exc:
            detail = "; ".join(e.message for e in exc.errors) if isinstance(exc, InvalidInput) else str(exc)
            flash(f"No se pudo proponer el grupo: {detail}", "error")
            return redirect(url_for("pages.need_page", need_id=need_id) + "#ofertas-conjuntas")
        names = [f["name"] for f in made.get("firms") or []]
        flash(f"Propuso el grupo de {len(names)} empresas ({', '.join(names)}). El comprador verá su nota y "
              "decidirá; si acepta, quedará una alianza con la parte de cada una.", "success")
        return redirect(url_for("pages.need_page", need_id=need_id) + "#propuestas")
