"""Contested scenarios shared by the contested tests: claims from sources of their own."""

from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from app.claims.models import Claim
from tests.factories import make_claim

D = date
DAY = D(2025, 8, 20)


def claim_on(
    session: Session, stated_on: date, published_on: date | None = None, **fields: Any
) -> Claim:
    """An accepted claim (GB, ground_forces, willing, statement unless told) stated on a
    day, from a source of its own published that day (or later, when given)."""
    return make_claim(
        session,
        stated_on=stated_on,
        source_fields={"published_on": published_on or stated_on},
        **fields,
    )


def disagreement(session: Session, day: date = DAY, **fields: Any) -> tuple[Claim, Claim]:
    """Two sources disagree on the day: a statement that rules it out (the as-of rule's
    pick) and a report of willingness. Returns (winner, loser)."""
    winner = claim_on(session, day, status="ruled_out", basis="statement", **fields)
    loser = claim_on(session, day, status="willing", basis="report", **fields)
    return winner, loser
