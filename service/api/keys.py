"""API keys for programs (admins only): create one (the secret is shown once), list them, revoke one."""

from __future__ import annotations

from typing import Literal

from flask_openapi3 import APIBlueprint, Tag
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from application import keys
from matching.records import Rut
from service.auth import BEARER, current_principal, require
from service.db import get_driver

bp = APIBlueprint("keys", __name__, url_prefix="/api/v1", abp_tags=[Tag(name="Llaves de API")], abp_security=BEARER)


class KeyPath(BaseModel):
    id: str = Field(pattern=r"^[0-9a-f]{12}$", description="Id de la llave (12 dígitos hexadecimales).")


class KeyRecord(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    role: Literal["admin", "advisor", "buyer"]
    buyer_rut: Rut | None = Field(None, description="Obligatorio para role=buyer: el comprador al que queda asociada.")
    advisor_id: str | None = Field(None, max_length=64, description="Asesor en cuyo nombre actúa (opcional).")
    label: str | None = Field(None, max_length=200, description="Una nota para reconocerla.")
    expires_at: AwareDatetime | None = Field(None, description="Vence en este instante (ISO 8601 con zona).")


class Key(BaseModel):
    id: str
    role: str
    buyer_rut: str | None = None
    advisor_id: str | None = None
    label: str | None = None
    revoked: bool
    created_by: str | None = None
    created_at: str | None = None
    expires_at: str | None = None
    last_used_at: str | None = None
    revoked_at: str | None = None
    state: str | None = Field(None, description="active, revoked (revocada) o expired (vencida).")


class NewKey(BaseModel):
    id: str
    key: str = Field(description="La llave; se muestra solo esta vez (se guarda su hash).")
    role: str


class KeyList(BaseModel):
    items: list[Key]


@bp.get("/keys", responses={200: KeyList}, summary="Listar llaves de API (nunca sus secretos)")
@require("admin")
def list_keys():
    return {"items": keys.list_keys(get_driver(), current_principal())}


@bp.post("/keys", responses={201: NewKey}, summary="Crear una llave de API")
@require("admin")
def create_key(body: KeyRecord):
    key_id, secret = keys.create_key(get_driver(), current_principal(), role=body.role, buyer_rut=body.buyer_rut,
                                     advisor_id=body.advisor_id, label=body.label, expires_at=body.expires_at)
    return {"id": key_id, "key": secret, "role": body.role}, 201


@bp.post("/keys/<id>/revoke", responses={200: Key}, summary="Revocar una llave (deja de funcionar en un segundo)")
@require("admin")
def revoke_key(path: KeyPath):
    return keys.revoke_key(get_driver(), current_principal(), path.id)
