"""A buyer's pages: my needs (with proposals awaiting a decision), posting a need, deciding on a proposal,
and the alliances (a buyer sees its own; program staff see all).
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for

from application import needs, network, proposals
from matching.catalog import Catalog
from matching.errors import InvalidInput
from matching.segments import SEGMENT_LABELS
from service.auth import ALL_ROLES, require
from service.db import get_driver
from service.pages.forms import MANDATORY, PREFERENCES, add_field_errors, empty_need_form, need_record, read_need_form
from service.pages.needs import render_need_page
from service.pages.session import current_viewer
from service.ranking import planner_counts
from service.reference import get_catalog

DECISIONS = {"accepted": "Aceptar", "rejected": "Rechazar"}
MAX_REASON = 1000
ALLIANCES_SHOWN = 100


def certification_options(catalog: Catalog) -> list[tuple[str, str]]:
    return sorted(catalog.certifications.items(), key=lambda item: item[1])


def render_need_form(form, catalog: Catalog, status: int = 200):
    body = render_template(
        "need_form.html", form=form, errors=form.ordered_errors(), certifications=certification_options(catalog),
        mandatory=MANDATORY, preferences=PREFERENCES, regions=catalog.regions, section="new_need",
    )
    return body, status


def register(bp: Blueprint) -> None:
    @bp.get("/my-needs")
    @require("buyer")
    def my_needs():
        home = needs.buyer_home(get_driver(), get_catalog(), current_viewer(), planner_counts())
        return render_template("my_needs.html", home=home, section="my_needs")

    @bp.route("/needs/new", methods=["GET", "POST"])
    @require("buyer")
    def new_need():
        catalog = get_catalog()
        if request.method == "GET":
            return render_need_form(empty_need_form(), catalog)
        viewer = current_viewer()
        form, fields = read_need_form(request.form, catalog)
        record = need_record(viewer.buyer_rut or "", fields, form) if fields is not None else None
        if record is None:
            return render_need_form(form, catalog, 422)
        try:
            need = needs.post_need(get_driver(), catalog, record, viewer)
        except InvalidInput as exc:
            add_field_errors(form, exc.errors)
            return render_need_form(form, catalog, 422)
        flash("Publicó su necesidad. Estos son los proveedores candidatos, ordenados y con sus razones.", "success")
        return redirect(url_for("pages.need_page", need_id=need["id"]))

    @bp.post("/proposals/<proposal_id>/decision")
    @require("buyer", "admin")
    def decide(proposal_id: str):
        viewer = current_viewer()
        proposal = proposals.get_proposal(get_driver(), proposal_id, viewer)  # 404 for another buyer's
        decision = request.form.get("decision", "")
        reason = request.form.get("reason", "").strip()[:MAX_REASON]
        errors = {}
        if decision not in DECISIONS:
            errors[f"decision-{proposal_id}"] = "Elija si acepta o rechaza la propuesta."
        if decision == "rejected" and not reason:
            errors[f"reason-{proposal_id}"] = "Escriba por qué la rechaza: ayuda al asesor a proponer mejor."
        if errors:
            return render_need_page(proposal["need_id"], errors=errors, values={"reason": reason}, status=422)
        result = proposals.decide(get_driver(), proposal_id, decision, reason or None, viewer)
        firm = (result["proposal"].get("firm") or {}).get("name", "la empresa")
        if result["proposal"].get("kind") == "group":
            firm = f"un grupo de {len(result['proposal'].get('firms') or [])} empresas"
        if decision == "accepted":
            flash(f"Aceptó la propuesta de {firm}. Quedó registrada una alianza.", "success")
        else:
            flash(f"Rechazó la propuesta de {firm}. El asesor verá su razón.", "success")
        return redirect(url_for("pages.need_page", need_id=proposal["need_id"]) + "#propuestas")

    @bp.get("/alliances")
    @require(*ALL_ROLES)
    def alliances():
        items = network.list_alliances(get_driver(), current_viewer(), limit=ALLIANCES_SHOWN)
        return render_template("alliances.html", alliances=items, section="alliances", segments=SEGMENT_LABELS)
