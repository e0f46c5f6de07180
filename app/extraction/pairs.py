"""Pairs the rules did not read: an actor and a role named in one sentence (or the actor
in the sentence before), scored.

The rules read a role's holder from the words around its predicate; when the phrasing
is one they were not written for, the claim is missed although the sentence names both
the actor and the role. Each such pair is described by a few features (how
near the two are, what stands between them, what the rules read elsewhere in the
sentence and the text) and a logistic model trained on the project's hand-coded texts
(`bench/train_pair_scorer.py`, weights in `patterns/pair_scorer.json`) gives the
probability that a coder would code it. Pairs above the model's threshold become claims,
their status, conditions and span read as the rules read them for a holder they had
found; their note says they were scored, not read.
"""

import json
import math
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

from app.extraction.attach import declined, is_question, is_table_row, owns
from app.extraction.commitments import commitments
from app.extraction.context import Governed, Holder, Mention, SentenceContext
from app.extraction.cues import Cue, Hit
from app.extraction.document import char_span
from app.extraction.mentions import holder_of, unnamed_subject
from app.extraction.merge import Candidate
from app.vocab import ActorKind, Role, Status

WEIGHTS_FILE = Path(__file__).parent / "patterns" / "pair_scorer.json"

# The cue layers whose presence in the sentence is a feature.
LAYERS = ("status", "condition", "hedge", "limit", "event", "agent", "call", "attribution")
ROLES = frozenset(r.value for r in Role)
# The cue layers of "join", "take part", "be part of" (read as the text's role).
TAKING_PART = ("taking_part", "taking_part_noun")
ALIAS_KINDS = ("name", "capital", "seat", "demonym", "adjective", "other")
ACTOR_KINDS = tuple(k.value for k in ActorKind)
# The rung of a role no status cue and no predicate qualify.
IN_FORCE = Cue("status", Status.ACTIVE.value, "no status cue, read as in force")
IN_FORCE_NOTE = f"{IN_FORCE.value}: {IN_FORCE.pattern}"
# What ends a sentence, not a title.
SENTENCE_ENDS = frozenset({".", "!", "?", '"', "”", "»"})
# A mention this near the start of its sentence opens it (its subject, most often).
OPENING_TOKENS = 3


@dataclass
class Instance:
    """One sentence naming the actor and the role: what the features read of it."""

    distance: int  # tokens between the mention and the role cue
    before: bool  # the mention comes first
    actors_between: int
    status_between: bool
    no_status: bool  # no status cue in the sentence and no predicate for the role
    earlier: bool  # the mention is in an earlier sentence
    other_paragraph: bool  # ... of an earlier paragraph
    headline: bool  # the role is named in the text's first paragraph, its title
    pronoun: bool  # a pronoun subject ("it", "they") stands before the role
    speech_between: bool  # "X said ... troops": X may be only the speaker
    oblique: bool  # the mention follows "to", "on", "for", ...
    listed: bool  # the mention follows a comma, "and" or "or"
    opening: bool
    governed: bool  # a predicate governs the role (its holders unread)
    actor_read: bool  # the rules read another role for this actor here
    actors: int
    roles: int
    length: int
    kind: str
    alias_kind: str
    person: bool
    quoted: bool
    layers: frozenset[str]
    candidate: Candidate | None = None

    @property
    def nearness(self) -> tuple[bool, int, int]:
        """The instance that best shows the pair: a mention in the role's sentence,
        then the fewest actors between, then the nearest."""
        return (self.earlier, self.actors_between, self.distance)


@dataclass
class Pair:
    """An (actor, role) the sentences name together and the rules did not read."""

    actor: str
    role: str
    best: Instance
    instances: int = 1
    any_governed: bool = False
    any_clean: bool = False  # some sentence has no other actor between the two
    all_oblique: bool = True


@dataclass(frozen=True)
class PairScorer:
    """A logistic model over named features."""

    weights: dict[str, float]
    bias: float
    threshold: float

    def probability(self, features: dict[str, float]) -> float:
        """The model's probability that a coder codes the pair."""
        z = self.bias + sum(self.weights.get(name, 0.0) * v for name, v in features.items())
        return 1.0 / (1.0 + math.exp(-z))


# Keeps no pair: an extractor with it proposes what its rules read, and nothing else.
NO_PAIRS = PairScorer(weights={}, bias=0.0, threshold=2.0)


@lru_cache(maxsize=1)
def default_scorer() -> PairScorer:
    """The model stored beside the patterns."""
    data = json.loads(WEIGHTS_FILE.read_text(encoding="utf-8"))
    return PairScorer(
        weights={k: float(v) for k, v in data["weights"].items()},
        bias=float(data["bias"]),
        threshold=float(data["threshold"]),
    )


class PairReader:
    """Collects, sentence by sentence, the pairs the rules leave; then scores them."""

    def __init__(self) -> None:
        self.pairs: dict[tuple[str, str], Pair] = {}
        self.mentions: dict[str, int] = {}
        # The holders the last sentence that named any named.
        self.previous: list[tuple[Holder, Mention]] = []

    def read(
        self,
        ctx: SentenceContext,
        governed: list[tuple[Hit, Governed]],
        found: list[Candidate],
    ) -> None:
        """Note the sentence's pairs of an actor and a role that `found` (the rules'
        claims in it) leaves out. Where the rules decided, the model does not guess: a
        question states nobody's position; a table row is read by its columns; a role
        the rules read for somebody here has the holders they found; a role called for
        ("urged Berlin to send") or declined ("troops to Estonia") is nobody's; "join"
        read as the text's role is the rules' inference, made only for the holder they
        find; a title with no status cue names topics."""
        held = [(h, m) for m in ctx.mentions if m.eligible and (h := holder_of(ctx, m)) is not None]
        for h, _ in held:
            self.mentions[h.actor] = self.mentions.get(h.actor, 0) + 1
        previous, self.previous = self.previous, held or self.previous
        if is_question(ctx) or is_table_row(ctx):
            return
        here = {h.actor for h, _ in held}
        # The last sentence's actors, for a role named without them ("It will also
        # send instructors"), unless this sentence names them again.
        earlier = [(h, m) for h, m in previous if h.actor not in here]
        commitments_here = [c for c in found if c.kind == "commitment"]
        by_role = {role.start: g for role, g in governed}
        roles = _open_roles(ctx, by_role, {c.role for c in commitments_here})
        if not roles:
            return
        predicates = {g.predicate.start for _, g in governed if g.mode != "call"}
        excluded = ctx.patterns.role_exclusions
        shared = _SentenceFacts.of(ctx, held, roles)
        actors_read = {c.actor for c in commitments_here}
        for holder, mention in held + earlier:
            for role in roles:
                g = by_role.get(role.start)
                if holder.actor in excluded.get(role.value, ()) or _speaker_only(ctx, mention, g):
                    continue
                instance = _instance(ctx, shared, mention, role, g, holder.actor in actors_read)
                if self._keep(holder, role, instance):
                    # Read now: the status rules look at the memory as it is at this
                    # sentence (its last speaker, a plan's conditions).
                    instance.candidate = _candidate(ctx, role, holder, g, predicates)

    def _keep(self, holder: Holder, role: Hit, instance: Instance) -> bool:
        """Count the instance in its pair; whether it is now the pair's best."""
        key = (holder.actor, role.value)
        pair = self.pairs.get(key)
        if pair is None:
            pair = self.pairs[key] = Pair(holder.actor, role.value, instance)
        else:
            pair.instances += 1
        pair.any_governed |= instance.governed
        pair.any_clean |= instance.actors_between == 0
        pair.all_oblique &= instance.oblique
        if pair.best is instance or instance.nearness < pair.best.nearness:
            pair.best = instance
            return True
        return False

    def scored(
        self, found: list[Candidate], scorer: PairScorer
    ) -> list[tuple[Pair, dict[str, float], float]]:
        """Every pair the rules did not read in the whole text (`found`), with its
        features and probability."""
        read = {(c.actor, c.role) for c in found if c.kind == "commitment"}
        roles_of: dict[str, set[str]] = {}
        actors_of: dict[str, set[str]] = {}
        for actor, role in read:
            roles_of.setdefault(actor, set()).add(role or "")
            actors_of.setdefault(role or "", set()).add(actor)
        out = []
        for key, pair in self.pairs.items():
            if key in read:
                continue
            features = pair_features(
                pair,
                len(roles_of.get(pair.actor, ())),
                len(actors_of.get(pair.role, ())),
                self.mentions.get(pair.actor, 0),
            )
            out.append((pair, features, scorer.probability(features)))
        return out

    def claims(self, found: list[Candidate], scorer: PairScorer) -> list[Candidate]:
        """The candidates of the pairs the model keeps, noted as scored."""
        out = []
        for pair, _, p in self.scored(found, scorer):
            c = pair.best.candidate
            if p < scorer.threshold or c is None:
                continue
            note = f"scored pair (p {p:.2f}): no rule read its holder"
            out.append(replace(c, notes=[note, *c.notes]))
        return out


def _open_roles(
    ctx: SentenceContext, by_role: dict[int, Governed], read_roles: set[str | None]
) -> list[Hit]:
    """The sentence's role cues whose holders the rules left open (see `PairReader.read`)."""
    joins = {h.start for layer in TAKING_PART for h in ctx.hits(layer)}
    # A title with no status cue names topics ("The minister on training and air
    # defence"), not what anyone does.
    topics_only = _is_title(ctx) and not ctx.hits("status")
    return [
        r
        for r in ctx.hits("role")
        if r.value in ROLES
        and r.value not in read_roles
        and r.start not in joins
        and not declined(ctx, r)
        and (r.start not in by_role or by_role[r.start].mode != "call")
        and (r.start in by_role or not topics_only)
    ]


def _is_title(ctx: SentenceContext) -> bool:
    """Whether the sentence is the text's title: its first line, unpunctuated, with more
    text after it."""
    doc, sentence = ctx.doc, ctx.sentence
    if sentence.para != 0 or sentence.end >= len(doc):
        return False
    last = sentence.end - 1
    while last > sentence.start and doc[last].is_space:
        last -= 1
    return doc[last].text not in SENTENCE_ENDS


def _speaker_only(ctx: SentenceContext, mention: Mention, g: Governed | None) -> bool:
    """Whether the mention only speaks for a clause an unnamed group holds ("the
    minister said most allies were ready to ...")."""
    if g is None or not ctx.sentence.start <= mention.end <= g.predicate.start:
        return False
    return unnamed_subject(ctx, mention.end, g.predicate.start)


@dataclass(frozen=True)
class _SentenceFacts:
    """What every pair of one sentence shares."""

    actors: int
    roles: int
    length: int
    quoted: bool
    layers: frozenset[str]
    mentions: tuple[int, ...]  # the starts of the mentions that name a holder
    pronouns: tuple[int, ...]  # where a pronoun subject ("it", "they") stands

    @classmethod
    def of(
        cls, ctx: SentenceContext, held: list[tuple[Holder, Mention]], roles: list[Hit]
    ) -> "_SentenceFacts":
        s0, s1 = ctx.sentence.start, ctx.sentence.end
        doc = ctx.doc
        return cls(
            actors=len({h.actor for h, _ in held}),
            roles=len(roles),
            length=s1 - s0,
            quoted=any(doc[i].text in ctx.patterns.clauses.quotes for i in range(s0, s1)),
            layers=frozenset(layer for layer in LAYERS if ctx.hits(layer)),
            mentions=tuple(m.start for _, m in held),
            pronouns=tuple(
                i
                for i in range(s0, s1)
                if doc[i].norm_.lower() in ctx.patterns.clauses.pronoun_subjects
            ),
        )


def _instance(
    ctx: SentenceContext,
    shared: _SentenceFacts,
    mention: Mention,
    role: Hit,
    g: Governed | None,
    actor_read: bool,
) -> Instance:
    before = mention.end <= role.start
    lo, hi = (mention.end, role.start) if before else (role.end, mention.start)
    s0 = ctx.sentence.start
    earlier = mention.start < s0
    previous = ctx.doc[mention.start - 1].norm_.lower() if mention.start > 0 else ""
    clauses = ctx.patterns.clauses
    return Instance(
        distance=max(hi - lo, 0),
        before=before,
        actors_between=sum(1 for start in shared.mentions if lo <= start < hi),
        status_between=any(lo <= x.start < hi for x in ctx.hits("status")),
        no_status=g is None and not ctx.hits("status"),
        speech_between=any(lo <= x.start < hi for x in ctx.hits("speech")),
        oblique=previous in clauses.oblique_words,
        listed=previous in clauses.list_words,
        opening=not earlier and mention.start - s0 < OPENING_TOKENS,
        earlier=earlier,
        other_paragraph=mention.start < ctx.para_start,
        headline=ctx.sentence.para == 0,
        pronoun=any(i < role.start for i in shared.pronouns),
        governed=g is not None,
        actor_read=actor_read,
        actors=shared.actors,
        roles=shared.roles,
        length=shared.length,
        kind=mention.name.kind,
        alias_kind=mention.name.alias_kind,
        person=mention.name.kind == ActorKind.PERSON,
        quoted=shared.quoted,
        layers=shared.layers,
    )


def _candidate(
    ctx: SentenceContext, role: Hit, holder: Holder, g: Governed | None, predicates: set[int]
) -> Candidate | None:
    """The claim the rules make of the role for this holder: under the predicate that
    governs the role, else under the sentence's last status cue before the role (the
    nearest after it when none comes before); with neither, the role is read as in
    force ("Poland is the hub for aid"), the rung of a plain statement of fact."""
    statuses = ctx.hits("status")
    if g is not None:
        predicate, mode = g.predicate, g.mode
    elif statuses:
        before = [s for s in statuses if s.end <= role.start]
        predicate = before[-1] if before else min(statuses, key=lambda s: abs(s.start - role.end))
        mode, predicates = "before", {predicate.start}
    else:
        predicate, mode, predicates = Hit(IN_FORCE, role.start, role.start), "before", set()
    owned = [c for c in ctx.conditions if owns(c, predicate, role, predicates)]
    out = commitments(ctx, role, Governed(predicate, mode, [holder]), owned)
    if not out:
        return None
    claim = out[0]
    # No rule says which words carry the claim: the evidence is the whole sentence,
    # from the holder's name when an earlier sentence gives it.
    first = min(ctx.sentence.start, holder.mention.start if holder.mention else ctx.sentence.start)
    claim.start, claim.end = char_span(
        ctx.doc, first, ctx.sentence.end, ctx.patterns.clauses.quotes
    )
    return claim


def pair_features(
    pair: Pair, actor_roles: int, role_actors: int, mentions: int
) -> dict[str, float]:
    """The pair's features by name: `actor_roles` roles the rules read for the actor in
    the text, `role_actors` actors they read the role for, `mentions` of the actor."""
    best = pair.best
    features = {
        "instances": math.log1p(pair.instances),
        "distance": math.log1p(best.distance),
        "adjacent": float(best.distance <= 3),
        "before": float(best.before),
        "actors_between": float(min(best.actors_between, 4)),
        "any_clean": float(pair.any_clean),
        "status_between": float(best.status_between),
        "no_status": float(best.no_status),
        "earlier": float(best.earlier),
        "speech_between": float(best.speech_between),
        "oblique": float(best.oblique),
        "all_oblique": float(pair.all_oblique),
        "listed": float(best.listed),
        "opening": float(best.opening),
        "governed": float(best.governed),
        "any_governed": float(pair.any_governed),
        "actor_read_here": float(best.actor_read),
        "actor_read": float(actor_roles > 0),
        "actor_roles": math.log1p(actor_roles),
        "role_actors": math.log1p(role_actors),
        "mentions": math.log1p(mentions),
        "actors": math.log1p(best.actors),
        "roles": math.log1p(best.roles),
        "length": math.log1p(best.length),
        "person": float(best.person),
        "headline": float(best.headline),
        "pronoun": float(best.pronoun),
        "other_paragraph": float(best.other_paragraph),
        "quoted": float(best.quoted),
        "ukraine": float(pair.actor == "UA"),
        "russia": float(pair.actor == "RU"),
    }
    for layer in LAYERS:
        features[f"layer={layer}"] = float(layer in best.layers)
    for role in Role:
        features[f"role={role.value}"] = float(pair.role == role.value)
    for kind in ACTOR_KINDS:
        features[f"kind={kind}"] = float(best.kind == kind)
    for alias in ALIAS_KINDS:
        features[f"alias={alias}"] = float(best.alias_kind == alias)
    return features
