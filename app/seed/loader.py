"""Load the reference states and the hand-coded seed files; running it twice adds nothing."""

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from app.actors import queries as actor_queries
from app.actors import service as actor_service
from app.actors.models import Actor, ActorAlias, Affiliation, Membership
from app.actors.schemas import ActorCreate
from app.audit import capture as audit
from app.claims import service as claim_service
from app.claims.schemas import ClaimCreate
from app.initiatives import queries as initiative_queries
from app.initiatives import service as initiative_service
from app.initiatives.schemas import InitiativeCreate
from app.milestones import queries as milestone_queries
from app.milestones import service as milestone_service
from app.milestones.schemas import MilestoneCreate
from app.seed import queries
from app.sources import queries as source_queries
from app.sources import service as source_service
from app.sources.models import Source
from app.vocab import ActorKind, ReviewState

SEED_DIR = Path(__file__).parent
# General reference data (not a seed file): capitals, adjectives, demonyms, short names.
STATE_ALIASES = SEED_DIR / "reference" / "state_aliases.json"
# Who held the main security offices, when: the officials news quotes by name.
OFFICE_HOLDERS = SEED_DIR / "reference" / "office_holders.json"


@dataclass
class SeedReport:
    """What one run of the loader added."""

    states: int = 0
    actors: int = 0
    aliases: int = 0
    memberships: int = 0
    initiatives: int = 0
    sources: int = 0
    milestones: int = 0
    claims: int = 0

    def total(self) -> int:
        """Records added in all."""
        return sum(vars(self).values())


def seed_files() -> list[Path]:
    """The seed files shipped with Posture, in load order."""
    return sorted(SEED_DIR.glob("*.json"))


@audit.as_agent("seed")
def load_seed(session: Session, text_dir: Path | None = None) -> SeedReport:
    """Add the reference states and every seed file's records that are missing."""
    report = SeedReport(states=actor_service.seed_states(session))
    for path in seed_files():
        _load_file(session, json.loads(path.read_text(encoding="utf-8")), text_dir, report)
    # After the seed files: the reference also names organisations they create (EU).
    report.aliases += load_state_aliases(session)
    load_office_holders(session, report)
    session.flush()
    return report


def load_office_holders(session: Session, report: SeedReport, path: Path = OFFICE_HOLDERS) -> None:
    """Add the reference office-holders that are missing (a person already recorded gets
    the aliases it lacks); an office with an actor not recorded is left out."""
    persons = json.loads(path.read_text(encoding="utf-8"))["persons"]
    codes = {a["actor"] for p in persons for a in p["affiliations"]} | {p["code"] for p in persons}
    known = actor_queries.actor_ids_by_code(session, sorted(codes))
    # Hundreds of persons: added in one flush rather than one `create_actor` each.
    added: list[tuple[Actor, dict[str, Any]]] = []
    for entry in persons:
        if entry["code"] in known:
            _load_actor(session, entry, report)
            continue
        person = Actor(code=entry["code"], kind=ActorKind.PERSON.value, name=entry["name"])
        added.append((person, entry))
        report.actors += 1
    session.add_all(person for person, _ in added)
    session.flush()
    session.add_all(
        ActorAlias(actor_id=person.id, alias=alias["alias"], kind=alias["kind"])
        for person, entry in added
        for alias in entry["aliases"]
    )
    session.add_all(
        Affiliation(
            person_id=person.id,
            actor_id=known[office["actor"]],
            office=office["office"],
            from_on=_day(office.get("from_on")),
            until_on=_day(office.get("until_on")),
        )
        for person, entry in added
        for office in entry["affiliations"]
        if office["actor"] in known
    )


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def load_state_aliases(session: Session, path: Path = STATE_ALIASES) -> int:
    """Add the reference aliases of the states (capitals, adjectives, ...) and of the
    organisations already recorded; returns how many."""
    data = json.loads(path.read_text(encoding="utf-8"))
    added = 0
    for code, by_kind in [*data["states"].items(), *data.get("organisations", {}).items()]:
        actor = actor_queries.actor_by_code(session, code)
        if actor is None:
            continue
        known = {a.alias for a in actor.aliases} | {actor.name}
        for kind, aliases in by_kind.items():
            for alias in aliases:
                if alias not in known:
                    actor.aliases.append(ActorAlias(alias=alias, kind=kind))
                    known.add(alias)
                    added += 1
    session.flush()
    return added


def _load_file(
    session: Session, data: dict[str, Any], text_dir: Path | None, report: SeedReport
) -> None:
    # Persons come after the actors they are affiliated with.
    actors = sorted(data["actors"], key=lambda a: a["kind"] == ActorKind.PERSON)
    for entry in actors:
        _load_actor(session, entry, report)
    for entry in data["memberships"]:
        _load_membership(session, entry, report)
    for entry in data["initiatives"]:
        if initiative_queries.initiative_by_slug(session, entry["slug"]) is None:
            initiative_service.create_initiative(session, InitiativeCreate.model_validate(entry))
            report.initiatives += 1
    source = _load_source(session, data["source"], text_dir, report)
    for entry in data.get("milestones", []):
        _load_milestone(session, source, entry, report)
    for entry in data["claims"]:
        _load_claim(session, source, entry, report)


def _load_actor(session: Session, entry: dict[str, Any], report: SeedReport) -> None:
    actor = actor_queries.actor_by_code(session, entry["code"])
    if actor is None:
        fields = {k: v for k, v in entry.items() if k in ActorCreate.model_fields}
        actor_service.create_actor(session, ActorCreate.model_validate(fields))
        report.actors += 1
        return
    known = {a.alias for a in actor.aliases}
    for alias in entry.get("aliases", []):
        if alias["alias"] not in known:
            actor.aliases.append(ActorAlias(alias=alias["alias"], kind=alias["kind"]))
            report.aliases += 1


def _load_membership(session: Session, entry: dict[str, Any], report: SeedReport) -> None:
    ids = actor_queries.actor_ids_by_code(session, [entry["group"], entry["member"]])
    from_on = _day(entry.get("from_on"))
    until_on = _day(entry.get("until_on"))
    if queries.has_membership(session, ids[entry["group"]], ids[entry["member"]], from_on):
        return
    session.add(
        Membership(
            group_id=ids[entry["group"]],
            member_id=ids[entry["member"]],
            from_on=from_on,
            until_on=until_on,
        )
    )
    report.memberships += 1


def _load_source(
    session: Session, entry: dict[str, Any], text_dir: Path | None, report: SeedReport
) -> Source:
    digest = entry["content_sha256"]
    source = source_queries.source_by_hash(session, digest)
    text = _read_text(text_dir, entry["text_file"], digest)
    if source is None:
        source = Source(
            title=entry["title"],
            outlet=entry["outlet"],
            url=entry["url"],
            published_on=date.fromisoformat(entry["published_on"]),
            language=entry["language"],
            text=text,
            content_hash=digest,
        )
        session.add(source)
        session.flush()
        report.sources += 1
    elif source.text is None and text is not None:
        source.text = text
    return source


def _read_text(text_dir: Path | None, name: str, digest: str) -> str | None:
    """The article's text, when the folder holds it unchanged; the repo never ships it."""
    if text_dir is None or not (text_dir / name).is_file():
        return None
    text = (text_dir / name).read_text(encoding="utf-8")
    return text if source_service.content_hash(text) == digest else None


def _load_milestone(
    session: Session, source: Source, entry: dict[str, Any], report: SeedReport
) -> None:
    # The states quote the seed source; their offsets are checked when its text is stored.
    if milestone_queries.milestone_by_slug(session, entry["slug"]) is not None:
        return
    states = [{**state, "source_id": source.id} for state in entry.get("states", [])]
    data = MilestoneCreate.model_validate({**entry, "states": states})
    milestone_service.create_milestone(session, data)
    report.milestones += 1


def _load_claim(
    session: Session, source: Source, entry: dict[str, Any], report: SeedReport
) -> None:
    actor_id = actor_queries.actor_ids_by_code(session, [entry["actor"]])[entry["actor"]]
    initiative_id = None
    if entry["kind"] == "stance":
        initiative_id = initiative_queries.initiative_ids_by_slug(session, [entry["initiative"]])[
            entry["initiative"]
        ]
    if queries.has_claim(session, source.id, actor_id, entry["kind"], entry["role"], initiative_id):
        return
    fields = {k: v for k, v in entry.items() if k in ClaimCreate.model_fields}
    fields.update(source_id=source.id, review_state=ReviewState.ACCEPTED.value)
    claim_service.record_claim(session, ClaimCreate.model_validate(fields))
    report.claims += 1
