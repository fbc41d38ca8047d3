"""Typed records for firms and buyers, validated the same way by the API and by bulk imports.

Two steps: pydantic checks shape and bounds (``FirmRecord``), then ``normalize_firm`` resolves
names and codes against the reference ``Catalog`` (comuna, sectors, certifications) and derives
the size segment. Both raise errors that name the field and say why, in Spanish.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Literal

import annotated_types
from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from pydantic_core import PydanticCustomError

from matching.catalog import CLASS_PATTERN, SECTOR_PATTERN, Catalog
from matching.errors import FieldError, InvalidInput
from matching.rut import RUT_PATTERN, InvalidRut, canonical_rut
from matching.segments import size_segment

CertificationStatus = Literal["valid", "in_progress", "expired"]
OwnerGender = Literal["F", "M", "unknown"]
EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"

# A firm's fields, defined once: the writers, the import's diff state, the API's and pages' views
# and the buyer view derive from these. Scalar properties live on the Firm node; the rest are a
# label (is_cooperative) and relationships.
FIRM_PROPERTIES: tuple[str, ...] = (
    "name", "annual_sales_uf", "size_segment", "employees", "owner_gender", "products", "phone", "email",
    "supply_capacity_uf",
)
FIRM_LINKS: tuple[str, ...] = ("is_cooperative", "sectors", "comuna", "certifications", "member_of")
FIRM_FIELDS: tuple[str, ...] = FIRM_PROPERTIES + FIRM_LINKS
# Personal data: owner gender and contact details reach advisors and admins only, by every path
# (API, pages, reasons, shares, orders, exports); reports show them aggregated.
PERSONAL_FIELDS: frozenset[str] = frozenset({"owner_gender", "phone", "email"})


def _rut(value: str) -> str:
    try:
        return canonical_rut(value)
    except InvalidRut as exc:
        raise PydanticCustomError("rut_invalid", "{reason}", {"reason": str(exc)}) from exc


# The pattern is documented in the schema and enforced by ``canonical_rut`` (with a message that
# says what is wrong), not by pydantic's generic pattern check.
Rut = Annotated[
    str, Field(min_length=3, max_length=20, description="RUT con dígito verificador, con o sin puntos: 76.086.428-5.",
               json_schema_extra={"pattern": RUT_PATTERN}),
    AfterValidator(_rut),
]
ComunaRef = Annotated[
    Annotated[str, Field(min_length=1, max_length=60)] | Annotated[int, Field(ge=1, le=99_999)],
    Field(description="Código CUT (p. ej. 13120) o nombre de la comuna; se ignoran tildes y mayúsculas.",
          examples=["Ñuñoa", "13120"]),
]
# ISIC codes as the catalog reads them (``Catalog.resolve_sector`` enforces the same patterns).
SectorCode = Annotated[str, Field(json_schema_extra={"pattern": SECTOR_PATTERN})]
ClassCode = Annotated[str, Field(json_schema_extra={"pattern": CLASS_PATTERN})]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class CertificationHolding(_Strict):
    code: str = Field(min_length=2, max_length=60, description="Código del catálogo, p. ej. ISO9001, HACCP.")
    status: CertificationStatus = Field(
        description="valid: vigente; in_progress: en trámite (p. ej. con subsidio Mejora Negocios); expired: vencida."
    )
    valid_until: date | None = Field(
        None, description="Vigente hasta (valid), fecha esperada de obtención (in_progress) o de vencimiento (expired)."
    )


class FirmRecord(_Strict):
    """A micro, small or medium firm, or a cooperative, as a center registers it."""

    rut: Rut
    name: str = Field(min_length=2, max_length=200)
    is_cooperative: bool = False
    sectors: list[ClassCode] = Field(
        min_length=1, max_length=10, description="Clases CIIU/ISIC Rev. 4 (4 dígitos) o códigos SII de 6 dígitos."
    )
    comuna: ComunaRef
    annual_sales_uf: float | None = Field(None, ge=0, le=1e9, allow_inf_nan=False)
    supply_capacity_uf: float | None = Field(
        None, ge=0, le=1e9, allow_inf_nan=False,
        description="Lo que puede abastecer a un comprador en un año, en UF (si no se indica, se estima de "
                    "sus ventas).",
    )
    employees: int | None = Field(None, ge=0, le=1_000_000)
    owner_gender: OwnerGender = "unknown"
    products: str = Field("", max_length=4000)
    certifications: list[CertificationHolding] = Field(default_factory=list, max_length=40)
    member_of: list[Rut] = Field(
        default_factory=list, max_length=50, description="RUT de cooperativas de las que es socia."
    )
    phone: str | None = Field(None, max_length=40)
    email: str | None = Field(None, max_length=200, pattern=EMAIL_PATTERN)


class FirmPatch(_Strict):
    """Fields to change on an existing firm; absent fields stay as they are."""

    name: str | None = Field(None, min_length=2, max_length=200)
    is_cooperative: bool | None = None
    sectors: list[ClassCode] | None = Field(None, min_length=1, max_length=10)
    comuna: ComunaRef | None = None
    annual_sales_uf: float | None = Field(None, ge=0, le=1e9, allow_inf_nan=False)
    supply_capacity_uf: float | None = Field(None, ge=0, le=1e9, allow_inf_nan=False)
    employees: int | None = Field(None, ge=0, le=1_000_000)
    owner_gender: OwnerGender | None = None
    products: str | None = Field(None, max_length=4000)
    certifications: list[CertificationHolding] | None = Field(None, max_length=40)
    member_of: list[Rut] | None = Field(None, max_length=50)
    phone: str | None = Field(None, max_length=40)
    email: str | None = Field(None, max_length=200, pattern=EMAIL_PATTERN)


class BuyerRecord(_Strict):
    """A large company that buys from local suppliers."""

    rut: Rut
    name: str = Field(min_length=2, max_length=200)
    comuna: ComunaRef
    sectors: list[SectorCode] = Field(default_factory=list, max_length=10, description="Rubros del comprador (CIIU).")
    annual_sales_uf: float | None = Field(None, ge=0, le=1e12, allow_inf_nan=False)
    contact_email: str | None = Field(None, max_length=200, pattern=EMAIL_PATTERN)


@dataclass(frozen=True)
class Bounds:
    """The bounds pydantic enforces on one field, read from its declaration (``field_bounds``)."""

    min_length: int | None = None
    max_length: int | None = None
    ge: float | None = None
    le: float | None = None
    pattern: re.Pattern[str] | None = None

    def length_ok(self, size: int) -> bool:
        return (self.min_length is None or size >= self.min_length) and (
            self.max_length is None or size <= self.max_length)

    def value_ok(self, value: float) -> bool:
        return (self.ge is None or value >= self.ge) and (self.le is None or value <= self.le)


def field_bounds(model: type[BaseModel]) -> dict[str, Bounds]:
    """Each field's length, value and pattern bounds as ``model`` declares them.

    Code that validates the same data without the model (the import's fast path) reads its bounds
    from here, so tightening a model tightens every path.
    """
    out = {}
    for name, info in model.model_fields.items():
        found: dict = {}
        for item in info.metadata:
            if isinstance(item, annotated_types.MinLen):
                found["min_length"] = item.min_length
            elif isinstance(item, annotated_types.MaxLen):
                found["max_length"] = item.max_length
            elif isinstance(item, annotated_types.Ge):
                found["ge"] = item.ge
            elif isinstance(item, annotated_types.Le):
                found["le"] = item.le
            elif getattr(item, "pattern", None):
                found["pattern"] = re.compile(item.pattern)
        out[name] = Bounds(**found)
    return out


def _collect(errors: list[FieldError], fn, *args, **kwargs):
    try:
        return fn(*args, **kwargs)
    except InvalidInput as exc:
        errors.extend(exc.errors)
        return None


def _sectors(values: list[str], catalog: Catalog, errors: list[FieldError], class_only: bool) -> list[str]:
    codes = [
        _collect(errors, lambda v, i: catalog.resolve_sector(v, f"sectors.{i}", class_only=class_only).code, v, i)
        for i, v in enumerate(values)
    ]
    return list(dict.fromkeys(c for c in codes if c))


def _certifications(values: list[CertificationHolding], catalog: Catalog, errors: list[FieldError]) -> list[dict]:
    out = {}
    for i, holding in enumerate(values):
        code = _collect(errors, catalog.resolve_certification, holding.code, f"certifications.{i}.code")
        if code:
            out[code] = {
                "code": code,
                "status": holding.status,
                "valid_until": holding.valid_until.isoformat() if holding.valid_until else None,
            }
    return list(out.values())


def normalize_firm(record: FirmRecord | FirmPatch, catalog: Catalog) -> dict:
    """Graph-ready values for the fields that are set, or ``InvalidInput`` listing every bad field."""
    errors: list[FieldError] = []
    given = record.model_fields_set
    out: dict = {k: getattr(record, k) for k in given}
    if "sectors" in given and record.sectors is not None:
        out["sectors"] = _sectors(record.sectors, catalog, errors, class_only=True)
    if "comuna" in given and record.comuna is not None:
        comuna = _collect(errors, catalog.resolve_comuna, record.comuna)
        out["comuna"] = comuna.cut if comuna else None
    if "certifications" in given and record.certifications is not None:
        out["certifications"] = _certifications(record.certifications, catalog, errors)
    if "member_of" in given and record.member_of is not None:
        out["member_of"] = list(dict.fromkeys(record.member_of))
        if isinstance(record, FirmRecord) and record.rut in out["member_of"]:
            errors.append(FieldError("member_of", "Una empresa no puede ser socia de sí misma."))
    if isinstance(record, FirmRecord):
        out.setdefault("is_cooperative", record.is_cooperative)
        out.setdefault("owner_gender", record.owner_gender)
        out.setdefault("products", record.products)
        out["rut"] = record.rut
    if "annual_sales_uf" in given:
        out["size_segment"] = size_segment(record.annual_sales_uf)
    elif isinstance(record, FirmRecord):
        out["annual_sales_uf"] = None
        out["size_segment"] = size_segment(None)
    if errors:
        raise InvalidInput(errors)
    for key in ("sectors", "comuna", "certifications", "member_of", "name"):
        if key in given and out.get(key) is None:
            errors.append(FieldError(key, "No puede ser nulo."))
    if errors:
        raise InvalidInput(errors)
    return out


def normalize_buyer(record: BuyerRecord, catalog: Catalog) -> dict:
    errors: list[FieldError] = []
    comuna = _collect(errors, catalog.resolve_comuna, record.comuna)
    sectors = _sectors(record.sectors, catalog, errors, class_only=False)
    if errors:
        raise InvalidInput(errors)
    return {
        "rut": record.rut, "name": record.name, "comuna": comuna.cut, "sectors": sectors,
        "annual_sales_uf": record.annual_sales_uf, "contact_email": record.contact_email,
    }
