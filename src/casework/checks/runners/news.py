"""Adverse media from a news source, alongside the watchlists ADVERSE_MEDIA screens.

A provider finds articles about a subject; each article the check keeps becomes a
FoundMatch like a listed entity, so analysts decide it and the check rolls it up the
same way (the screening runner converts them). This module holds only the interface:
a real provider (with its HTTP client) lives in its own module and is named by dotted
path in the settings, for example ``mynews.provider:NewsApiProvider``.
"""

from __future__ import annotations

import hashlib
import importlib
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import TYPE_CHECKING, Protocol, cast

if TYPE_CHECKING:
    # A provider is handed a subject to search for; the screening runner, which hands
    # it over, builds on this module.
    from casework.checks.runners.screening import Subject

SCHEMA = "Article"  # the FollowTheMoney schema of a news article
SNIPPET_CHARS = 1_000  # of the article's text kept in a match's explanation
_DATASET_CHARS = 63  # ScreeningMatch.dataset


@dataclass(frozen=True)
class Article:
    """One news article a provider found about a subject."""

    url: str
    title: str
    source: str  # the publisher, e.g. "Financial Times"
    published: date | None
    snippet: str = ""
    categories: tuple[str, ...] = ()  # topics such as "crime.fraud", "reg.action"
    relevance: float = 0.0  # how sure the provider is the article is about the subject, 0..1

    def __post_init__(self) -> None:
        if not self.url.strip():
            raise ValueError("an article needs a url")
        if not 0.0 <= self.relevance <= 1.0:
            raise ValueError(f"relevance must be between 0 and 1, not {self.relevance}")


class NewsUnavailable(Exception):
    """The news source cannot be searched now (down, timed out, refused); try again later."""


class NewsProvider(Protocol):
    """A news source to search for adverse media about a subject.

    One provider serves every check of the process, possibly from several threads.
    """

    name: str  # short and stable: matches are stored under the dataset "news:<name>"

    def search(self, subject: Subject, *, since: date | None) -> list[Article]:
        """Articles about ``subject`` (published on or after ``since``, if given).

        Raises NewsUnavailable when the source cannot answer.
        """
        ...


def dataset_name(provider_name: str) -> str:
    """The dataset a provider's matches are stored under."""
    dataset = f"news:{provider_name}"
    if not provider_name or len(dataset) > _DATASET_CHARS:
        raise ValueError(
            f"a news provider's name must be 1 to {_DATASET_CHARS - 5} characters, "
            f"not {provider_name!r}"
        )
    return dataset


def article_key(url: str) -> str:
    """A stable key for an article: the SHA-256 of its url."""
    return hashlib.sha256(url.strip().encode("utf-8")).hexdigest()


def load_provider(path: str | None) -> NewsProvider | None:
    """The provider a deployment names as ``package.module:attr``, or None if unset.

    ``attr`` is a class or a factory, called with no arguments. The provider is made
    once per process and shared. Raises ValueError when the path does not give one.
    """
    if path is None or not path.strip():
        return None
    return _load(path.strip())


@cache
def _load(path: str) -> NewsProvider:
    module_name, colon, attr = path.partition(":")
    if not colon or not module_name or not attr:
        raise ValueError(f"news provider {path!r}: expected 'package.module:attr'")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise ValueError(f"news provider {path!r}: cannot import {module_name}: {exc}") from exc
    target = getattr(module, attr, None)
    if target is None:
        raise ValueError(f"news provider {path!r}: {module_name} has no {attr}")
    if not callable(target):
        raise ValueError(f"news provider {path!r}: {attr} is not a class or factory")
    try:
        provider = target()
    except Exception as exc:
        raise ValueError(f"news provider {path!r}: could not be created: {exc}") from exc
    name = getattr(provider, "name", None)
    if not isinstance(name, str) or not callable(getattr(provider, "search", None)):
        raise ValueError(f"news provider {path!r}: needs a str name and a search method")
    try:
        dataset_name(name)
    except ValueError as exc:
        raise ValueError(f"news provider {path!r}: {exc}") from exc
    return cast(NewsProvider, provider)
