"""A buyer's need (what it wants to buy, where, with which certifications), validated once.

Same two steps as ``matching.records``: pydantic checks shape and bounds (``NeedRecord``), then
``normalize_need`` resolves sectors, comuna and certifications against the ``Catalog`` and checks
the deadline. The API, the matching code and the reports all read needs in this shape.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import Field

from matching.catalog import Catalog
from matching.errors import FieldError, InvalidInput
from matching.records import ComunaRef, Rut, SectorCode, _collect, _sectors, _Strict

# Deadlines are calendar days in Chile: "not in the past" means before today in Santiago.
CHILE_TZ = ZoneInfo("America/Santiago")
DEFAULT_RADIUS_KM = 50.0
MIN_RADIUS_KM = 1.0
MAX_RADIUS_KM = 2000.0

NeedStatus = Literal["open", "closed"]
Preference = Literal["cooperatives", "women", "micro"]


class NeedRecord(_Strict):
    """What a large buyer wants to buy from local suppliers."""

    buyer_rut: Rut
    title: str = Field(min_length=3, max_length=200, examples=["Servicio de lavandería industrial"])
    description: str = Field("", max_length=4000, description="Qué se necesita, en palabras del comprador.")
    sectors: list[SectorCode] = Field(
        min_length=1, max_length=10,
        description="Códigos CIIU/ISIC Rev. 4 de cualquier nivel (sección, división, grupo o clase) "
                    "o SII de 6 dígitos.",
    )
    comuna: ComunaRef
    radius_km: float = Field(
        DEFAULT_RADIUS_KM, ge=MIN_RADIUS_KM, le=MAX_RADIUS_KM, allow_inf_nan=False,
        description="Radio de búsqueda de proveedores en km desde la comuna (1 a 2000).",
    )
    required_certifications: list[str] = Field(
        default_factory=list, max_length=20, description="Códigos o nombres del catálogo (ISO 9001, HACCP...)."
    )
    certifications_mandatory: bool = Field(
        False, description="Si es verdadero, solo califican empresas con las certificaciones vigentes; "
                           "si es falso, las certificaciones suman puntaje pero no excluyen.",
    )
    deadline: date | None = Field(None, description="Fecha límite (AAAA-MM-DD), no anterior a hoy.")
    volume: float | None = Field(
        None, gt=0, le=1e9, allow_inf_nan=False, description="Compra anual estimada en UF."
    )
    prefer: list[Preference] = Field(
        default_factory=list, max_length=3,
        description="Preferencias: cooperatives (cooperativas), women (empresas con el Sello Empresa Mujer "
                    "vigente), micro (microempresas).",
    )
    project_id: str | None = Field(None, min_length=1, max_length=64, description="Proyecto de encadenamiento.")


class NeedPatch(_Strict):
    """A need's status: a buyer closes a need when it is filled (or reopens it)."""

    status: NeedStatus


def chile_today() -> date:
    """Today's date in Chile."""
    return datetime.now(CHILE_TZ).date()


def normalize_need(record: NeedRecord, catalog: Catalog, today: date | None = None) -> dict:
    """Graph-ready values for a need, or ``InvalidInput`` listing every bad field.

    Parameters
    ----------
    record : NeedRecord
        The validated request body.
    catalog : Catalog
        Reference data used to resolve sectors (any ISIC level), the comuna and certifications.
    today : date, optional
        The day against which the deadline is checked; defaults to today in Chile.

    Returns
    -------
    dict
        ``buyer_rut, title, description, sectors, comuna, radius_km, required_certifications,
        certifications_mandatory, deadline (ISO string or None), volume_uf, prefer, project_id``.
    """
    errors: list[FieldError] = []
    sectors = _sectors(record.sectors, catalog, errors, class_only=False)
    comuna = _collect(errors, catalog.resolve_comuna, record.comuna)
    certifications = [
        _collect(errors, catalog.resolve_certification, value, f"required_certifications.{i}")
        for i, value in enumerate(record.required_certifications)
    ]
    today = today or chile_today()
    if record.deadline is not None and record.deadline < today:
        errors.append(FieldError(
            "deadline", f"La fecha límite {record.deadline.isoformat()} ya pasó; indique una fecha desde "
                        f"{today.isoformat()} en adelante.",
        ))
    if errors:
        raise InvalidInput(errors)
    return {
        "buyer_rut": record.buyer_rut,
        "title": record.title,
        "description": record.description,
        "sectors": sectors,
        "comuna": comuna.cut,
        "radius_km": float(record.radius_km),
        "required_certifications": list(dict.fromkeys(c for c in certifications if c)),
        "certifications_mandatory": record.certifications_mandatory,
        "deadline": record.deadline.isoformat() if record.deadline else None,
        "volume_uf": record.volume,
        "prefer": list(dict.fromkeys(record.prefer)),
        "project_id": record.project_id,
    }
