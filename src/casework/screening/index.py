"""The candidate index: which listed names could match a query at all.

Screening a name against a million entities cannot score every one in detail, so the
index narrows the field cheaply. It works on the vocabulary of name tokens:

* each token of a query is expanded to the listed tokens it could stand for: itself,
  tokens one edit away (through deletion variants, so "vladmir" finds "vladimir"),
  tokens that sound alike (same phonetic key) and, for vowelless transliterations of
  abjad scripts, tokens with the same consonants;
* every listed token has a posting list of the names that contain it, kept as one
  sorted ``int32`` array per token inside a single array (compressed-row layout);
* a listed name is a candidate when it shares enough expanded tokens with the query:
  two, or half of a long query, since one shared word never makes a match on its own
  (names of one distinctive word have their own postings, so "HAMAS" is still found);
* candidates are ranked by a weighted overlap in which rare tokens count more (inverse
  document frequency) and only the best are passed on to the detailed scorer;
* a query whose words are run together ("VladimirPutin") or broken up ("Ser Gei Sho
  Igu") is also looked up cut into listed words differently (``recut``), since words
  are looked up one by one.

Identifiers are indexed by normalised value. Everything else the scorer needs (dates,
countries, gender) is held in compact arrays, and whole entities are kept pickled and
compressed in small blocks, so a million entities fit in well under 2 GB.

The index is made of numpy arrays only (``Tables``), built once (``IndexBuilder``,
``casework.screening.index_builder``) and written as a snapshot that every process maps
(``casework.screening.snapshot``, ``casework.screening.index_store``). The parts:

* ``TableIndex`` (``index_tables``): one set of tables, with ``retrieval`` (expansion
  and ranking, merging posting lists through ``postings``, compiled where it could be
  built) and ``recut`` (other cuts of a query name);
* ``LayeredIndex`` (``layered``): a base index with a small overlay of the entities a
  few new list versions added or changed, the base's removed ones masked.

``Index`` is what a search reads of either.
"""

from __future__ import annotations

from collections.abc import Container, Iterable
from typing import Protocol

from casework.screening.arrays import AnyArray, IntArray
from casework.screening.entity import Entity
from casework.screening.index_builder import GENDERS, SCHEMAS, TableBuilder
from casework.screening.index_tables import TableIndex
from casework.screening.normalize import NameForm
from casework.screening.recut import Recut
from casework.screening.retrieval import Allowed, Candidates, Reading, Readings
from casework.screening.score import Record

__all__ = [
    "GENDERS",
    "SCHEMAS",
    "Allowed",
    "Candidates",
    "Index",
    "IndexBuilder",
    "Readings",
    "Recut",
    "TableIndex",
]


class TextSequence(Protocol):
    def __len__(self) -> int: ...

    def __getitem__(self, i: int, /) -> str: ...


class Index(Protocol):
    """What a search reads of an index: ``TableIndex`` or ``LayeredIndex``.

    Entity and name ids are positions in the arrays given here; ``allowed`` callbacks
    get entity ids and say which a search may return.
    """

    @property
    def datasets(self) -> list[str]: ...
    @property
    def dataset_ids(self) -> dict[str, int]: ...
    @property
    def topic_bits(self) -> dict[str, int]: ...
    @property
    def dataset_topics(self) -> list[frozenset[str]]: ...
    @property
    def keys(self) -> TextSequence: ...
    @property
    def vocab(self) -> Container[str]: ...
    @property
    def name_entity(self) -> IntArray: ...
    @property
    def ent_schema(self) -> AnyArray: ...
    @property
    def ent_dataset(self) -> AnyArray: ...
    @property
    def ent_topics(self) -> AnyArray: ...

    def __len__(self) -> int: ...

    def retrieve(
        self, tokens: tuple[str, ...], allowed: Allowed, limit: int, reading: Reading = None
    ) -> Candidates: ...

    def retrieve_at(
        self, tokens: tuple[str, ...], allowed: Allowed, limits: list[int], reading: Reading = None
    ) -> list[Candidates]: ...

    def one_word_names(self, token: str, allowed: Allowed, limit: int) -> Candidates: ...

    def initialled_names(
        self, words: list[str], letters: str, allowed: Allowed, limit: int
    ) -> Candidates: ...

    def romanised_word(self, token: str) -> bool: ...

    def shared_enough(self, tokens: tuple[str, ...]) -> bool: ...

    def recut(self, tokens: tuple[str, ...]) -> list[Recut]: ...

    def identifier_entities(self, value: str) -> list[int]: ...

    def name_form(self, nid: int) -> NameForm: ...

    def entity_name_ids(self, eid: int) -> range: ...

    def record(self, eid: int, name_ids: Iterable[int], like: Record | None = None) -> Record: ...

    def entity_id(self, dataset: str, key: str) -> int | None: ...

    def entity(self, eid: int) -> Entity: ...


class IndexBuilder(TableBuilder):
    """Collects entities (``add``); ``build`` freezes them into an index in memory."""

    def build(self) -> TableIndex:
        return TableIndex(self.freeze())
