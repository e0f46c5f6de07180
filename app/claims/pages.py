"""Dashboard pages about claims: the evidence behind a cell, and writing claims."""

import re
from collections.abc import Mapping
from typing import Annotated, Any, TypedDict, Unpack

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BeforeValidator

from app.accounts.deps import CurrentUser, RequireEditor, may_read_audit, may_review
from app.audit import service as audit
from app.claims import service, views
from app.claims.schemas import ClaimCreate, ClaimRetract, ClaimUpdate
from app.config import SettingsDep
from app.db import SessionDep
from app.errors import AppError
from app.extraction.reading import read_selection
from app.extraction.schemas import ProposedClaim, ReadingClaim, SelectionReading
from app.forms import blank_to_none, one_value
from app.listing import INT_MAX, IdPath
from app.versioning import STALE, conflict_notice, form_version
from app.vocab import Basis, Certainty, ClaimKind, ConditionType, ReviewState, Role, Stance, Status
from app.web import FormFields, parse_form, render

router = APIRouter(include_in_schema=False)


# The claim form's inputs, in the order the form shows them, with their labels.
FIELD_LABELS: dict[str, str] = {
    "actor": "Actor code",
    "kind": "Kind",
    "role": "Role",
    "status": "Status",
    "initiative": "Initiative",
    "stance": "Stance",
    "conditions": "Conditions",
    "limits": "Limits",
    "quantity_amount": "Quantity",
    "quantity_unit": "Unit",
    "certainty": "Certainty",
    "basis": "Basis",
    "speaker": "Speaker",
    "reported_by": "Reported by",
    "via": "Via",
    "stated_on": "Stated on",
    "source_id": "Source id",
    "evidence_text": "Evidence",
    "evidence_start": "Start offset",
    "evidence_end": "End offset",
    "note": "Note",
    "review_state": "Review state",
}
PLAIN_FIELDS = (
    "actor",
    "kind",
    "role",
    "status",
    "initiative",
    "stance",
    "limits",
    "certainty",
    "basis",
    "speaker",
    "reported_by",
    "stated_on",
    "source_id",
    "note",
    "review_state",
)


def form_values(fields: Mapping[str, Any]) -> dict[str, str]:
    """The submitted claim form as it was typed, one string per input."""
    return {name: one_value(fields, name) for name in FIELD_LABELS}


# A condition line may end with what it waits on: "[milestone: ukraine-ceasefire]" or
# "[requires: US air_cover pledged]".
LINK = re.compile(r"\s*\[\s*(milestone|requires)\s*:\s*([^\]]*)\]\s*$", re.IGNORECASE)


def parse_conditions(text: str) -> list[dict[str, Any]]:
    """One `type: text` per line; the type may be written with spaces ("peace agreement"),
    and the line may end with `[milestone: slug]` or `[requires: ACTOR role status]`."""
    conditions: list[dict[str, Any]] = []
    for line in text.splitlines():
        if not line.strip():
            continue
        kind, sep, rest = line.partition(":")
        if not sep:
            kind, rest = "", line
        condition: dict[str, Any] = {
            "type": kind.strip().lower().replace(" ", "_").replace("-", "_")
        }
        link = LINK.search(rest)
        if link:
            rest = rest[: link.start()]
            target = link.group(2).strip()
            if link.group(1).lower() == "milestone":
                condition["milestone"] = target
            else:
                actor, role, status = [*target.split(), "", "", ""][:3]
                condition["requires"] = {"actor": actor, "role": role, "status_at_least": status}
        condition["text"] = rest.strip()
        conditions.append(condition)
    return conditions


def condition_line(condition: Mapping[str, Any]) -> str:
    """A condition as the form writes it (parse_conditions reads it back)."""
    line = f"{condition['type']}: {condition['text']}"
    if condition.get("milestone"):
        line += f" [milestone: {condition['milestone']}]"
    required = condition.get("requires")
    if required:
        line += f" [requires: {required['actor']} {required['role']} {required['status_at_least']}]"
    return line


def claim_input(values: Mapping[str, str]) -> dict[str, Any]:
    """The form's strings in the API's shape (ClaimCreate); empty inputs are left out."""
    data: dict[str, Any] = {name: values[name].strip() for name in PLAIN_FIELDS}
    data["conditions"] = parse_conditions(values["conditions"])
    quantity = {"amount": values["quantity_amount"], "unit": values["quantity_unit"]}
    quantity = {k: v.strip() for k, v in quantity.items() if v.strip()}
    if quantity:
        data["quantity"] = quantity
    data["via"] = [part.strip() for part in values["via"].split(",") if part.strip()]
    evidence = {
        "text": values["evidence_text"],
        "start": values["evidence_start"].strip(),
        "end": values["evidence_end"].strip(),
    }
    evidence = {k: v for k, v in evidence.items() if v.strip()}
    if evidence:
        data["evidence"] = evidence
    return data


def values_from_claim(fields: Mapping[str, Any]) -> dict[str, str]:
    """A stored claim (in ClaimFields' shape) as the form's strings."""

    def text(value: Any) -> str:
        return "" if value is None else str(value)

    quantity = fields.get("quantity") or {}
    evidence = fields["evidence"]
    values = {name: text(fields.get(name)) for name in PLAIN_FIELDS}
    values.update(
        conditions="\n".join(condition_line(c) for c in fields["conditions"]),
        quantity_amount=text(quantity.get("amount")),
        quantity_unit=text(quantity.get("unit")),
        via=", ".join(fields.get("via") or []),
        evidence_text=evidence["text"],
        evidence_start=text(evidence["start"]),
        evidence_end=text(evidence["end"]),
    )
    return values


def input_for(field: str) -> str:
    """The form input that shows an API error's field ("evidence.text" → evidence_text)."""
    head, _, rest = field.partition(".")
    if head in ("conditions", "conditional"):
        return "conditions"
    if head == "quantity":
        return "quantity_unit" if rest == "unit" else "quantity_amount"
    if head == "evidence":
        return {"start": "evidence_start", "end": "evidence_end"}.get(rest, "evidence_text")
    return head if head in FIELD_LABELS else "form"


def _message(field: str, message: str) -> str:
    # "conditions.1.type" names the second line of the conditions box.
    parts = field.split(".")
    if parts[0] == "conditions" and len(parts) > 1 and parts[1].isdigit():
        where = f"line {int(parts[1]) + 1}" + (f" ({parts[2]})" if len(parts) > 2 else "")
        return f"{where}: {message}"
    return message


def claim_form_errors(exc: AppError) -> dict[str, str]:
    """An error's messages by form input, so each shows beside the input it is about."""
    errors: dict[str, str] = {}
    for error in exc.errors:
        name = input_for(str(error["field"]))
        message = _message(str(error["field"]), str(error["message"]))
        errors[name] = f"{errors[name]}; {message}" if name in errors else message
    if not errors:
        errors["form"] = exc.detail
    return errors


def _source_id(value: str) -> int | None:
    value = value.strip()
    return int(value) if value.isdigit() and 0 < int(value) <= INT_MAX else None


class ClaimFormOptions(TypedDict, total=False):
    """What a claim form shows besides its values and errors: the claim it edits at
    which version, a conflicting write, where it posts, its title, whether it is a review's
    edit-then-accept, and the answer's status."""

    claim: dict[str, Any] | None
    version: int | None
    conflict: Mapping[str, Any] | None
    action: str | None
    title: str | None
    review: bool
    status_code: int
    back: str | None
    reading: SelectionReading | None
    pick: int
    focus: str | None


def claim_form(
    request: Request,
    session: SessionDep,
    *,
    values: dict[str, str],
    errors: dict[str, str],
    **options: Unpack[ClaimFormOptions],
) -> HTMLResponse:
    """The claim form (new, edit, or a review's edit-then-accept), errors beside inputs."""
    claim = options.get("claim")
    action = options.get("action")
    reading = options.get("reading")
    title = options.get("title") or (f"Edit claim {claim['id']}" if claim else "New claim")
    form = views.claim_form_context(session, _source_id(values.get("source_id", "")))
    context = {
        "initiatives": form.initiatives,
        "source": form.source,
        "title": title,
        "claim": claim,
        "action": action or (f"/claims/{claim['id']}/edit" if claim else "/claims/new"),
        "version": options.get("version"),
        "conflict": options.get("conflict"),
        "review": options.get("review", False),
        "back": options.get("back"),
        "reading": reading,
        "reading_note": _chosen_note(reading, options.get("pick", 0)),
        "choices": reading_choices(request, reading, options.get("pick", 0)) if reading else [],
        "focus": options.get("focus"),
        "values": values,
        "errors": errors,
        "field_labels": FIELD_LABELS,
        "summary": [
            (name, FIELD_LABELS.get(name), errors[name])
            for name in [*FIELD_LABELS, "form"]
            if name in errors
        ],
        "kinds": [k.value for k in ClaimKind],
        "roles": [r.value for r in Role],
        "statuses": [s.value for s in Status],
        "stances": [s.value for s in Stance],
        "certainties": [c.value for c in Certainty],
        "bases": [b.value for b in Basis],
        "review_states": [r.value for r in ReviewState],
        "condition_types": [c.value for c in ConditionType],
    }
    return render(request, "claims/form.html", context, status_code=options.get("status_code", 200))


NEW_CLAIM_DEFAULTS = {"kind": "commitment", "certainty": "high", "review_state": "proposed"}

# Where a claim form coded from a selection may send the coder back: the source's page or
# the review queue (never another site).
BACK_TO = re.compile(r"^/(sources/\d{1,10}|review)(\?[\w=&%.-]*)?$")

# The inputs to check, in the order the form shows them: focus lands on the first empty one.
CHECK_FIRST = ("actor", "kind", "role", "status", "initiative", "stance", "basis", "stated_on")

Selection = Annotated[int | None, BeforeValidator(blank_to_none), Query(ge=0, le=INT_MAX)]


def back_to(value: str | None) -> str | None:
    """The page to return to after saving, when it is one a selection is coded from."""
    return value if value and BACK_TO.match(value) else None


def reading_values(reading: SelectionReading, pick: int = 0) -> dict[str, str]:
    """The claim form's inputs from a selection's reading: its claim, or (`pick` > 0) one
    of its alternatives, always with the selection as the evidence."""
    chosen: ReadingClaim | ProposedClaim = reading.claim
    if 0 < pick <= len(reading.alternatives):
        chosen = reading.alternatives[pick - 1]
    fields = chosen.model_dump(mode="json")
    fields.update(
        evidence=reading.claim.evidence.model_dump(),
        source_id=reading.source_id,
        note=None,
        review_state=ReviewState.PROPOSED.value,
    )
    values = values_from_claim(fields)
    if not fields["kind"]:
        values["kind"] = NEW_CLAIM_DEFAULTS["kind"]
    return values


def reading_choices(
    request: Request, reading: SelectionReading, pick: int
) -> list[tuple[str, str, bool]]:
    """The readings of a selection the form may be filled from (label, address, chosen):
    the best one first, then the alternatives."""
    out = []
    readings: list[ReadingClaim | ProposedClaim] = [reading.claim, *reading.alternatives]
    for i, claim in enumerate(readings):
        what = (claim.role or claim.initiative or "?").replace("_", " ")
        label = f"{claim.actor or '?'} · {what} · {claim.status or claim.stance or '?'}"
        url = request.url.include_query_params(pick=i)
        chosen = i == pick or (i == 0 and not 0 < pick <= len(reading.alternatives))
        out.append((label, f"{url.path}?{url.query}", chosen))
    return out


def _chosen_note(reading: SelectionReading | None, pick: int) -> str | None:
    if reading is None:
        return None
    if 0 < pick <= len(reading.alternatives):
        return reading.alternatives[pick - 1].note
    return reading.claim.note


def _first_to_check(values: Mapping[str, str]) -> str:
    kind = values.get("kind")
    skip = {"initiative", "stance"} if kind == "commitment" else {"role", "status"}
    empty = [n for n in CHECK_FIRST if n not in skip and not values.get(n)]
    return empty[0] if empty else "actor"


def _selection_errors(exc: AppError) -> dict[str, str]:
    where = {"start": "evidence_start", "end": "evidence_end", "source_id": "source_id"}
    errors = {where.get(str(e["field"]), "form"): str(e["message"]) for e in exc.errors}
    return errors or {"form": exc.detail}


@router.get("/claims/new", response_class=HTMLResponse, dependencies=[RequireEditor])
def newclaim_form(
    request: Request,
    session: SessionDep,
    source_id: Annotated[
        int | None, BeforeValidator(blank_to_none), Query(ge=1, le=INT_MAX)
    ] = None,
    start: Selection = None,
    end: Selection = None,
    pick: Annotated[int, Query(ge=0, le=100)] = 0,
    back: Annotated[str | None, Query(alias="next", max_length=300)] = None,
) -> HTMLResponse:
    """An empty claim form, its source (and the publication day as stated_on) prefilled;
    with a selection of the source's text (`start`, `end`), every field prefilled from the
    extractor's reading of it, focus on the first field to check."""
    values = (
        dict.fromkeys(FIELD_LABELS, "")
        | NEW_CLAIM_DEFAULTS
        | views.new_claim_values(session, source_id)
    )
    if source_id is None or start is None or end is None:
        return claim_form(request, session, values=values, errors={}, back=back_to(back))
    try:
        reading = read_selection(session, source_id, start, end)
    except AppError as exc:
        return claim_form(
            request,
            session,
            values=values,
            errors=_selection_errors(exc),
            back=back_to(back),
            status_code=exc.status,
        )
    values = reading_values(reading, pick)
    return claim_form(
        request,
        session,
        values=values,
        errors={},
        back=back_to(back),
        reading=reading,
        pick=pick,
        focus=_first_to_check(values),
    )


@router.post("/claims/new", response_class=HTMLResponse, dependencies=[RequireEditor])
def create_claim(
    request: Request, session: SessionDep, user: CurrentUser, fields: FormFields
) -> Response:
    """Record the submitted claim; re-show the form with each problem beside its input.
    Coded from a selection, go back to the page it was made on."""
    values = form_values(fields)
    back = back_to(one_value(fields, "next"))
    try:
        claim = service.record_claim(
            session, parse_form(ClaimCreate, claim_input(values)), may_review=may_review(user)
        )
    except AppError as exc:
        errors = claim_form_errors(exc)
        return claim_form(
            request, session, values=values, errors=errors, back=back, status_code=exc.status
        )
    if back is not None:
        # Back to the page the selection was made on, at the new claim, for the next span.
        anchor = "proposal" if back.startswith("/review") else "claim"
        return RedirectResponse(f"{back}#{anchor}-{claim.id}", status_code=303)
    return RedirectResponse(f"/claims/{claim.id}", status_code=303)


@router.get("/claims/{claim_id}", response_class=HTMLResponse)
def claim_page(claim_id: int, request: Request, session: SessionDep) -> HTMLResponse:
    """A claim with its evidence highlighted in its sentence and the cell's history."""
    audit_visible = may_read_audit(request)
    view = views.claim_evidence_view(session, claim_id, with_people=audit_visible)
    context: dict[str, Any] = {
        "title": f"Claim {claim_id}",
        "claim": view.claim,
        "sentence": view.sentence,
        "history": view.history,
        "people": view.people,
    }
    if audit_visible:
        context["audit_history"] = audit.history_context(session, "claim", claim_id)
    return render(request, "claims/claim.html", context, fragment="claims/_detail.html")


def _retracted(request: Request, claim: dict[str, Any], action: str) -> HTMLResponse:
    context = {"title": f"Claim {claim['id']} is retracted", "claim": claim, "action": action}
    return render(request, "claims/retracted.html", context, status_code=409)


@router.get("/claims/{claim_id}/edit", response_class=HTMLResponse, dependencies=[RequireEditor])
def editclaim_form(claim_id: IdPath, request: Request, session: SessionDep) -> HTMLResponse:
    """The claim's fields in the form, ready to change."""
    current = views.editable_claim(session, claim_id)
    if current.retracted:
        return _retracted(request, current.claim, "changed")
    values = values_from_claim(current.fields)
    return claim_form(
        request,
        session,
        values=values,
        errors={},
        claim=current.claim,
        version=current.version,
    )


@router.post("/claims/{claim_id}/edit", response_class=HTMLResponse, dependencies=[RequireEditor])
def edit_claim(
    claim_id: IdPath,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: CurrentUser,
    fields: FormFields,
) -> Response:
    """Save the whole form over the claim; the merged claim is checked like a new one."""
    current = views.editable_claim(session, claim_id)
    if current.retracted:
        return _retracted(request, current.claim, "changed")
    values = form_values(fields)
    version = form_version(fields)
    try:
        # The form holds every field: it replaces the claim, and an emptied input clears it.
        complete = parse_form(ClaimCreate, claim_input(values))
        changes = ClaimUpdate.model_validate(complete.model_dump(exclude={"conditional"}))
        with session.begin_nested():
            service.update_claim(
                session,
                claim_id,
                changes,
                expected_version=version,
                allow_self_review=settings.allow_self_review,
                may_review=may_review(user),
            )
    except STALE:
        return claim_conflict(request, session, claim_id, values, version)
    except AppError as exc:
        errors = claim_form_errors(exc)
        return claim_form(
            request,
            session,
            values=values,
            errors=errors,
            claim=current.claim,
            version=version,
            status_code=exc.status,
        )
    return RedirectResponse(f"/claims/{claim_id}", status_code=303)


def claim_conflict(
    request: Request,
    session: SessionDep,
    claim_id: int,
    values: dict[str, str],
    version: int,
    *,
    action: str | None = None,
    title: str | None = None,
    review: bool = False,
) -> HTMLResponse:
    """The claim form again after someone else saved the claim: theirs beside yours."""
    stored = views.editable_claim(session, claim_id)
    conflict = conflict_notice(
        "claim",
        FIELD_LABELS,
        values_from_claim(stored.fields),
        values,
        yours_version=version,
        current_version=stored.version,
        reload=request.url.path,
        by=audit.last_writer(session, "claim", claim_id),
    )
    return claim_form(
        request,
        session,
        values=values,
        errors={},
        claim=stored.claim,
        version=stored.version,
        conflict=conflict,
        action=action,
        title=title,
        review=review,
        status_code=409,
    )


def _retract_form(
    request: Request,
    claim: dict[str, Any],
    reason: str,
    errors: dict[str, str],
    status_code: int = 200,
    *,
    version: int | None = None,
    conflict: Mapping[str, Any] | None = None,
) -> HTMLResponse:
    context = {
        "title": f"Retract claim {claim['id']}",
        "claim": claim,
        "reason": reason,
        "errors": errors,
        "version": claim["version"] if version is None else version,
        "conflict": conflict,
    }
    return render(request, "claims/retract.html", context, status_code=status_code)


@router.get("/claims/{claim_id}/retract", response_class=HTMLResponse, dependencies=[RequireEditor])
def retractclaim_form(claim_id: IdPath, request: Request, session: SessionDep) -> HTMLResponse:
    """Ask why the claim is retracted."""
    claim = views.editable_claim(session, claim_id).claim
    if claim["retracted"]:
        return _retracted(request, claim, "retracted again")
    return _retract_form(request, claim, "", {})


@router.post(
    "/claims/{claim_id}/retract", response_class=HTMLResponse, dependencies=[RequireEditor]
)
def retract_claim(
    claim_id: IdPath, request: Request, session: SessionDep, fields: FormFields
) -> Response:
    """Retract the claim: kept on record, it no longer counts."""
    claim = views.editable_claim(session, claim_id).claim
    if claim["retracted"]:
        return _retracted(request, claim, "retracted again")
    reason = one_value(fields, "reason").strip()
    version = form_version(fields)
    try:
        data = parse_form(ClaimRetract, {"reason": reason})
        service.retract_claim(session, claim_id, data.reason, expected_version=version)
    except STALE:
        # The claim changed since the form was opened: show what it says now before retracting.
        stored = views.editable_claim(session, claim_id).claim
        conflict = conflict_notice(
            "claim",
            {},
            {},
            {},
            yours_version=version,
            current_version=stored["version"],
            reload=f"/claims/{claim_id}/retract",
            by=audit.last_writer(session, "claim", claim_id),
        )
        return _retract_form(request, stored, reason, {}, 409, conflict=conflict)
    except AppError as exc:
        errors = {str(e["field"]): str(e["message"]) for e in exc.errors} or {"form": exc.detail}
        return _retract_form(
            request, claim, reason, errors, status_code=exc.status, version=version
        )
    return RedirectResponse(f"/claims/{claim_id}", status_code=303)
