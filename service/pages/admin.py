"""People and keys (admins only): create, disable and enable the accounts people sign in with; create, list
and revoke the API keys programs use, each with when it was last used.

A new account's generated password and a new key's secret are shown once, on the page that answers the
form (never in a redirect's flash, which travels in the session cookie), and stored only hashed.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for

from application import buyers, keys, network, users
from application.access import ROLE_ES
from matching.errors import Conflict, InvalidInput, NotFound
from service.auth import require
from service.db import get_driver
from service.pages.session import current_viewer

ROLES = (("advisor", "Asesor o asesora de un centro"), ("buyer", "Comprador (una empresa grande)"),
         ("admin", "Administrador de Encadena"))
KEY_STATES = {"active": "Activa", "revoked": "Revocada", "expired": "Vencida"}
# Form fields -> the application's field names in its errors.
USER_FIELDS = {"email": "email", "name": "name", "role": "role", "buyer": "buyer", "advisor": "advisor",
               "password": "password"}


def _choices() -> dict:
    graph = get_driver()
    return {
        "buyer_choices": [("", "Elija el comprador"),
                          *((b["rut"], f"{b['name']} ({b['rut']})") for b in buyers.buyer_choices(graph))],
        "advisor_choices": [("", "Elija el asesor"),
                            *((a["id"], f"{a['name']}{' · ' + a['center'] if a['center'] else ''}")
                              for a in network.advisor_choices(graph))],
    }


def render_people(values: dict | None = None, errors: dict | None = None, created: dict | None = None,
                  status: int = 200):
    body = render_template(
        "admin_people.html", people=users.list_users(get_driver()), values=values or {"role": "advisor"},
        errors=errors or {}, created=created, roles=ROLES, role_es=ROLE_ES, me=current_viewer().id,
        section="admin", **_choices(),
    )
    return body, status


def render_keys(values: dict | None = None, errors: dict | None = None, created: dict | None = None,
                status: int = 200):
    body = render_template(
        "admin_keys.html", keys=keys.list_keys(get_driver(), current_viewer()), values=values or {"role": "advisor"},
        errors=errors or {}, created=created, roles=ROLES, role_es=ROLE_ES, states=KEY_STATES, section="admin",
        **_choices(),
    )
    return body, status


def register(bp: Blueprint) -> None:
    @bp.get("/admin/people")
    @require("admin")
    def admin_people():
        return render_people()

    @bp.post("/admin/people")
    @require("admin")
    def create_person():
        values = {name: (request.form.get(name) or "").strip()[:200] for name in USER_FIELDS}
        role = values["role"]
        password = request.form.get("password") or ""
        generated = not password
        password = password or users.generate_password()
        try:
            person = users.create_user(
                get_driver(), email=values["email"], name=values["name"], role=role, password=password,
                buyer_rut=values["buyer"] if role == "buyer" else None,
                advisor_id=values["advisor"] if role == "advisor" else None, created_by=current_viewer().actor)
        except InvalidInput as exc:
            values.pop("password")
            return render_people(values, {USER_FIELDS.get(e.field, e.field): e.message for e in exc.errors}, None, 422)
        except Conflict as exc:
            values.pop("password")
            return render_people(values, {"email": str(exc)}, None, 422)
        return render_people(created={"person": person, "password": password if generated else None})

    @bp.post("/admin/people/state")
    @require("admin")
    def person_state():
        email = (request.form.get("email") or "").strip()[:200]
        disable = request.form.get("disabled") == "true"
        if disable and email == (users.active_user(get_driver(), current_viewer().id or "") or {}).get("email"):
            flash("No puede deshabilitar su propia cuenta; pida a otro administrador que lo haga.", "error")
            return redirect(url_for("pages.admin_people"))
        try:
            person = (users.disable_user if disable else users.enable_user)(get_driver(), email)
        except NotFound as exc:
            flash(str(exc), "error")
            return redirect(url_for("pages.admin_people"))
        flash(f"{'Deshabilitó' if disable else 'Habilitó'} la cuenta de {person['name']} ({person['email']})"
              + (": su sesión termina en su próxima acción." if disable else "."), "success")
        return redirect(url_for("pages.admin_people"))

    @bp.get("/admin/keys")
    @require("admin")
    def admin_keys():
        return render_keys()

    @bp.post("/admin/keys")
    @require("admin")
    def create_api_key():
        values = {name: (request.form.get(name) or "").strip()[:200]
                  for name in ("role", "buyer", "advisor", "label", "expires_in_days")}
        errors = {}
        days = None
        if values["expires_in_days"]:
            try:
                days = int(values["expires_in_days"])
            except ValueError:
                errors["expires_in_days"] = "Escriba un número entero de días, o déjelo vacío para que no venza."
        if values["role"] not in dict(ROLES):
            errors["role"] = "Elija el rol de la llave."
        if not errors:
            try:
                key_id, secret = keys.create_key(
                    get_driver(), current_viewer(), role=values["role"],
                    buyer_rut=values["buyer"] if values["role"] == "buyer" else None,
                    advisor_id=values["advisor"] if values["role"] == "advisor" else None,
                    label=values["label"] or None, expires_in_days=days)
            except InvalidInput as exc:
                errors = {e.field: e.message for e in exc.errors}
        if errors:
            return render_keys(values, errors, None, 422)
        return render_keys(created={"id": key_id, "secret": secret, "role": values["role"]})

    @bp.post("/admin/keys/<key_id>/revoke")
    @require("admin")
    def revoke_api_key(key_id: str):
        try:
            keys.revoke_key(get_driver(), current_viewer(), key_id[:40])
            flash(f"Revocó la llave {key_id}: deja de funcionar en un segundo.", "success")
        except NotFound as exc:
            flash(str(exc), "error")
        return redirect(url_for("pages.admin_keys"))
