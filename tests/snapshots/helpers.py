"""Shared by the snapshot tests: a small matrix to freeze, and the canonical JSON."""

import hashlib
import json
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from app.claims.models import Claim
from tests.factories import make_actor, make_claim, make_source

SNAPSHOTS = "/api/v1/snapshots"
AS_OF = "2025-09-01"


def make_matrix(session: Session) -> dict[str, Claim]:
    """GB willing and FR pledged to send ground forces, FR supporting an initiative; each
    claim stated on 2025-08-20. Returns the claims by actor and object."""
    make_actor(session, "FR")
    gb = make_claim(session)
    fr = make_claim(
        session,
        actor="FR",
        status="pledged",
        source=make_source(session, text="Paris will pledge troops: France is ready."),
        evidence={"text": "pledge troops"},
    )
    fr_stance = make_claim(
        session,
        actor="FR",
        kind="stance",
        initiative="reassurance-force",
        stance="supports",
        source=make_source(session, text="France backs the reassurance force."),
        evidence={"text": "backs the reassurance force"},
        stated_on=date(2025, 8, 20),
    )
    return {"GB/ground_forces": gb, "FR/ground_forces": fr, "FR/reassurance-force": fr_stance}


def canonical(cells: list[dict[str, Any]]) -> str:
    """The cells as the canonical JSON a snapshot's hash is of."""
    return json.dumps(cells, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def sha256(text: str) -> str:
    """SHA-256 (hex) of the text's UTF-8 bytes."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
