"""Pydantic validation errors as Spanish, field-level messages (``FieldError``).

Shared by the API (``service.errors``) and by bulk imports, which validate rows outside a request.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from matching.errors import FieldError


def spanish_message(err: Mapping[str, Any]) -> str:
    """A Spanish sentence for one pydantic error (custom validators already speak Spanish)."""
    kind, ctx = err.get("type", ""), err.get("ctx") or {}
    messages = {
        "missing": "Falta este campo obligatorio.",
        "extra_forbidden": "Campo desconocido; revise el nombre del campo.",
        "string_type": "Debe ser texto.",
        "int_type": "Debe ser un número entero.",
        "int_parsing": "Debe ser un número entero.",
        "int_from_float": "Debe ser un número entero, sin decimales.",
        "float_type": "Debe ser un número.",
        "float_parsing": "Debe ser un número (use punto como separador decimal).",
        "bool_type": "Debe ser verdadero o falso (true/false).",
        "bool_parsing": "Debe ser verdadero o falso (true/false).",
        "list_type": "Debe ser una lista.",
        "dict_type": "Debe ser un objeto JSON.",
        "model_type": "Debe ser un objeto JSON.",
        "model_attributes_type": "Debe ser un objeto JSON.",
        "date_type": "Debe ser una fecha AAAA-MM-DD.",
        "date_parsing": "Debe ser una fecha con formato AAAA-MM-DD.",
        "date_from_datetime_parsing": "Debe ser una fecha con formato AAAA-MM-DD.",
        "date_from_datetime_inexact": "Debe ser una fecha sin hora (AAAA-MM-DD).",
        "datetime_parsing": "Debe ser una fecha y hora ISO 8601.",
        "string_pattern_mismatch": "No tiene el formato esperado.",
        "uuid_parsing": "Debe ser un identificador UUID.",
        "json_invalid": "No es JSON válido.",
        "finite_number": "Debe ser un número finito.",
    }
    if kind in messages:
        return messages[kind]
    if kind == "greater_than_equal":
        return f"Debe ser mayor o igual que {ctx.get('ge')}."
    if kind == "greater_than":
        return f"Debe ser mayor que {ctx.get('gt')}."
    if kind == "less_than_equal":
        return f"Debe ser menor o igual que {ctx.get('le')}."
    if kind == "less_than":
        return f"Debe ser menor que {ctx.get('lt')}."
    if kind == "string_too_short":
        return f"Debe tener al menos {ctx.get('min_length')} caracteres."
    if kind == "string_too_long":
        return f"Debe tener como máximo {ctx.get('max_length')} caracteres."
    if kind == "too_short":
        return f"Debe tener al menos {ctx.get('min_length')} elementos."
    if kind == "too_long":
        return f"Debe tener como máximo {ctx.get('max_length')} elementos."
    if kind in ("literal_error", "enum"):
        return f"Valor no permitido; use uno de: {ctx.get('expected')}."
    if kind == "value_error":
        return str(ctx.get("error", err.get("msg")))
    return str(err.get("msg"))


def field_errors(exc: ValidationError) -> list[FieldError]:
    """One ``FieldError`` per pydantic error, located without the request part (body, query, path)."""
    out = []
    for err in exc.errors(include_url=False):
        loc = [str(part) for part in err.get("loc", ()) if part not in ("body", "query", "path")]
        out.append(FieldError(".".join(loc) or "body", spanish_message(err)))
    return out
