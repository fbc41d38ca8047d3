"""Proposals: advisors propose firms for a need; the need's buyer accepts (creating an alliance) or rejects."""

from __future__ import annotations

from typing import Literal

from flask_openapi3 import APIBlueprint, Tag
from pydantic import BaseModel, Field

from application import proposals
from application.groups import MAX_GROUP_SIZE, propose_group
from matching.errors import FieldError, InvalidInput
from matching.records import Rut
from service.auth import BEARER, current_principal, require
from service.db import get_driver
from service.pagination import PageQuery, decode_time_cursor, time_page
from service.reference import get_catalog
from service.schemas import Decision, Proposal, ProposalPage, StrictBody

bp = APIBlueprint("proposals", __name__, url_prefix="/api/v1", abp_tags=[Tag(name="Propuestas")],
                  abp_security=BEARER)


class IdPath(BaseModel):
    id: str = Field(max_length=64)


class ProposalRecord(StrictBody):
    rut: Rut | None = Field(None, description="RUT de la empresa propuesta (una empresa).")
    ruts: list[Rut] | None = Field(
        None, min_length=2, max_length=MAX_GROUP_SIZE,
        description="Oferta conjunta: RUT de las empresas que se proponen juntas (en vez de «rut»); cada una recibe "
                    "una parte del volumen proporcional a su capacidad.",
    )
    project_id: str | None = Field(None, max_length=64,
                                   description="Proyecto donde quedará la alianza si el comprador acepta.")
    note: str = Field("", max_length=2000, description="Por qué el asesor la propone.")
    advisor_id: str | None = Field(
        None, max_length=64, description="Asesor que propone; si la llave está asociada a un asesor, es ese.",
    )
    score: float | None = Field(None, allow_inf_nan=False, description="Puntaje del ranking al proponer, si lo hubo.")
    rank: int | None = Field(None, ge=1, le=100_000, description="Lugar en el ranking al proponer, si lo hubo.")
    model_version: str | None = Field(None, max_length=64, description="Versión del modelo que produjo el ranking.")


class DecisionRecord(StrictBody):
    decision: Literal["accepted", "rejected"] = Field(description="accepted (aceptada) o rejected (rechazada).")
    reason: str | None = Field(None, max_length=2000, description="Motivo de la decisión.")


class ProposalQuery(PageQuery):
    status: Literal["pending", "accepted", "rejected"] | None = None


@bp.post("/needs/<id>/proposals", responses={201: Proposal}, summary="Proponer una empresa para una necesidad")
@require("admin", "advisor")
def create_proposal(path: IdPath, body: ProposalRecord):
    if (body.rut is None) == (body.ruts is None):
        raise InvalidInput(FieldError("rut", "Indique «rut» (una empresa) o «ruts» (un grupo), no ambos ni ninguno."))
    values = body.model_dump(exclude={"rut", "ruts"})
    if body.ruts is not None:
        proposal = propose_group(get_driver(), get_catalog(), path.id, body.ruts, values, current_principal())
    else:
        proposal = proposals.propose(get_driver(), path.id, {**values, "rut": body.rut}, current_principal())
    return proposal, 201, {"Location": f"/api/v1/proposals/{proposal['id']}"}


@bp.get("/needs/<id>/proposals", responses={200: ProposalPage}, summary="Propuestas para una necesidad")
@require("admin", "advisor", "buyer")
def list_need_proposals(path: IdPath, query: ProposalQuery):
    items = proposals.proposals_for_need(get_driver(), path.id, current_principal(), status=query.status,
                                         after=decode_time_cursor(query.cursor, "proposals"), limit=query.limit + 1)
    return time_page(items, query.limit, "proposals")


@bp.get("/proposals/<id>", responses={200: Proposal}, summary="Ver una propuesta")
@require("admin", "advisor", "buyer")
def get_proposal(path: IdPath):
    return proposals.get_proposal(get_driver(), path.id, current_principal())


@bp.post("/proposals/<id>/decision", responses={200: Decision},
         summary="Aceptar o rechazar una propuesta (el comprador de la necesidad)")
@require("buyer", "admin")
def decide(path: IdPath, body: DecisionRecord):
    return proposals.decide(get_driver(), path.id, body.decision, body.reason, current_principal())
