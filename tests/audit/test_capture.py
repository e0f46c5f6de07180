"""The audit trail captures every write: one entry per record per write, its fields before
and after (child rows folded in), the user or the agent, and the action."""

import json
from datetime import UTC, date
from typing import Any

import pytest
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from app.accounts import service as account_service
from app.accounts.schemas import UserCreate, UserUpdate
from app.actors.schemas import ActorUpdate, AliasIn, MembershipIn
from app.actors.service import update_actor
from app.audit import capture
from app.audit.models import AuditEntry
from app.claims import service as claim_service
from app.claims.models import Claim
from app.claims.schemas import ClaimUpdate, ConditionIn
from app.errors import InvalidInput
from app.initiatives.schemas import InitiativeUpdate
from app.initiatives.service import update_initiative
from app.sources.schemas import SourceUpdate
from app.sources.service import update_source
from app.transfer.service import export_lines, import_lines
from app.vocab import ConditionType
from tests.conftest import SEED_TEXT_DIR
from tests.factories import (
    make_actor,
    make_claim,
    make_initiative,
    make_source,
    make_token,
    make_user,
)

TEXT = "Source text. The United Kingdom is ready to send troops. London agrees."


def entries(session: Session, record_type: str | None = None, key: Any = None) -> list[AuditEntry]:
    """The entries written once the session commits (a test's commit releases a savepoint)."""
    session.commit()
    stmt = select(AuditEntry).order_by(AuditEntry.id)
    if record_type is not None:
        stmt = stmt.where(AuditEntry.record_type == record_type)
    if key is not None:
        stmt = stmt.where(AuditEntry.record_key == str(key))
    return list(session.scalars(stmt))


class Trail:
    """The entries written since the last mark."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.since = 0

    def mark(self) -> None:
        """Look only at entries written from now on."""
        found = entries(self.session)
        self.since = found[-1].id if found else 0

    def new(self, record_type: str | None = None, key: Any = None) -> list[AuditEntry]:
        """The entries written since the mark."""
        return [e for e in entries(self.session, record_type, key) if e.id > self.since]

    def only(self, record_type: str, key: Any) -> AuditEntry:
        """The one entry of the record written since the mark."""
        found = self.new(record_type, key)
        assert len(found) == 1, [(e.action, e.record_key) for e in found]
        return found[0]


@pytest.fixture
def trail(session: Session) -> Trail:
    """The session's audit trail, marked at the start."""
    return Trail(session)


@pytest.fixture
def user_id(session: Session, trail: Trail) -> int:
    """A user the session writes for, as the accounts dependency sets it."""
    user = make_user(session, "ana", role="reviewer")
    session.info["user_id"] = user.id
    trail.mark()
    return user.id


def test_creating_an_actor_is_one_entry_with_its_aliases_and_memberships(
    session: Session, trail: Trail, user_id: int
) -> None:
    make_actor(session, "NATO", kind="organization", name="NATO")
    trail.mark()
    make_actor(
        session,
        "GB",
        aliases=[{"alias": "London", "kind": "capital"}],
        memberships=[{"group": "NATO", "from_on": "1949-08-24"}],
    )
    entry = trail.only("actor", "GB")
    assert (entry.action, entry.user_id, entry.before) == ("create", user_id, None)
    assert entry.after is not None
    assert entry.after["name"] == "United Kingdom"
    assert entry.after["aliases"] == [{"alias": "London", "kind": "capital"}]
    assert entry.after["memberships"] == [
        {"group": "NATO", "from_on": "1949-08-24", "until_on": None}
    ]
    # The aliases and memberships are folded into the actor's entry, not entries of their own.
    assert {e.record_type for e in trail.new()} == {"actor"}


def test_updating_an_actor_over_several_flushes_is_one_entry_with_before_and_after(
    session: Session, trail: Trail, user_id: int
) -> None:
    make_actor(session, "NATO", kind="organization", name="NATO")
    make_actor(session, "EU", kind="organization", name="European Union")
    make_actor(
        session,
        "FR",
        aliases=[{"alias": "Paris", "kind": "capital"}],
        memberships=[{"group": "NATO"}],
    )
    trail.mark()
    update_actor(
        session,
        "FR",
        ActorUpdate(
            description="A state.",
            aliases=[AliasIn(alias="Paris", kind="capital"), AliasIn(alias="French")],
            memberships=[MembershipIn(group="EU", from_on=date(1958, 1, 1))],
        ),
        expected_version=1,
    )
    entry = trail.only("actor", "FR")
    assert (entry.action, entry.user_id) == ("update", user_id)
    assert entry.before is not None
    assert entry.after is not None
    assert (entry.before["description"], entry.after["description"]) == (None, "A state.")
    assert (entry.before["version"], entry.after["version"]) == (1, 2)
    assert entry.before["aliases"] == [{"alias": "Paris", "kind": "capital"}]
    assert entry.after["aliases"] == [
        {"alias": "French", "kind": "name"},
        {"alias": "Paris", "kind": "capital"},
    ]
    assert [m["group"] for m in entry.before["memberships"]] == ["NATO"]
    assert entry.after["memberships"] == [
        {"group": "EU", "from_on": "1958-01-01", "until_on": None}
    ]


def test_a_persons_offices_fold_into_the_persons_entry(
    session: Session, trail: Trail, user_id: int
) -> None:
    make_actor(session, "GB")
    make_actor(session, "FR")
    make_actor(
        session,
        "keir-starmer",
        kind="person",
        name="Keir Starmer",
        affiliations=[{"actor": "GB", "office": "Prime Minister"}],
    )
    created = trail.only("actor", "keir-starmer")
    assert created.after is not None
    assert created.after["affiliations"] == [
        {"actor": "GB", "office": "Prime Minister", "from_on": None, "until_on": None}
    ]
    trail.mark()
    update_actor(
        session,
        "keir-starmer",
        ActorUpdate.model_validate({"affiliations": [{"actor": "FR", "office": "Envoy"}]}),
    )
    entry = trail.only("actor", "keir-starmer")
    assert entry.action == "update"
    assert entry.after is not None
    assert [a["actor"] for a in entry.after["affiliations"]] == ["FR"]


def test_initiative_create_and_update_are_one_entry_each(
    session: Session, trail: Trail, user_id: int
) -> None:
    make_actor(session, "US")
    make_initiative(session, "peace-plan", name="Peace plan")
    created = trail.only("initiative", "peace-plan")
    assert (created.action, created.before) == ("create", None)
    assert created.after is not None
    assert created.after["name"] == "Peace plan"
    trail.mark()
    update_initiative(session, "peace-plan", InitiativeUpdate(proposer="US"), expected_version=1)
    entry = trail.only("initiative", "peace-plan")
    assert entry.action == "update"
    assert entry.before is not None
    assert entry.after is not None
    assert (entry.before["proposer"], entry.after["proposer"]) == (None, "US")
    assert entry.user_id == user_id


def test_source_update_of_the_text_records_the_source_and_each_claim_it_moves(
    session: Session, trail: Trail, user_id: int
) -> None:
    source = make_source(session, text=TEXT)
    created = trail.only("source", source.id)
    assert created.action == "create"
    assert created.after is not None
    assert created.after["title"] == source.title
    # The text itself is not copied into the trail; its hash stands for it.
    assert "text" not in created.after
    claim = make_claim(session, source=source)
    trail.mark()
    update_source(session, source.id, SourceUpdate(text="New lead. " + TEXT), expected_version=1)
    entry = trail.only("source", source.id)
    assert entry.action == "update"
    assert entry.before is not None
    assert entry.after is not None
    assert entry.before["content_hash"] != entry.after["content_hash"]
    moved = trail.only("claim", claim.id)
    assert moved.before is not None
    assert moved.after is not None
    assert moved.after["evidence_start"] == moved.before["evidence_start"] + len("New lead. ")
    assert moved.after["version"] == moved.before["version"] + 1


def test_every_kind_of_claim_write_is_one_entry_with_its_action(
    session: Session, trail: Trail, user_id: int
) -> None:
    source = make_source(session, text=TEXT)
    make_actor(session, "GB")
    trail.mark()
    claim = make_claim(
        session,
        source=source,
        review_state="proposed",
        conditional=True,
        conditions=[{"type": "ceasefire", "text": "after a ceasefire"}],
    )
    created = trail.only("claim", claim.id)
    assert (created.action, created.user_id, created.before) == ("create", user_id, None)
    assert created.after is not None
    assert created.after["conditions"] == [{"type": "ceasefire", "text": "after a ceasefire"}]
    assert created.after["created_by"] == user_id
    assert {e.record_type for e in trail.new()} == {"claim"}

    trail.mark()
    claim_service.update_claim(
        session,
        claim.id,
        ClaimUpdate(
            status="pledged",
            conditions=[ConditionIn(type=ConditionType.US_BACKSTOP, text="only with the US")],
        ),
        expected_version=1,
    )
    updated = trail.only("claim", claim.id)
    assert updated.action == "update"
    assert updated.before is not None
    assert updated.after is not None
    assert (updated.before["status"], updated.after["status"]) == ("willing", "pledged")
    assert updated.after["conditions"] == [{"type": "us_backstop", "text": "only with the US"}]

    trail.mark()
    other = make_user(session, "bo", role="reviewer")
    session.info["user_id"] = other.id
    claim_service.accept_claim(session, claim.id, expected_version=2, note="checked")
    accepted = trail.only("claim", claim.id)
    assert (accepted.action, accepted.user_id) == ("accept", other.id)
    assert accepted.before is not None
    assert accepted.after is not None
    assert (accepted.before["review_state"], accepted.after["review_state"]) == (
        "proposed",
        "accepted",
    )
    assert (accepted.after["reviewed_by"], accepted.after["review_note"]) == (other.id, "checked")

    trail.mark()
    claim_service.retract_claim(session, claim.id, "wrong actor", expected_version=3)
    retracted = trail.only("claim", claim.id)
    assert retracted.action == "retract"
    assert retracted.after is not None
    assert retracted.after["retraction_reason"] == "wrong actor"

    trail.mark()
    rejected_claim = make_claim(session, source=source, actor="FR", review_state="proposed")
    trail.mark()
    claim_service.reject_claim(session, rejected_claim.id, "not in the text", expected_version=1)
    rejected = trail.only("claim", rejected_claim.id)
    assert rejected.action == "reject"
    assert rejected.after is not None
    assert (rejected.after["review_state"], rejected.after["review_note"]) == (
        "rejected",
        "not in the text",
    )


def test_edit_and_accept_is_one_accept_entry_with_the_edit_in_it(
    session: Session, trail: Trail, user_id: int
) -> None:
    claim = make_claim(session, review_state="proposed")
    trail.mark()
    session.info["user_id"] = make_user(session, "bo", role="reviewer").id
    claim_service.accept_claim(
        session, claim.id, expected_version=1, changes=ClaimUpdate(status="active")
    )
    entry = trail.only("claim", claim.id)
    assert entry.action == "accept"
    assert entry.before is not None
    assert entry.after is not None
    assert (entry.before["status"], entry.after["status"]) == ("willing", "active")
    assert entry.after["review_state"] == "accepted"
    assert entry.after["version"] == 2


def test_an_import_is_one_import_entry_per_record(
    session: Session, trail: Trail, user_id: int
) -> None:
    make_actor(session, "NATO", kind="organization", name="NATO")
    make_actor(session, "GB", memberships=[{"group": "NATO"}])
    make_claim(session, source=make_source(session, text=TEXT))
    lines = list(export_lines(session))
    # Changed here, restored by the import.
    update_actor(session, "GB", ActorUpdate(name="Britain", memberships=[]))
    trail.mark()
    import_lines(session, lines)
    found = trail.new()
    assert {e.action for e in found} == {"import"}
    # GB's name and membership come back on separate lines: still one entry for GB.
    restored = [e for e in found if (e.record_type, e.record_key) == ("actor", "GB")]
    assert len(restored) == 1
    assert restored[0].after is not None
    assert restored[0].after["name"] == "United Kingdom"
    assert [m["group"] for m in restored[0].after["memberships"]] == ["NATO"]
    # Records the import left as they were get no entry.
    assert ("actor", "NATO") not in {(e.record_type, e.record_key) for e in found}


def test_a_failed_import_writes_no_entry(session: Session, trail: Trail, user_id: int) -> None:
    bad = '{"type": "actor", "code": "GB", "kind": "state", "name": "United Kingdom"}\n{"x": 1}'
    with pytest.raises(InvalidInput), session.begin_nested():
        import_lines(session, bad.splitlines())
    assert entries(session, "actor") == []


def test_the_seed_writes_as_the_agent_seed_without_a_user(seeded: Session, trail: Trail) -> None:
    found = entries(seeded)
    assert found
    assert {(e.user_id, e.agent) for e in found} == {(None, "seed")}
    assert {e.action for e in found} == {"create"}
    assert len([e for e in found if (e.record_type, e.record_key) == ("actor", "GB")]) == 1


def test_a_write_rolled_back_leaves_no_entry(session: Session, trail: Trail, user_id: int) -> None:
    make_actor(session, "GB")
    trail.mark()

    def half_done() -> None:
        with session.begin_nested():
            update_actor(session, "GB", ActorUpdate(description="half done"))
            update_actor(session, "GB", ActorUpdate.model_validate({"name": None}))

    def created_then_dropped() -> None:
        with session.begin_nested():
            make_actor(session, "FR", description="never stored")
            raise InvalidInput("changed my mind")

    with pytest.raises(InvalidInput):
        half_done()
    with pytest.raises(InvalidInput):
        created_then_dropped()
    assert trail.new() == []


def test_a_bulk_delete_of_child_rows_is_folded_into_the_parent(
    session: Session, trail: Trail, user_id: int
) -> None:
    make_actor(session, "NATO", kind="organization", name="NATO")
    make_actor(session, "GB", memberships=[{"group": "NATO"}])
    trail.mark()
    from app.actors.models import Actor, Membership

    gb = session.scalars(select(Actor).where(Actor.code == "GB")).one()
    session.execute(delete(Membership).where(Membership.member_id == gb.id))
    entry = trail.only("actor", "GB")
    assert entry.before is not None
    assert entry.after is not None
    assert ([m["group"] for m in entry.before["memberships"]], entry.after["memberships"]) == (
        ["NATO"],
        [],
    )


def test_users_and_tokens_are_audited_without_their_secrets(session: Session, trail: Trail) -> None:
    trail.mark()
    user = account_service.create_user(
        session,
        UserCreate(username="carla", role="editor", display_name="Carla", password="x" * 12),
    )
    entry = trail.only("user", "carla")
    assert entry.action == "user.create"
    assert entry.after is not None
    assert entry.after["role"] == "editor"
    assert "password_hash" not in entry.after
    trail.mark()
    account_service.update_user(session, "carla", UserUpdate(role="reviewer"))
    changed = trail.only("user", "carla")
    assert changed.action == "user.update"
    assert changed.before is not None
    assert changed.after is not None
    assert (changed.before["role"], changed.after["role"]) == ("editor", "reviewer")
    trail.mark()
    make_token(session, user)
    token = trail.new("token")[0]
    assert token.action == "token.create"
    assert token.after is not None
    assert "token_hash" not in token.after
    trail.mark()
    account_service.revoke_token(session, int(token.record_key))
    assert trail.only("token", token.record_key).action == "token.revoke"


def test_a_tokens_last_use_is_not_a_write_anyone_made(session: Session, trail: Trail) -> None:
    user = make_user(session, "dee", role="viewer")
    value = make_token(session, user)
    trail.mark()
    assert account_service.user_for_token(session, value) is not None
    assert trail.new() == []


def test_entries_cannot_be_changed_or_deleted_through_a_session(
    session: Session, trail: Trail
) -> None:
    make_actor(session, "GB")
    entry = entries(session, "actor", "GB")[0]
    entry.action = "forged"
    with pytest.raises(RuntimeError, match="append-only"):
        session.flush()
    session.rollback()
    entry = entries(session, "actor", "GB")[0]
    session.delete(entry)
    with pytest.raises(RuntimeError, match="append-only"):
        session.flush()


def test_a_bulk_update_of_claims_is_captured_too(
    session: Session, trail: Trail, user_id: int
) -> None:
    claim = make_claim(session)
    trail.mark()
    session.execute(
        update(Claim).where(Claim.id == claim.id).values(note="bulk", version=Claim.version + 1)
    )
    entry = trail.only("claim", claim.id)
    assert entry.action == "update"
    assert entry.after is not None
    assert entry.after["note"] == "bulk"


def test_the_seed_loaded_again_writes_nothing(seeded: Session, trail: Trail) -> None:
    from app.seed.loader import load_seed

    trail.mark()
    load_seed(seeded, SEED_TEXT_DIR)
    assert trail.new() == []


def test_agent_names_what_writes_without_a_user(session: Session, trail: Trail) -> None:
    trail.mark()
    with capture.agent(session, "cli"):
        make_actor(session, "GB")
    entry = trail.only("actor", "GB")
    assert (entry.user_id, entry.agent) == (None, "cli")
    assert "audit_agent" not in session.info


def test_claims_inserted_in_bulk_are_created_records_with_their_conditions(
    session: Session, trail: Trail, user_id: int
) -> None:
    from sqlalchemy import insert

    from app.claims.models import ClaimCondition

    source = make_source(session, text=TEXT)
    gb = make_actor(session, "GB")
    trail.mark()
    row = {
        "actor_id": gb.id,
        "kind": "commitment",
        "role": "ground_forces",
        "status": "willing",
        "certainty": "high",
        "basis": "statement",
        "stated_on": date(2025, 8, 20),
        "source_id": source.id,
        "evidence_text": "ready to send troops",
        "review_state": "proposed",
        "conditional": True,
        "via": [],
        "version": 1,
    }
    stmt = insert(Claim).returning(Claim.id, sort_by_parameter_order=True)
    ids = list(session.scalars(stmt, [row, {**row, "status": "pledged"}]))
    session.execute(
        insert(ClaimCondition),
        [{"claim_id": i, "type": "ceasefire", "text": "after a ceasefire"} for i in ids],
    )
    for claim_id in ids:
        entry = trail.only("claim", claim_id)
        assert (entry.action, entry.before, entry.user_id) == ("create", None, user_id)
        assert entry.after is not None
        assert entry.after["conditions"] == [{"type": "ceasefire", "text": "after a ceasefire"}]


def _bulk_rows(source_id: int) -> list[dict[str, Any]]:
    """Forty import rows using every claim field: commitments and stances, quantities,
    speakers, conditions, channels, notes."""
    rows: list[dict[str, Any]] = []
    for n in range(40):
        row: dict[str, Any] = {
            "actor": "GB" if n % 2 else "FR",
            "basis": "statement" if n % 3 else "report",
            "certainty": ["high", "medium", "low"][n % 3],
            "stated_on": f"2025-08-{1 + n % 19:02d}",
            "source_id": source_id,
            "evidence": {"text": "ready to send troops"} if n % 4 else "London agrees",
            "via": ["Reuters", "AP"][: n % 3],
        }
        if n % 5 == 0:
            row.update(kind="stance", initiative="peace-framework", stance="conditional")
        else:
            row.update(kind="commitment", role="ground_forces", status="willing")
        if n % 3 == 0:
            row["conditions"] = [
                {"type": "ceasefire", "text": f"once a ceasefire holds ({n})"},
                {"type": "us_backstop", "text": "with a US backstop"},
            ][: 1 + n % 2]
        if n % 7 == 0:
            amount = ["5000", "0.1234", "12.50", "999999999999.9999"][n % 4]
            row["quantity"] = {"amount": amount, "unit": "troops"}
        if n % 6 == 1:
            row.update(actor="GB", speaker="keir-starmer", reported_by="BBC", note=f"n{n}")
        if n % 8 == 2:
            row["limits"] = "no combat role"
        rows.append(row)
    return rows


def _bulk_references(session: Session) -> Any:
    """What the bulk rows name: GB, FR, a person speaking for GB, an initiative, a source."""
    make_actor(session, "GB")
    make_actor(session, "FR")
    make_actor(
        session,
        "keir-starmer",
        kind="person",
        name="Keir Starmer",
        affiliations=[{"actor": "GB", "office": "Prime Minister"}],
    )
    make_initiative(session, "peace-framework")
    return make_source(session, text=TEXT)


def test_a_bulk_import_writes_each_claim_one_entry_equal_to_its_snapshot(
    session: Session, trail: Trail, user_id: int
) -> None:
    # The import writes its rows with one executemany and reads them back for the trail:
    # each entry's after is exactly what claim_snapshots gives for the claim, whether read
    # with the others (one BETWEEN) or alone.
    from app.audit.queries import claim_snapshots
    from app.transfer.bulk import import_claims

    source = _bulk_references(session)
    trail.mark()
    content = "\n".join(json.dumps(row) for row in _bulk_rows(source.id))
    report = import_claims(session, content, "jsonl", accept=True)
    assert (report.created, report.review_state) == (40, "accepted")
    assert report.first_id is not None
    assert report.last_id is not None
    ids = list(range(report.first_id, report.last_id + 1))
    found = trail.new()
    assert sorted((e.record_type, int(e.record_key)) for e in found) == [("claim", i) for i in ids]
    together = claim_snapshots(session.connection(), ids)
    for entry in found:
        claim_id = int(entry.record_key)
        assert (entry.action, entry.before, entry.user_id) == ("import", None, user_id)
        assert entry.after == together[claim_id]
        assert entry.after == claim_snapshots(session.connection(), [claim_id])[claim_id]
    # The rows' values made it into the entries (not only equal, but the claims imported).
    stances = [e.after for e in found if e.after is not None and e.after["kind"] == "stance"]
    assert {(s["initiative"], s["stance"]) for s in stances} == {("peace-framework", "conditional")}
    spoken = [e.after for e in found if e.after is not None and e.after["speaker"]]
    assert {(s["speaker"], s["reported_by"]) for s in spoken} == {("keir-starmer", "BBC")}
    assert any(e.after is not None and len(e.after["conditions"]) == 2 for e in found)
    assert all(e.after is not None and e.after["reviewed_at"] for e in found)


def test_snapshots_of_runs_and_scattered_ids_are_those_read_one_at_a_time(
    session: Session, trail: Trail, user_id: int
) -> None:
    from app.audit.queries import RUN, claim_snapshots
    from app.transfer.bulk import import_claims

    source = _bulk_references(session)
    content = "\n".join(json.dumps(row) for row in _bulk_rows(source.id))
    report = import_claims(session, content, "jsonl")
    assert report.first_id is not None
    first = report.first_id
    # A run long enough for BETWEEN, one too short for it, single ids, a missing id, and
    # the same id twice.
    wanted = [
        *range(first, first + RUN),
        *range(first + RUN + 1, first + RUN + 4),
        first + 30,
        first + 39,
        10**9,
        first,
    ]
    one_by_one = {}
    for claim_id in wanted:
        one_by_one.update(claim_snapshots(session.connection(), [claim_id]))
    assert claim_snapshots(session.connection(), wanted) == one_by_one
    assert sorted(one_by_one) == sorted(set(wanted) - {10**9})


def test_ids_are_grouped_into_ranges_and_lists_that_cover_them_exactly() -> None:
    from app.audit.queries import CHUNK, RUN, _id_groups

    ids = [*range(100, 100 + RUN), *range(500, 500 + RUN - 1), 7, 7, 3, *range(1000, 3000, 2)]
    groups = list(_id_groups(ids))
    covered = [i for group in groups for i in group]
    assert sorted(covered) == sorted(set(ids))
    assert range(100, 100 + RUN) in groups
    assert all(len(g) >= RUN for g in groups if isinstance(g, range))
    assert all(len(g) <= CHUNK for g in groups if isinstance(g, list))
    # Ids that are not all integers are read in lists, as before.
    assert [sorted(g) for g in _id_groups(["b", "a"])] == [["a", "b"]]


@pytest.mark.parametrize("copy", [False, True])
def test_an_import_makes_each_entry_from_its_values_equal_to_what_is_read_back(
    session: Session, trail: Trail, user_id: int, copy: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The entries are made from the values the import wrote, converted as the database
    # stores them: decimals that SQLite keeps as floats (-0 becomes 0), PostgreSQL's
    # numeric(20, 4), strings with any characters, dates, the review's time. `copy`: the
    # rows go through PostgreSQL's COPY (SQLite: VALUES lists) whatever their number.
    import app.db
    import app.transfer.bulk
    from app.audit.queries import claim_snapshots, written_claim_snapshots
    from app.transfer.bulk import import_claims

    made: list[Any] = []

    def spied(*args: Any) -> Any:
        made.append(written_claim_snapshots(*args))
        return made[-1]

    # The entries must come from the written values, not from reading the claims back.
    monkeypatch.setattr(app.transfer.bulk, "written_claim_snapshots", spied)
    if copy:
        monkeypatch.setattr(app.db, "COPY_ROWS", 1)
        monkeypatch.setattr(app.db, "VALUES_ROWS", 2)
    source = _bulk_references(session)
    amounts = [
        "5000",
        "-0",
        "0",
        "0.0000",
        "0.0001",
        "1E+3",
        "12.50",
        "0.1",
        "2.675",
        "99999999999999.9999",
        "123456789012345.6789",
        "9007199254740993",
        "4503599627370497.5",
        "1E-4",
    ]
    rows = []
    for n, amount in enumerate(amounts):
        row = _bulk_rows(source.id)[n + 1]
        row["quantity"] = {"amount": amount, "unit": f"unités ✓ {n}"}
        row["note"] = 'tab\there, quote " and \\ backslash, ünïcode, \U0001f600, line\nbreak'
        row["via"] = ["Ä", "B\u200bC", " spaced "]
        rows.append(row)
    trail.mark()
    content = "\n".join(json.dumps(row) for row in [*rows, *_bulk_rows(source.id)])
    report = import_claims(session, content, "jsonl", accept=True)
    assert report.first_id is not None
    assert report.last_id is not None
    ids = list(range(report.first_id, report.last_id + 1))
    found = trail.new()
    assert sorted(int(e.record_key) for e in found) == ids
    read = claim_snapshots(session.connection(), ids)
    for entry in found:
        assert entry.after == read[int(entry.record_key)]
    assert made
    assert made[0] is not None
    assert [snapshot["id"] for snapshot in made[0]] == ids
    quantities = [read[i]["quantity_amount"] for i in ids[: len(amounts)]]
    assert quantities[:8] == ["5000", "0", "0", "0", "0.0001", "1000", "12.5", "0.1"]


def test_an_entry_made_from_written_values_is_read_back_once_the_record_changes_again(
    session: Session, trail: Trail, user_id: int
) -> None:
    # A snapshot handed to note_created holds only until the record changes again in the
    # transaction, or a savepoint rolls back: then the record is read at the end.
    from app.audit.queries import claim_snapshots

    claim = make_claim(session)
    other = make_claim(session)
    trail.mark()
    with capture.one_write(session):
        capture.note_created(session, Claim, [claim.id], [{"not": "what was written"}])
        session.execute(update(Claim).where(Claim.id == claim.id).values(note="changed"))
        savepoint = session.begin_nested()
        capture.note_created(session, Claim, [other.id], [{"not": "kept either"}])
        savepoint.rollback()
    entries = {int(e.record_key): e.after for e in trail.new()}
    assert entries[claim.id] == claim_snapshots(session.connection(), [claim.id])[claim.id]
    assert entries[claim.id] is not None
    assert entries[claim.id]["note"] == "changed"
    assert entries[other.id] == claim_snapshots(session.connection(), [other.id])[other.id]


def test_written_snapshots_are_refused_for_values_whose_round_trip_is_unknown(
    session: Session,
) -> None:
    # Then the import's entries are read back from the database, as before.
    from datetime import datetime
    from decimal import Decimal

    from app.audit.queries import written_claim_snapshots

    dialect = session.get_bind().dialect
    names = {"actor": {1: "GB"}, "speaker": {1: "GB"}, "initiative": {}}
    base: dict[str, Any] = {
        "actor_id": [1],
        "speaker_id": [None],
        "initiative_id": [None],
        "kind": ["commitment"],
        "via": [[]],
        "quantity_amount": [Decimal("1.5")],
        "stated_on": [date(2025, 8, 19)],
    }
    shared = {"reviewed_at": datetime(2025, 8, 19, 12, tzinfo=UTC), "created_by": 1}

    def made(columns: dict[str, Any], common: dict[str, Any]) -> Any:
        return written_claim_snapshots(dialect, [7], columns, common, names, [[]])

    assert made(base, shared) is not None
    assert made({**base, "quantity_amount": [Decimal("NaN")]}, shared) is None
    assert made({**base, "quantity_amount": [1.5]}, shared) is None
    assert made({**base, "stated_on": [datetime(2025, 8, 19)]}, shared) is None
    assert made({**base, "via": [["a", 1]]}, shared) is None
    assert made({**base, "actor_id": [2]}, shared) is None
    assert made(base, {**shared, "reviewed_at": datetime(2025, 8, 19, 12)}) is None
    assert made(base, {**shared, "created_by": "1"}) is None
