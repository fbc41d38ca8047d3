"""Names for the short lists the candidate query returns per firm and per supplier."""

from __future__ import annotations

from typing import NamedTuple


# The rows the candidate query returns for each firm (``graph_schema.candidates.CANDIDATE_MAP``) and
# for the buyer's suppliers (``_BUYER_MAP``) are short lists, cheap to send over Bolt; these name
# their positions. Code reads them by unpacking (``code, status, until = row``) or through these.
class CertRow(NamedTuple):
    """A held certification: ``[code, status, valid_until]``."""

    code: str
    status: str | None
    valid_until: object


class AllianceRow(NamedTuple):
    """An alliance the firm is party to: ``[buyer_rut, created (epoch s), proposal_id, buyer's ISIC codes]``."""

    buyer_rut: str | None
    created: float | None
    proposal_id: str | None
    buyer_sectors: list[str] | None = None


class ProposalRow(NamedTuple):
    """A proposal of the firm: ``[id, need_id, status, created, decided]`` (times in epoch s)."""

    id: str
    need_id: str
    status: str
    created: float | None
    decided: float | None


class SupplierRow(NamedTuple):
    """A current supplier of the buyer: ``[rut, since, proposal_id, comuna, coops, cooperative]``."""

    rut: str
    since: float | None
    proposal_id: str | None
    comuna: str | None
    coops: list | None
    cooperative: bool | None
