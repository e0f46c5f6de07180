"""Folding names for lookup: case and accents, the same in Python, SQLite and PostgreSQL.

"Élysée", "ELYSEE" and "elysee" fold to "elysee"; "Türkiye" to "turkiye"; "Côte d'Ivoire",
also with a typographic apostrophe, to "cote d'ivoire". SQLite's `lower()` folds ASCII only;
PostgreSQL's depends on the database's locale, so neither is used for names: both
databases get a function `posture_fold(text)` that applies exactly this module's table
(SQLite: this Python function, registered on every connection; PostgreSQL: a SQL function
of `replace` and `translate` made from the same table by the migration that creates it).
tests/search/test_folding.py checks the two agree on every character of the table.
"""

import unicodedata
from functools import cache

SQL_FUNCTION = "posture_fold"

# Letters that decompose into a base letter and marks (é, ü, ç, ő, ş, ạ ...) fold to the
# base letter; the Latin blocks below are the ones names in news are written in.
_LATIN_BLOCKS = [*range(0xC0, 0x250), *range(0x1E00, 0x1F00)]
# Greek and Cyrillic fold case only: stripping their marks would merge different letters
# (Russian й is not и), except yo, which Russian text writes as ye more often than not.
_CASE_ONLY_BLOCKS = [*range(0x370, 0x400), *range(0x400, 0x500)]
_CASE_ONLY_RANGE = range(0x370, 0x500)
# Letters with no decomposition that writers replace by a plain letter.
_EXTRA_SINGLE = {
    "Æ": "ae",
    "æ": "ae",
    "Œ": "oe",
    "œ": "oe",
    "ß": "ss",
    "ẞ": "ss",
    "Þ": "th",
    "þ": "th",
    "Ø": "o",
    "ø": "o",
    "Ł": "l",
    "ł": "l",
    "Đ": "d",
    "đ": "d",
    "Ð": "d",
    "ð": "d",
    "Ħ": "h",
    "ħ": "h",
    "\u0131": "i",  # dotless i
    "Ŧ": "t",
    "ŧ": "t",
    "\u0401": "\u0435",  # Cyrillic YO to ye
    "\u0451": "\u0435",
    # Typographic apostrophes and quotes read as the ASCII ones.
    "\u2019": "'",
    "\u2018": "'",
    "\u02bc": "'",
    "\u201c": '"',
    "\u201d": '"',
    # Dashes and the non-breaking hyphen read as a hyphen.
    "\u2010": "-",
    "\u2011": "-",
    "\u2013": "-",
    "\u2014": "-",
    # A non-breaking space is a space.
    "\u00a0": " ",
}


def _strip_marks(ch: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))


@cache
def fold_table() -> dict[str, str]:
    """Every character that folds, and what it folds to (one or more characters)."""
    table = {chr(c): chr(c).lower() for c in range(ord("A"), ord("Z") + 1)}
    for cp in _LATIN_BLOCKS:
        ch = chr(cp)
        folded = _strip_marks(ch).lower()
        if folded != ch and folded.isascii() and folded.isalpha():
            table[ch] = folded
    for cp in _CASE_ONLY_BLOCKS:
        ch = chr(cp)
        lower = ch.lower()
        if lower != ch and len(lower) == 1:
            table[ch] = lower
    table.update(_EXTRA_SINGLE)
    return table


@cache
def _translation() -> dict[int, str]:
    return {ord(k): v for k, v in fold_table().items()}


def fold(text: str) -> str:
    """The text folded for lookup: lower case, marks off Latin letters, plain apostrophes."""
    return text.translate(_translation())


def sql_fold(text: str | None) -> str | None:
    """`fold` as SQLite calls it (NULL stays NULL)."""
    return None if text is None else fold(text)


def postgresql_function() -> str:
    """The CREATE statement of PostgreSQL's `posture_fold`: the table's multi-character
    folds with `replace` (longest source first: none overlap), then one `translate` for
    the single-character ones."""
    table = fold_table()
    singles = {k: v for k, v in table.items() if len(v) == 1}
    multis = {k: v for k, v in table.items() if len(v) > 1}
    expr = "$1"
    for source, target in sorted(multis.items()):
        expr = f"replace({expr}, {_literal(source)}, {_literal(target)})"
    sources = "".join(singles)
    targets = "".join(singles.values())
    expr = f"translate({expr}, {_literal(sources)}, {_literal(targets)})"
    return (
        f"CREATE OR REPLACE FUNCTION {SQL_FUNCTION}(text) RETURNS text"
        f" LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $fold$ SELECT {expr} $fold$"
    )


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def find(haystack: str, needle: str) -> tuple[int, int] | None:
    """Where the needle is in the haystack, both folded: (start, end) in the haystack's own
    offsets (a letter that folds to two, like ß, still counts as one of the haystack's)."""
    table = _translation()
    folded: list[str] = []
    origin: list[int] = []
    for i, ch in enumerate(haystack):
        piece = table.get(ord(ch), ch)
        folded.append(piece)
        origin.extend([i] * len(piece))
    wanted = fold(needle)
    at = "".join(folded).find(wanted) if wanted else -1
    if at < 0:
        return None
    return origin[at], origin[at + len(wanted) - 1] + 1


def spelling_variants(name: str) -> set[str]:
    """Other ways news writes the name: without its accents ("Turkiye", "Elysee", "Cote
    d'Ivoire", case kept) and with the other apostrophe (straight or typographic); the
    name itself not included."""
    plain = "".join(_unaccented(ch) for ch in name)
    out = {name, plain}
    for form in list(out):
        out |= {form.replace("'", "\u2019"), form.replace("\u2019", "'")}
    out.discard(name)
    return out


def _unaccented(ch: str) -> str:
    if ord(ch) < 0xC0 or ord(ch) in _CASE_ONLY_RANGE:
        return ch
    folded = fold(ch)
    if folded == ch.lower() or not folded.isascii():
        # Only a change of case, or a letter with no plain form: written as it is.
        return ch
    return folded.capitalize() if ch.isupper() else folded
