"""A base index and an overlay: new list versions that change little, without a rebuild.

Rebuilding the index for a million entities takes the better part of a minute; a new
version of one list usually adds, changes or removes a few hundred. Such versions are
applied as an overlay: a small index of the entities added or changed since the base
was built (``overlay_tables``, numbered like the base: the same dataset and topic ids),
and the base's entities that were removed or replaced since, masked. A search asks
both and merges; entity and name ids of the overlay follow the base's, so the rest of a
search (``casework.screening.engine``) sees one index. Each further version makes a new
overlay on the same base, holding every change since the base; once that is more than
a small share of the base, the index is rebuilt in full (``index_store``).

What a search over a base and an overlay returns, against a full rebuild of the same
lists:

* an entity added, changed or removed is found, or not, exactly as with a rebuild:
  removed and replaced entities are masked before any ranking cut, and the overlay
  holds every added and changed one;
* scores and explanations of a match are the same, since the detailed score depends
  only on the query and the one entity compared (``casework.screening.score``);
* which names reach the scorer may differ a little. Each layer ranks its candidates by
  its own inverse document frequencies (the base's are those of the base's names,
  removed ones included; the overlay's those of its few names), and each hands on its
  own best ``limit``: so up to twice as many candidates are scored, and an entity that
  ranked just inside or outside a rebuild's cut may be found where a rebuild would not,
  or rarely the reverse. Words only removed entities had stay in the base's vocabulary
  until the rebuild: a query word may still be expanded to or cut into them, but they
  never bring back a removed entity. A dataset's topics are those its entities had in
  the base or have in the overlay.

All of it is deterministic: the same base, overlay and query give the same answer in
every process.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from casework.screening.arrays import AnyArray, BoolArray, IntArray, holds
from casework.screening.entity import Entity
from casework.screening.index_builder import TableBuilder
from casework.screening.index_tables import CACHED, TableIndex
from casework.screening.normalize import NameForm
from casework.screening.recut import Recut, Recutter
from casework.screening.retrieval import Allowed, Candidates, Reading
from casework.screening.score import Record
from casework.screening.snapshot import Tables

REMOVED = "removed"  # the overlay's table of the base entities it masks


def overlay_tables(
    base: TableIndex, added: Iterable[tuple[str, Entity]], removed: Iterable[tuple[str, str]]
) -> Tables:
    """The overlay on ``base`` for these (dataset, entity) added or changed and these
    (dataset, key) removed; a base entity with the key of an added one is replaced."""
    builder = TableBuilder(like=base.tables.meta)
    gone = set(removed)
    for dataset, entity in added:
        builder.add(dataset, entity)
        gone.add((dataset, entity.key))
    tables = builder.freeze()
    eids = {base.entity_id(dataset, key) for dataset, key in gone}
    tables.arrays[REMOVED] = np.array(sorted(e for e in eids if e is not None), dtype=np.int32)
    return tables


class _JoinedTexts:
    def __init__(self, first: TableIndex, second: TableIndex) -> None:
        self.first, self.second, self.split = first.keys, second.keys, len(first)

    def __len__(self) -> int:
        return len(self.first) + len(self.second)

    def __getitem__(self, i: int) -> str:
        return self.first[i] if i < self.split else self.second[i - self.split]


class _JoinedVocabulary:
    def __init__(self, first: TableIndex, second: TableIndex) -> None:
        self.first, self.second = first.vocab, second.vocab

    def __contains__(self, word: object) -> bool:
        return word in self.first or word in self.second


class LayeredIndex:
    """``base`` with ``overlay`` on it: overlay entity ids follow the base's (an overlay
    entity ``e`` is ``len(base) + e``), and so do name ids."""

    def __init__(self, base: TableIndex, overlay: TableIndex, removed: IntArray) -> None:
        self.base, self.overlay = base, overlay
        self.removed = np.unique(np.asarray(removed, dtype=np.int32))
        self.entities, self.names = len(base), base.names  # where the overlay's ids begin
        self.datasets = overlay.datasets  # the base's, and any new ones after them
        self.dataset_ids = overlay.dataset_ids
        self.topic_bits = overlay.topic_bits
        self.dataset_topics = [
            topics | (base.dataset_topics[i] if i < len(base.dataset_topics) else frozenset())
            for i, topics in enumerate(overlay.dataset_topics)
        ]
        self.keys = _JoinedTexts(base, overlay)
        self.vocab = _JoinedVocabulary(base, overlay)
        # Small arrays of their own (some 16 MB at a million entities): a search's
        # filter reads them by entity id across both layers.
        self.name_entity: IntArray = np.concatenate(
            [base.name_entity, overlay.name_entity + np.int32(self.entities)]
        )
        self.ent_schema = self._joined(base.ent_schema, overlay.ent_schema)
        self.ent_dataset = self._joined(base.ent_dataset, overlay.ent_dataset)
        self.ent_topics = self._joined(base.ent_topics, overlay.ent_topics)
        self.recutter = Recutter([(base, self.alive), (overlay, None)], cached=CACHED)

    @staticmethod
    def _joined(first: AnyArray, second: AnyArray) -> AnyArray:
        return np.concatenate([first, second.astype(first.dtype)])

    def __len__(self) -> int:
        return self.entities - len(self.removed) + len(self.overlay)

    def alive(self, eids: IntArray) -> BoolArray:
        """Which of these base entities are still listed."""
        found: BoolArray = ~holds(self.removed, eids)
        return found

    def _in_base(self, allowed: Allowed) -> Allowed:
        return lambda eids: allowed(eids) & self.alive(eids)

    def _in_overlay(self, allowed: Allowed) -> Allowed:
        return lambda eids: allowed(eids + np.int32(self.entities))

    def _merged(self, base: Candidates, overlay: Candidates) -> Candidates:
        """Both layers' candidates, best first (ties by id), each layer's ids shifted."""
        if not len(overlay.names):
            return base
        shifted = overlay.names + np.int32(self.names)
        if not len(base.names):
            return Candidates(shifted, overlay.scores)
        names = np.concatenate([base.names, shifted])
        scores = np.concatenate([base.scores, overlay.scores])
        order = np.lexsort((names, -scores))
        return Candidates(names[order], scores[order])

    def retrieve(
        self, tokens: tuple[str, ...], allowed: Allowed, limit: int, reading: Reading = None
    ) -> Candidates:
        return self._merged(
            self.base.retrieve(tokens, self._in_base(allowed), limit, reading),
            self.overlay.retrieve(tokens, self._in_overlay(allowed), limit, reading),
        )

    def retrieve_at(
        self, tokens: tuple[str, ...], allowed: Allowed, limits: list[int], reading: Reading = None
    ) -> list[Candidates]:
        base = self.base.retrieve_at(tokens, self._in_base(allowed), limits, reading)
        overlay = self.overlay.retrieve_at(tokens, self._in_overlay(allowed), limits, reading)
        return [self._merged(b, o) for b, o in zip(base, overlay, strict=True)]

    def one_word_names(self, token: str, allowed: Allowed, limit: int) -> Candidates:
        return self._merged(
            self.base.one_word_names(token, self._in_base(allowed), limit),
            self.overlay.one_word_names(token, self._in_overlay(allowed), limit),
        )

    def initialled_names(
        self, words: list[str], letters: str, allowed: Allowed, limit: int
    ) -> Candidates:
        return self._merged(
            self.base.initialled_names(words, letters, self._in_base(allowed), limit),
            self.overlay.initialled_names(words, letters, self._in_overlay(allowed), limit),
        )

    def romanised_word(self, token: str) -> bool:
        return self.base.romanised_word(token) or self.overlay.romanised_word(token)

    def shared_enough(self, tokens: tuple[str, ...]) -> bool:
        return self.base.shared_enough(tokens, self.alive) or self.overlay.shared_enough(tokens)

    def recut(self, tokens: tuple[str, ...]) -> list[Recut]:
        return self.recutter.recut(tokens)

    def identifier_entities(self, value: str) -> list[int]:
        found = np.array(self.base.identifier_entities(value), dtype=np.int32)
        listed: list[int] = found[self.alive(found)].tolist()
        return listed + [e + self.entities for e in self.overlay.identifier_entities(value)]

    def name_form(self, nid: int) -> NameForm:
        if nid < self.names:
            return self.base.name_form(nid)
        return self.overlay.name_form(nid - self.names)

    def entity_name_ids(self, eid: int) -> range:
        if eid < self.entities:
            return self.base.entity_name_ids(eid)
        found = self.overlay.entity_name_ids(eid - self.entities)
        return range(found.start + self.names, found.stop + self.names)

    def record(self, eid: int, name_ids: Iterable[int], like: Record | None = None) -> Record:
        if eid < self.entities:
            return self.base.record(eid, name_ids, like)
        names = [nid - self.names for nid in name_ids]
        return self.overlay.record(eid - self.entities, names, like)

    def entity_id(self, dataset: str, key: str) -> int | None:
        eid = self.overlay.entity_id(dataset, key)
        if eid is not None:
            return eid + self.entities
        eid = self.base.entity_id(dataset, key)
        if eid is None or not self.alive(np.array([eid], dtype=np.int32))[0]:
            return None
        return eid

    def entity(self, eid: int) -> Entity:
        if eid < self.entities:
            return self.base.entity(eid)
        return self.overlay.entity(eid - self.entities)
