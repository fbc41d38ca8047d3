"""Chilean RUT: check-digit validation (python-stdnum) and the one canonical stored form."""

from __future__ import annotations

import re

from stdnum.cl import rut as _rut
from stdnum.exceptions import InvalidChecksum, InvalidFormat, InvalidLength, ValidationError

# What a RUT may look like: a body of 7 or 8 digits (thousands dots or spaces optional), an optional hyphen,
# the check digit (0-9 or K). The API's schema publishes it; ``canonical_rut`` enforces it before
# the check digit, so the document and the validation say the same.
RUT_PATTERN = r"^\s*[0-9]{1,2}(?:[. ]?[0-9]{3}){2}\s*-?\s*[0-9Kk]\s*$"
_FORMAT = re.compile(RUT_PATTERN)


class InvalidRut(ValueError):
    """A RUT that is malformed or whose check digit does not match; ``str()`` is Spanish."""


def canonical_rut(value: str) -> str:
    """``"12.345.678-5"``, ``"123456785"`` and ``" 12345678-5 "`` all become ``"12345678-5"``.

    Raises ``InvalidRut`` with a message a person can act on.
    """
    if not isinstance(value, str) or not value.strip():
        raise InvalidRut("El RUT está vacío.")
    if not _FORMAT.fullmatch(value):
        raise InvalidRut(f"«{value.strip()}» no tiene formato de RUT; use por ejemplo 76.123.456-7 o 76123456-7.")
    try:
        compact = _rut.validate(value)
    except InvalidChecksum as exc:
        expected = _rut.calc_check_digit(_rut.compact(value)[:-1])
        raise InvalidRut(
            f"El dígito verificador de «{value.strip()}» no corresponde (debería ser {expected}); "
            "revise si hay un error de tipeo."
        ) from exc
    except (InvalidFormat, InvalidLength) as exc:
        raise InvalidRut(
            f"«{value.strip()}» no tiene formato de RUT; use por ejemplo 76.123.456-7 o 76123456-7."
        ) from exc
    except ValidationError as exc:
        raise InvalidRut(f"«{value.strip()}» no es un RUT válido.") from exc
    return f"{compact[:-1]}-{compact[-1]}"


def is_valid_rut(value: str) -> bool:
    try:
        canonical_rut(value)
    except InvalidRut:
        return False
    return True


def format_rut(canonical: str) -> str:
    """The dotted form people read: ``"12345678-5"`` -> ``"12.345.678-5"``."""
    return _rut.format(canonical)


_PLAIN = re.compile(r"([0-9]{7,8})-?([0-9kK])")


def plain_rut(text: str) -> str | None:
    """The canonical form of a RUT written plainly (``12345678-5``, ``123456785``) with a right check
    digit, else ``None`` — which says nothing about validity: dotted or odd spellings go to
    ``canonical_rut``. A fast path for bulk imports, with python-stdnum's check digit.
    """
    m = _PLAIN.fullmatch(text)
    if m is None:
        return None
    body, digit = m.groups()
    digit = digit.upper()
    return f"{body}-{digit}" if _rut.calc_check_digit(body) == digit else None
