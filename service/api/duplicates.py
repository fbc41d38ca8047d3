"""Possible duplicate firms for advisors: list them with their evidence, merge them or mark them distinct."""

from __future__ import annotations

from typing import Literal

from flask_openapi3 import APIBlueprint, Tag
from pydantic import BaseModel, ConfigDict, Field

from application import duplicates
from graph_schema import duplicates as repo
from graph_schema.firm_merges import MERGE_FIELDS
from matching.records import Rut
from service.auth import BEARER, current_principal, require
from service.db import get_driver
from service.pagination import PageQuery, decode_cursor, page

bp = APIBlueprint("duplicates", __name__, url_prefix="/api/v1", abp_tags=[Tag(name="Posibles duplicados")],
                  abp_security=BEARER)

CandidateStatus = Literal["open", "merged", "distinct"]


class DuplicateQuery(PageQuery):
    status: CandidateStatus | None = Field("open", description="open (por revisar), merged o distinct.")
    rut: Rut | None = Field(None, description="Solo los pares en que aparece esta empresa.")


class DuplicatePath(BaseModel):
    id: str = Field(pattern=r"^dup_[0-9a-f]{12}$", description="Identificador del par, p. ej. dup_3f2a9c0d1e4b.")


class Resolution(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    action: Literal["merge", "distinct"] = Field(
        description="merge: son la misma empresa (se fusionan); distinct: son empresas distintas (no se vuelve a "
                    "proponer el par)."
    )
    keep: Rut | None = Field(None, description="RUT que se conserva al fusionar; por omisión, el registrado primero.")
    take: list[str] = Field(default_factory=list, max_length=len(MERGE_FIELDS),
                            description="Al fusionar: campos en que se conserva el valor de la otra empresa (la que se "
                                        "elimina) donde ambas difieren, entre " + ", ".join(MERGE_FIELDS) + "; el "
                                        "resto queda como en la conservada, y lo que esta no tenga se completa con la "
                                        "otra.")
    note: str | None = Field(None, max_length=1000, description="Comentario del asesor.")


class DuplicateFirm(BaseModel):
    rut: str
    name: str
    is_cooperative: bool
    comuna: dict | None
    sectors: list[dict]
    phone: str | None = None
    email: str | None = None


class DuplicatePair(BaseModel):
    id: str
    score: float = Field(description="Similitud 0-100 (nombre normalizado, comuna, rubro y contacto).")
    evidence: list[str]
    status: CandidateStatus
    firms: list[DuplicateFirm]
    ruts: list[str]
    created_at: str | None
    resolved_at: str | None = None
    resolved_by: str | None = None
    kept_rut: str | None = None
    note: str | None = None


class DuplicatePairPage(BaseModel):
    items: list[DuplicatePair]
    next_cursor: str | None


class ResolutionResult(BaseModel):
    candidate: DuplicatePair
    firm: dict | None = Field(None, description="La empresa conservada, tras la fusión.")


@bp.get("/duplicates", responses={200: DuplicatePairPage}, summary="Listar posibles empresas duplicadas")
@require("admin", "advisor")
def list_duplicates(query: DuplicateQuery):
    state = decode_cursor(query.cursor, "duplicates")
    after = (float(state["s"]), str(state["i"])) if "s" in state else None
    items = repo.list_candidates(get_driver(), status=query.status, rut=query.rut, after=after,
                                 limit=query.limit + 1)
    last = items[query.limit - 1] if len(items) > query.limit else None
    return page(items, query.limit, "duplicates", {"s": last["score"], "i": last["id"]} if last else None)


@bp.get("/duplicates/<id>", responses={200: DuplicatePair}, summary="Ver un posible duplicado")
@require("admin", "advisor")
def get_duplicate(path: DuplicatePath):
    return repo.get_candidate(get_driver(), path.id)


@bp.post("/duplicates/<id>", responses={200: ResolutionResult},
         summary="Resolver un posible duplicado: fusionar (merge) o marcar como distintas (distinct)")
@require("admin", "advisor")
def resolve_duplicate(path: DuplicatePath, body: Resolution):
    result = duplicates.resolve(get_driver(), path.id, action=body.action, keep=body.keep,
                                viewer=current_principal(), note=body.note, take=list(body.take))
    return {"candidate": result["candidate"], "firm": result.get("firm")}
