"""Given names and their short forms: "Bill" is William, "Peggy" is Margaret.

The table is the ``nicknames`` package's hand-curated list of English given names and
their nicknames (Apache-2.0, https://github.com/carltonnorthern/nicknames), read once.
Only a name and its own short forms are equivalent, never two names that share a
nickname ("Al" is short for Albert and for Alfred, which are not one name). Forms of two
letters are left out: "Al", "Ed" and "Di" are also particles and initials of other names.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from functools import cache
from importlib import resources

MIN_LENGTH = 3


@cache
def _table() -> tuple[dict[str, frozenset[str]], frozenset[str]]:
    linked: dict[str, set[str]] = defaultdict(set)
    given: set[str] = set()
    text = resources.files("nicknames").joinpath("names.csv").read_text(encoding="utf-8")
    for row in csv.DictReader(text.splitlines()):
        name, nickname = row["name1"].strip().lower(), row["name2"].strip().lower()
        if row["relationship"] != "has_nickname" or not name.isalpha():
            continue
        given.add(name)
        if len(name) >= MIN_LENGTH and len(nickname) >= MIN_LENGTH and nickname.isalpha():
            linked[name].add(nickname)
            linked[nickname].add(name)
    return {k: frozenset(v) for k, v in linked.items()}, frozenset(given)


def short_forms(token: str) -> frozenset[str]:
    """The names this one is a short form of, and its own short forms."""
    return _table()[0].get(token, frozenset())


def same_given_name(a: str, b: str) -> bool:
    return b in short_forms(a)


def is_given_name(token: str) -> bool:
    """Whether the token is a common (English) given name in its full form."""
    return token in _table()[1]
