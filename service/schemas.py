"""Response bodies of the buyers, needs, program and proposals endpoints, for ``/openapi.json``.

Repositories shape these dicts in Cypher; the models only document them (views return the dicts).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class StrictBody(BaseModel):
    """A request body: unknown fields are refused (a typo in a field name is an error, not ignored)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ComunaOut(BaseModel):
    cut: str
    name: str
    region_cut: str | None = None


class SectorOut(BaseModel):
    code: str
    name: str
    level: str | None = Field(None, description="section, division, group o class.")


class CertificationOut(BaseModel):
    code: str
    name: str


class BuyerRef(BaseModel):
    rut: str
    name: str | None = None


class FirmRef(BaseModel):
    rut: str
    name: str | None = None
    is_cooperative: bool
    size_segment: str | None = None
    comuna: ComunaOut | None = None
    owner_gender: str | None = Field(None, description="Solo visible para asesores y administradores.")
    share_uf: float | None = Field(None, description="En una oferta conjunta o su alianza: su parte del volumen (UF).")
    capacity_uf: float | None = Field(None, description="En una oferta conjunta: su capacidad al proponerla (UF).")


class Buyer(BaseModel):
    rut: str
    name: str
    comuna: ComunaOut | None
    sectors: list[SectorOut]
    annual_sales_uf: float | None = None
    contact_email: str | None = None
    open_needs: int = Field(description="Necesidades abiertas publicadas.")
    created_at: str | None = None


class BuyerPage(BaseModel):
    items: list[Buyer]
    next_cursor: str | None


class Need(BaseModel):
    id: str
    buyer_rut: str
    buyer: BuyerRef | None
    title: str
    description: str
    sectors: list[SectorOut]
    comuna: ComunaOut | None
    radius_km: float
    required_certifications: list[CertificationOut]
    certifications_mandatory: bool
    deadline: str | None = None
    volume: float | None = Field(None, description="Compra anual estimada en UF.")
    prefer: list[str]
    status: str = Field(description="open o closed.")
    project_id: str | None = None
    proposals: int = Field(description="Cuántas empresas han sido propuestas para esta necesidad.")
    created_at: str


class NeedPage(BaseModel):
    items: list[Need]
    next_cursor: str | None


class CenterRef(BaseModel):
    id: str
    name: str


class RegionOut(BaseModel):
    cut: str
    name: str


class Project(BaseModel):
    id: str
    name: str
    kind: str = Field(description="cadena_productiva_local, red_proveedores, red_empresarial o cadena_corta.")
    start_date: str | None = None
    end_date: str | None = None
    region: RegionOut | None = None
    center: CenterRef | None = None
    alliances: int
    firms: int = Field(description="Empresas distintas que participan en sus alianzas.")


class ProjectPage(BaseModel):
    items: list[Project]
    next_cursor: str | None


class ProjectRef(BaseModel):
    id: str
    name: str
    kind: str


class Alliance(BaseModel):
    id: str
    origin: str = Field(description="proposal (nació de una propuesta aceptada) o program.")
    status: str = Field(description="active o ended.")
    proposal_id: str | None = None
    created_at: str
    project: ProjectRef | None = None
    buyer: BuyerRef | None = None
    firms: list[FirmRef]


class AlliancePage(BaseModel):
    items: list[Alliance]
    next_cursor: str | None


class Center(BaseModel):
    id: str
    name: str
    kind: str = Field(description="cdn o cdn_cooperativas.")
    region_cut: str | None = None
    comuna: ComunaOut | None = None
    advisors: int
    projects: int


class CenterPage(BaseModel):
    items: list[Center]
    next_cursor: str | None


class Advisor(BaseModel):
    id: str
    name: str
    email: str | None = None
    center: CenterRef | None = None
    firms_advised: int
    sessions: int
    hours: float


class AdvisorPage(BaseModel):
    items: list[Advisor]
    next_cursor: str | None


class Advised(BaseModel):
    advisor_id: str
    firm_rut: str
    sessions: int = Field(description="Sesiones acumuladas del asesor con la empresa.")
    hours: float = Field(description="Horas acumuladas del asesor con la empresa.")


class AdvisorRef(BaseModel):
    id: str
    name: str | None = None


class Proposal(BaseModel):
    id: str
    need_id: str
    kind: str = Field("single", description="single (una empresa) o group (oferta conjunta).")
    firm: FirmRef = Field(description="La empresa propuesta (en un grupo, la primera por RUT).")
    firms: list[FirmRef] = Field(default_factory=list, description="Todas las empresas propuestas, con su parte.")
    project_id: str | None = None
    advisor: AdvisorRef | None = None
    note: str
    status: str = Field(description="pending, accepted o rejected.")
    score: float | None = None
    rank: int | None = None
    model_version: str | None = None
    created_at: str
    decided_at: str | None = None
    decision_reason: str | None = None
    alliance_id: str | None = Field(None, description="La alianza creada al aceptar la propuesta.")


class ProposalPage(BaseModel):
    items: list[Proposal]
    next_cursor: str | None


class Decision(BaseModel):
    proposal: Proposal
    alliance: Alliance | None = Field(None, description="La alianza creada cuando la decisión es accepted.")
