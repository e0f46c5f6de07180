"""The Atom 1.0 feed of position changes, built with xml.etree so every text is escaped."""

import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from datetime import UTC, datetime

from app.positions.schemas import FeedEntry

ATOM_NS = "http://www.w3.org/2005/Atom"
ATOM_MEDIA_TYPE = "application/atom+xml; charset=utf-8"
# tag: URIs (RFC 4151) name an authority and a date it held the name.
TAG_DATE = "2025"
# Characters XML 1.0 cannot hold at all, even escaped.
_NOT_XML = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")

ET.register_namespace("", ATOM_NS)


def _clean(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _add(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ATOM_NS}}}{tag}", {k: _clean(v) for k, v in attrs.items()})
    if text is not None:
        element.text = _clean(text)
    return element


def _words(value: str | None) -> str:
    return (value or "").replace("_", " ")


def entry_title(entry: FeedEntry) -> str:
    """ "GB · ground forces: willing (was considering)", or "... retracted"."""
    claim = entry.claim
    subject = _words(claim.role) if claim.kind == "commitment" else claim.initiative_name
    value = _words(claim.status or claim.stance)
    head = f"{claim.actor} · {subject}: {value}"
    if entry.retracted:
        return f"{head} (claim retracted)"
    if entry.previous is None:
        return f"{head} (new)"
    if entry.reversal:
        return f"{head} (reversal: was {_words(entry.previous)})"
    return f"{head} (was {_words(entry.previous)})"


def entry_summary(entry: FeedEntry) -> str:
    """The evidence quote and its source (and a retraction's reason)."""
    claim = entry.claim
    source = claim.source
    where = ", ".join(
        part for part in (source.title, source.outlet, source.published_on.isoformat()) if part
    )
    summary = f"“{claim.evidence.text}” ({where})"
    if entry.retracted:
        summary += f" Retracted: {claim.retraction_reason or 'no reason given'}."
    return summary


def atom_feed(
    entries: Sequence[FeedEntry],
    *,
    authority: str,
    base_url: str,
    self_url: str,
    title: str,
    feed_key: str,
) -> bytes:
    """The feed as UTF-8 XML. `authority` names the tag: URIs; `base_url` ends with '/'."""
    feed = ET.Element(f"{{{ATOM_NS}}}feed")
    _add(feed, "id", f"tag:{authority},{TAG_DATE}:feed/{feed_key}")
    _add(feed, "title", title)
    updated = max((e.claim.updated_at for e in entries), default=datetime.now(UTC))
    _add(feed, "updated", _stamp(updated))
    _add(feed, "link", rel="self", type="application/atom+xml", href=self_url)
    _add(feed, "link", rel="alternate", type="text/html", href=base_url + "timeline")
    author = _add(feed, "author")
    _add(author, "name", "Posture")
    _add(feed, "generator", "Posture")
    for entry in entries:
        claim = entry.claim
        item = _add(feed, "entry")
        event = "retracted" if entry.retracted else "changed"
        _add(item, "id", f"tag:{authority},{TAG_DATE}:claims/{claim.id}/{event}")
        _add(item, "title", entry_title(entry))
        _add(item, "updated", _stamp(claim.updated_at))
        _add(item, "published", _stamp(claim.created_at))
        _add(item, "link", rel="alternate", type="text/html", href=f"{base_url}claims/{claim.id}")
        _add(item, "category", term=claim.role or claim.initiative or claim.kind)
        if entry.reversal:
            _add(item, "category", term="reversal")
        _add(item, "summary", entry_summary(entry), type="text")
    body: bytes = ET.tostring(feed, encoding="utf-8", xml_declaration=True)
    return body
