"""Computed position answers cached by the data version, correct with several workers.

Every write to what positions are computed from bumps one number in the database, in
the writing transaction (`data_version`, kept by triggers). An answer is cached under
the version read at the start of the request that computed it, together with the
question, so a cached answer is never served after a write that could change it: the
next request reads the new version and misses. Each worker keeps its own cache; they
agree because they read the same version. The version also makes the ETag, so a client
that sends it back as If-None-Match gets 304 without anything being computed.
"""

import gzip
import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from app.positions import queries

T = TypeVar("T")
# gzip level 6: most of level 9's ratio on JSON at a fraction of its time.
GZIP_LEVEL = 6
GZIP_MIN_BYTES = 1024


@dataclass(frozen=True)
class Body:
    """An answer as bytes, with its gzip form made once for every client that takes it."""

    content: bytes
    media_type: str
    gzipped: bytes | None

    @classmethod
    def of(cls, content: bytes, media_type: str) -> "Body":
        """The body, gzipped too when that is worth it."""
        packed = (
            gzip.compress(content, compresslevel=GZIP_LEVEL, mtime=0)
            if len(content) >= GZIP_MIN_BYTES
            else None
        )
        return cls(content, media_type, packed)

    @property
    def size(self) -> int:
        """Bytes held."""
        return len(self.content) + len(self.gzipped or b"")


def _size_of(value: Any) -> int:
    if isinstance(value, Body):
        return value.size
    body = getattr(value, "body", None)
    if isinstance(body, Body):
        return body.size
    # A computed object (a matrix for a page): counted by its cells, about 1 KiB each.
    cells = getattr(value, "cells", None) or getattr(value, "changes", None) or ()
    return 1024 * (1 + len(cells))


class AnswerCache:
    """A least-recently-used map from (data version, question) to an answer, bounded in
    bytes. Entries of older versions are never read again and age out first."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._entries: OrderedDict[Hashable, tuple[Any, int]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: Hashable) -> Any | None:
        """The cached answer, or None."""
        with self._lock:
            found = self._entries.get(key)
            if found is None:
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return found[0]

    def peek(self, key: Hashable) -> Any | None:
        """The cached answer or None, without counting a hit or a miss."""
        with self._lock:
            found = self._entries.get(key)
            if found is None:
                return None
            self._entries.move_to_end(key)
            return found[0]

    def put(self, key: Hashable, value: Any) -> None:
        """Keep the answer, dropping the least recently used beyond the budget."""
        size = _size_of(value)
        if size > self.max_bytes:
            return
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._bytes -= old[1]
            self._entries[key] = (value, size)
            self._bytes += size
            while self._bytes > self.max_bytes and self._entries:
                _, (_, dropped) = self._entries.popitem(last=False)
                self._bytes -= dropped

    def clear(self) -> None:
        """Forget every answer."""
        with self._lock:
            self._entries.clear()
            self._bytes = 0


@dataclass(frozen=True)
class Question:
    """What was asked, with the data version it is answered from."""

    name: str
    params: tuple[Hashable, ...]
    version: int

    @property
    def key(self) -> tuple[Hashable, ...]:
        """The cache key."""
        return (self.name, self.params, self.version)

    @property
    def etag(self) -> str:
        """A weak validator (the same answer may go out gzipped or not)."""
        digest = hashlib.blake2b(repr((self.name, self.params)).encode(), digest_size=8)
        return f'W/"{self.version}-{digest.hexdigest()}"'


def question(session: Session, name: str, params: tuple[Hashable, ...]) -> Question:
    """The question at the data version this request reads (read before any answer, so an
    answer is never older than the version it is cached under)."""
    return Question(name, params, queries.data_version(session))


def answer(
    cache: AnswerCache,
    asked: Question,
    compute: Callable[[], T],
    on_lookup: Callable[[bool], None] | None = None,
) -> T:
    """The cached answer to the question, or the computed one, cached."""
    found = cache.get(asked.key)
    if on_lookup is not None:
        on_lookup(found is not None)
    if found is not None:
        cached: T = found
        return cached
    value = compute()
    cache.put(asked.key, value)
    return value
