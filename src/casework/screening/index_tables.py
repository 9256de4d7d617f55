"""One screening index over one set of tables: just built, or mapped from a snapshot.

``TableIndex`` reads nothing but ``Tables`` (numpy arrays, mapped or in memory, and a
few small lists), so an index a process built itself and the same index mapped from a
snapshot by another process answer every search identically. What a process adds of
its own are bounded caches of query words' expansions and cuts.
"""

from __future__ import annotations

import pickle
import zlib
from collections.abc import Iterable, Sequence
from functools import lru_cache

import numpy as np

from casework.screening.arrays import AnyArray, IntArray, OffsetArray, holds, sorted_unique
from casework.screening.entity import Entity
from casework.screening.index_builder import (
    BLOCK_SIZE,
    GENDERS,
    SCHEMAS,
    entity_lookup_key,
)
from casework.screening.normalize import NameForm, fold, memo
from casework.screening.recut import SPLIT_UNLESS_NEAR, Recut, Recutter
from casework.screening.retrieval import Retrieval, Scratch, Unions
from casework.screening.score import Record, date_text
from casework.screening.snapshot import Tables

# Query words whose expansions one index remembers, per kind: a few kilobytes each at
# most, so a process's caches stay within some tens of megabytes however long it runs.
CACHED = 20_000
ENTITY_BLOCKS_KEPT = 256  # blocks of entities kept unpickled (8,192 entities)
WORDS_KEPT = 200_000  # listed words kept decoded (strings only, a few MB)


class TableIndex(Retrieval):
    """The frozen index; read-only and safe to share between threads."""

    def __init__(self, tables: Tables) -> None:
        t, a, meta = tables, tables.arrays, tables.meta
        self.tables = tables
        self.tokens = self.vocab = t.words("tokens")
        self.datasets: list[str] = list(meta["datasets"])
        self.dataset_ids = {name: i for i, name in enumerate(self.datasets)}
        self.topic_bits = {name: i for i, name in enumerate(meta["topics"])}
        self.dataset_topics = [frozenset(topics) for topics in meta["dataset_topics"]]
        self.country_codes: list[str] = list(meta["countries"])
        self.scripts: list[str | None] = list(meta["scripts"])
        self.form_names: list[str] = list(meta["legal_forms"])
        self.identifier_values = t.texts("identifiers")
        self.keys = t.texts("keys")
        self.entities = t.token_map("entities")
        self.name_text = t.texts("name_text")
        self.blocks = t.texts("blocks")
        self.name_entity: IntArray = a["name_entity"]
        self.name_weak: AnyArray = a["name_weak"]
        self.name_tok_off: OffsetArray = a["name_tok_off"]
        self.name_toks: IntArray = a["name_toks"]
        self.first_letters: IntArray = a["first_letters"]
        self.name_script: AnyArray = a["name_script"]
        self.name_form_off: OffsetArray = a["name_form_off"]
        self.name_forms: AnyArray = a["name_forms"]
        self.name_acr_off: OffsetArray = a["name_acr_off"]
        self.name_acrs: IntArray = a["name_acrs"]
        self.ent_name_off: OffsetArray = a["ent_name_off"]
        self.ent_schema: AnyArray = a["ent_schema"]
        self.ent_dataset: AnyArray = a["ent_dataset"]
        self.ent_topics: AnyArray = a["ent_topics"]
        self.ent_gender: AnyArray = a["ent_gender"]
        self.dob_off: OffsetArray = a["dob_off"]
        self.dob: IntArray = a["dob"]
        self.country_off: OffsetArray = a["country_off"]
        self.country: AnyArray = a["country"]
        self.ident_off: OffsetArray = a["ident_off"]
        self.ident: IntArray = a["ident"]
        self.identified = t.token_map("identified")
        self.idf = a["idf"]
        self.name_weight = a["name_weight"]
        self.multi_off, self.multi = a["multi_off"], a["multi"]
        self.single_off, self.single = a["single_off"], a["single"]
        self.acronyms = t.words("acronyms")
        self.acro_off, self.acro = a["acro_off"], a["acro"]
        self.phonetic = t.token_map("phonetic")
        self.skeletons = t.token_map("skeletons")
        self.romanised = t.token_map("romanised")
        self.consonants = t.token_map("consonants")
        self.forms = t.token_map("forms")
        self.deleted = t.token_map("deleted")
        self.ends_hashes = a["ends.hashes"]
        self.ends_offsets = a["ends.offsets"]
        self.ends_tokens = a["ends.tokens"]
        self.ends_spellings = t.texts("ends.spellings")
        self.unions = Unions()
        # A listed name is read for every search that retrieves it: through memoryviews,
        # which hand back Python ints without numpy's per-element cost, and with its
        # words decoded once.
        self._name_rows = (
            self.name_tok_off.data,
            self.name_toks.data,
            self.name_form_off.data,
            self.name_forms.data,
            self.name_acr_off.data,
            self.name_acrs.data,
            self.name_weak.data,
            self.name_script.data,
        )
        self._word = memo(WORDS_KEPT)(self.tokens.__getitem__)
        self.scratch = Scratch(len(self.name_entity))
        # A block is unpickled whole for one entity; the next lookups often want another
        # of the same block (the matches of a batch of screenings, say).
        self._decoded = lru_cache(maxsize=ENTITY_BLOCKS_KEPT)(self._decode)
        self.expand = memo(CACHED)(self._expand)
        self.expand_romanised = memo(CACHED)(self._expand_romanised)
        self.expand_abjad = memo(CACHED)(self._expand_abjad)
        self.multi_names_near = memo(CACHED)(self._multi_names_near)
        self.recutter = Recutter([(self, None)], cached=CACHED)

    def __len__(self) -> int:
        return len(self.keys)

    @property
    def names(self) -> int:
        return len(self.name_entity)

    def recut(self, tokens: tuple[str, ...]) -> list[Recut]:
        return self.recutter.recut(tokens)

    # What cutting a query name asks of the index (``casework.screening.recut.Layer``).

    def listed(self, words: Sequence[str]) -> list[bool]:
        return self.vocab.have(words)

    def folded_listed(self, words: Sequence[str]) -> list[bool]:
        return self.forms.holds(words)

    def near(self, token: str) -> bool:
        near = self.expand(token)
        return bool(near) and near[0][1] > SPLIT_UNLESS_NEAR

    def names_holding(self, word: str) -> IntArray:
        tid = self.vocab.get(word)
        ids = [tid] if tid is not None else sorted(self.forms.get(fold(word)))
        found = [self.multi[self.multi_off[t] : self.multi_off[t + 1]] for t in ids]
        if len(found) == 1:
            return found[0]  # a posting list: sorted, each name once
        return sorted_unique(np.concatenate(found)) if found else np.zeros(0, dtype=np.int32)

    def any_near(self, token: str, names: IntArray) -> bool:
        multi, offsets = self.multi, self.multi_off
        return any(
            holds(multi[offsets[tid] : offsets[tid + 1]], names).any()
            for tid, _ in self.expand(token)
        )

    # The listed entities' details.

    def identifier_entities(self, value: str) -> list[int]:
        return sorted(self.identified.get(value))

    def name_form(self, nid: int) -> NameForm:
        tok_off, toks, form_off, forms, acr_off, acrs, weak, script = self._name_rows
        word = self._word
        form_at, form_end = form_off[nid], form_off[nid + 1]
        acr_at, acr_end = acr_off[nid], acr_off[nid + 1]
        return NameForm(
            original=self.name_text[nid],
            tokens=tuple([word(t) for t in toks[tok_off[nid] : tok_off[nid + 1]]]),
            legal_forms=tuple([self.form_names[c] for c in forms[form_at:form_end]])
            if form_end > form_at
            else (),
            weak=bool(weak[nid]),
            acronyms=tuple([self.acronyms[t] for t in acrs[acr_at:acr_end]])
            if acr_end > acr_at
            else (),
            script=self.scripts[script[nid]],
        )

    def entity_name_ids(self, eid: int) -> range:
        return range(int(self.ent_name_off[eid]), int(self.ent_name_off[eid + 1]))

    def record(self, eid: int, name_ids: Iterable[int], like: Record | None = None) -> Record:
        """What the scorer needs of a listed entity, with the given ones of its names.

        Given the query (``like``), only what the query has too is read: a date of birth
        is only compared with a date of birth.
        """
        names = [self.name_form(nid) for nid in name_ids]
        schema = SCHEMAS[int(self.ent_schema[eid])]
        if like is not None and not (
            like.birth_dates or like.countries or like.gender or like.identifiers
        ):
            return Record(schema=schema, names=names)
        dobs = self.dob[self.dob_off[eid] : self.dob_off[eid + 1]].tolist()
        countries = self.country[self.country_off[eid] : self.country_off[eid + 1]].tolist()
        idents = self.ident[self.ident_off[eid] : self.ident_off[eid + 1]].tolist()
        return Record(
            schema=schema,
            names=names,
            birth_dates=tuple(date_text(c) for c in dobs),
            countries=frozenset(self.country_codes[c] for c in countries),
            gender=GENDERS[int(self.ent_gender[eid])],
            identifiers=frozenset(self.identifier_values[i] for i in idents),
        )

    def entity_id(self, dataset: str, key: str) -> int | None:
        ds = self.dataset_ids.get(dataset)
        if ds is None:
            return None
        for eid in self.entities.ids_of(entity_lookup_key(dataset, key)):
            if self.keys[eid] == key and int(self.ent_dataset[eid]) == ds:
                return eid
        return None

    def entity(self, eid: int) -> Entity:
        """The listed entity, shared with every other caller: read it, never change it."""
        return self._decoded(eid // BLOCK_SIZE)[eid % BLOCK_SIZE]

    def _decode(self, block: int) -> list[Entity]:
        entities: list[Entity] = pickle.loads(zlib.decompress(self.blocks.raw(block)))  # noqa: S301
        return entities
