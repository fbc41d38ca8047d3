"""Reading the pages' forms: values as typed (to show them again), the request model, and field errors
keyed by the id of the element a summary link should focus, in page order.

The need form ends in ``matching.needs.NeedRecord`` and ``application.needs.post_need``, like
``POST /api/v1/needs``; this module only turns form fields into that record and puts each error,
in Spanish, next to the field a person fills in.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from pydantic import ValidationError
from werkzeug.datastructures import MultiDict

from matching.catalog import Catalog, Comuna
from matching.errors import FieldError, InvalidInput
from matching.messages import field_errors
from matching.needs import DEFAULT_RADIUS_KM, MAX_RADIUS_KM, MIN_RADIUS_KM, NeedRecord, chile_today
from matching.pickers import SectorOption, search_comunas, search_sectors
from matching.text import fold

PREFERENCES = [
    ("cooperatives", "Cooperativas o socias de una cooperativa"),
    ("women", "Empresas con el Sello Empresa Mujer vigente"),
    ("micro", "Microempresas"),
]
MANDATORY = [
    ("deseable", "Deseables: suman puntaje, pero no dejan fuera a quien no las tenga"),
    ("obligatoria", "Obligatorias: solo empresas que las tengan vigentes"),
]
# Need form fields in page order, as element ids (what an error summary links to).
NEED_FIELD_ORDER = ("title", "description", "sector_q", "comuna", "radius_km", "required_certifications",
                    "certifications_mandatory", "deadline", "volume", "prefer")
# Where an error of a NeedRecord field (or of the API's field path) is shown.
RECORD_FIELD_IDS = {"sectors": "sector_q", "buyer_rut": "title", "project_id": "title"}
MAX_TEXT = 4000


@dataclass
class NeedForm:
    """A need form as typed, with what its pickers offer and the errors to show."""

    values: dict
    sector_options: list[SectorOption] = field(default_factory=list)
    comuna_options: list[Comuna] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)

    def add(self, field_id: str, message: str) -> None:
        self.errors.setdefault(field_id, message)

    def ordered_errors(self) -> dict[str, str]:
        return {k: self.errors[k] for k in sorted(self.errors, key=_order)}


def _order(field_id: str) -> int:
    return NEED_FIELD_ORDER.index(field_id) if field_id in NEED_FIELD_ORDER else len(NEED_FIELD_ORDER)


def empty_need_form() -> NeedForm:
    return NeedForm(values={"radius_km": f"{DEFAULT_RADIUS_KM:g}", "certifications_mandatory": "deseable",
                            "required_certifications": [], "prefer": [], "sectors": []})


def parse_number(text: str) -> float | None:
    """``"1.200,5"`` or ``"1200.5"`` as 1200.5; None when empty; ValueError when not a number."""
    text = (text or "").strip().replace(" ", "")
    if not text:
        return None
    if "," in text:
        text = text.replace(".", "").replace(",", ".")
    return float(text)


def _chosen_sectors(form: NeedForm, catalog: Catalog) -> list[str]:
    chosen = [code for code in form.values["sectors"] if code in catalog.sectors]
    query = form.values["sector_q"]
    if chosen:
        form.sector_options = _with_chosen(search_sectors(catalog, query) if query else [], chosen, catalog)
        return chosen
    if not query:
        form.add("sector_q", "Escriba una palabra de lo que necesita, por ejemplo «pan», y elija el rubro en la lista.")
        return []
    options = search_sectors(catalog, query)
    exact = [o for o in options if fold(o.name) == fold(query) or o.code == query.strip().upper()]
    if len(exact) == 1:
        form.sector_options = exact
        form.values["sectors"] = [exact[0].code]
        return [exact[0].code]
    form.sector_options = options
    if options:
        form.add("sector_q", f"Elija en la lista el rubro que corresponde a «{query}».")
    else:
        form.add("sector_q", f"Ningún rubro contiene «{query}». Pruebe con otra palabra, por ejemplo «transporte» "
                             "o «alimentos».")
    return []


def _with_chosen(options: list[SectorOption], chosen: list[str], catalog: Catalog) -> list[SectorOption]:
    first = [SectorOption(code, catalog.sectors[code].name, catalog.sectors[code].level) for code in chosen]
    return first + [o for o in options if o.code not in chosen]


def _chosen_comuna(form: NeedForm, catalog: Catalog) -> str | None:
    """The comuna typed when it reads as one (name or CUT, accents and case ignored), else the one
    picked among the suggestions, else an error with the closest names to pick from."""
    text, cut = form.values["comuna"], form.values["comuna_cut"]
    if not text and cut not in catalog.comunas:
        form.add("comuna", "Escriba la comuna donde necesita el suministro, por ejemplo Rancagua.")
        return None
    try:
        comuna = catalog.resolve_comuna(text) if text else catalog.comunas[cut]
    except InvalidInput as exc:
        if cut in catalog.comunas:
            form.comuna_options = [catalog.comunas[cut]]
            return cut
        form.comuna_options = search_comunas(catalog, text)
        hint = " Elija una de la lista." if form.comuna_options else ""
        form.add("comuna", exc.errors[0].message + hint)
        return None
    form.comuna_options = [comuna]
    form.values["comuna_cut"] = comuna.cut
    return comuna.cut


def read_need_form(data: MultiDict, catalog: Catalog) -> tuple[NeedForm, dict | None]:
    """The form as typed and, when every field reads, the fields of a ``NeedRecord`` (without the buyer)."""
    values = {
        "title": data.get("title", "").strip()[:MAX_TEXT],
        "description": data.get("description", "").strip()[:MAX_TEXT],
        "sector_q": data.get("sector_q", "").strip()[:200], "sectors": data.getlist("sectors")[:10],
        "comuna": data.get("comuna", "").strip()[:100], "comuna_cut": data.get("comuna_cut", "").strip()[:5],
        "radius_km": data.get("radius_km", "").strip()[:20],
        "required_certifications": data.getlist("required_certifications")[:20],
        "certifications_mandatory": data.get("certifications_mandatory", "deseable"),
        "deadline": data.get("deadline", "").strip()[:10], "volume": data.get("volume", "").strip()[:20],
        "prefer": [p for p in data.getlist("prefer") if p in dict(PREFERENCES)],
    }
    form = NeedForm(values)
    if len(values["title"]) < 3:
        form.add("title", "Escriba qué necesita comprar, por ejemplo «pan amasado para el casino de la faena».")
    sectors = _chosen_sectors(form, catalog)
    comuna = _chosen_comuna(form, catalog)
    radius, volume, deadline = DEFAULT_RADIUS_KM, None, None
    try:
        radius = parse_number(values["radius_km"]) or DEFAULT_RADIUS_KM
        if not MIN_RADIUS_KM <= radius <= MAX_RADIUS_KM:
            raise ValueError
    except ValueError:
        form.add("radius_km", f"Escriba el radio en kilómetros, un número entre {MIN_RADIUS_KM:g} y {MAX_RADIUS_KM:g}.")
    try:
        volume = parse_number(values["volume"])
        if volume is not None and volume <= 0:
            raise ValueError
    except ValueError:
        form.add("volume", "Escriba la compra anual estimada en UF como un número mayor que cero, o déjela vacía.")
    if values["deadline"]:
        try:
            deadline = date.fromisoformat(values["deadline"])
        except ValueError:
            form.add("deadline", "Escriba la fecha límite como día, mes y año, por ejemplo 31-03-2027.")
        else:
            if deadline < chile_today():
                form.add("deadline", "La fecha límite ya pasó; elija una fecha desde hoy en adelante.")
    unknown = [c for c in values["required_certifications"] if c not in catalog.certifications]
    if unknown:
        form.add("required_certifications", "Elija las certificaciones de la lista.")
    if form.errors:
        return form, None
    return form, {
        "title": values["title"], "description": values["description"], "sectors": sectors, "comuna": comuna,
        "radius_km": radius, "required_certifications": values["required_certifications"],
        "certifications_mandatory": values["certifications_mandatory"] == "obligatoria", "deadline": deadline,
        "volume": volume, "prefer": values["prefer"],
    }


def need_record(buyer_rut: str, fields: dict, form: NeedForm) -> NeedRecord | None:
    """The request model, or None with the model's own errors added to the form."""
    try:
        return NeedRecord(buyer_rut=buyer_rut, **fields)
    except ValidationError as exc:
        add_field_errors(form, field_errors(exc))
        return None


def add_field_errors(form: NeedForm, errors: list[FieldError]) -> None:
    """Errors of the record or the application layer (API field paths) next to the form's fields."""
    for error in errors:
        name = error.field.split(".")[0]
        form.add(RECORD_FIELD_IDS.get(name, name if name in NEED_FIELD_ORDER else "title"), error.message)
