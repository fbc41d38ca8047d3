"""Signing in and out, and each role's home page.

Wrong passwords are counted per account and per address (``service.rate_limits``): after
``RATE_LIMIT_SIGN_IN_FAILURES`` of them the sign-in page answers 429 with ``Retry-After`` and a
Spanish message, whatever password comes next, until the window ends. The message never says
whether the address has an account.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user

from application.users import MAX_PASSWORD_LENGTH, authenticate, normalize_email
from service.auth import ALL_ROLES, public, require
from service.db import get_driver
from service.pages.session import PageUser, safe_next
from service.rate_limits import sign_in_failed, sign_in_wait

WRONG = "El correo o la contraseña no son correctos. Revise ambos e inténtelo de nuevo."
MAX_EMAIL_LENGTH = 254


def home_url(role: str | None) -> str:
    """Where a person lands after signing in: a buyer's needs, or the open needs for staff."""
    return url_for("pages.my_needs") if role == "buyer" else url_for("pages.open_needs")


def _minutes(seconds: int) -> str:
    minutes = max(1, round(seconds / 60))
    return "1 minuto" if minutes == 1 else f"{minutes} minutos"


def register(bp: Blueprint) -> None:
    @bp.route("/login", methods=["GET", "POST"])
    @public
    def login():
        next_url = safe_next(request.values.get("next"))
        if current_user.is_authenticated and request.method == "GET":
            return redirect(next_url or home_url(current_user.role))
        if request.method == "GET":
            return render_template("login.html", errors={}, email="", next_url=next_url)
        email = normalize_email(request.form.get("email", ""))[:MAX_EMAIL_LENGTH]
        password = request.form.get("password", "")[:MAX_PASSWORD_LENGTH + 1]
        errors = {}
        if not email:
            errors["email"] = "Escriba su correo electrónico."
        if not password:
            errors["password"] = "Escriba su contraseña."
        if errors:
            return render_template("login.html", errors=errors, email=email, next_url=next_url), 200
        wait = sign_in_wait(email)
        if wait is not None:
            message = (f"Demasiados intentos de inicio de sesión. Por seguridad, espere {_minutes(wait)} antes de "
                       "volver a intentarlo.")
            body = render_template("login.html", errors={"email": message}, email=email, next_url=next_url)
            return body, 429, {"Retry-After": str(wait)}
        account = authenticate(get_driver(), email, password)
        if account is None:
            sign_in_failed(email)
            return render_template("login.html", errors={"email": WRONG}, email=email, next_url=next_url), 200
        session.clear()  # a fresh session (and CSRF token) for the signed-in person
        login_user(PageUser(account))
        session.permanent = True
        return redirect(next_url or home_url(account["role"]))

    @bp.post("/logout")
    @require(*ALL_ROLES)
    def logout():
        logout_user()
        session.clear()
        flash("Cerró su sesión.", "success")
        return redirect(url_for("pages.login"))

    @bp.get("/")
    @require(*ALL_ROLES)
    def home():
        return redirect(home_url(current_user.role))
