"""Building the screening index's tables from entities (see ``casework.screening.index``).

``TableBuilder`` collects entities in compact growable arrays and ``freeze`` turns them
into ``Tables``: every array a search reads, lookups included, so that an index mapped
from a snapshot needs no work before its first search. What is derived here (posting
lists, inverse document frequencies, spelling-variant maps) is derived once, by the
process that builds, and never again by the processes that map it.
"""

from __future__ import annotations

import pickle
import zlib
from array import array
from collections import defaultdict
from collections.abc import Mapping
from typing import Any

import numpy as np

from casework.screening.arrays import (
    IntArray,
    OffsetArray,
    TextsBuilder,
    TokenMap,
    Words,
    csr,
    frozen,
    stable_hash,
    stable_hashes,
    texts_of,
)
from casework.screening.entity import Entity, Schema
from casework.screening.normalize import (
    deletions,
    entity_names,
    fold,
    normalize_identifier,
    phonetic_key,
    retrieval_tokens,
    skeleton,
)
from casework.screening.romanisation import chinese_keys, korean_keys
from casework.screening.score import date_code
from casework.screening.similarity import abjad_key
from casework.screening.snapshot import Tables

BLOCK_SIZE = 32  # entities pickled and compressed together
LONG = 6  # folded tokens from this length are also looked up two edits away
SCHEMAS = list(Schema)
GENDERS = [None, "male", "female"]


def entity_lookup_key(dataset: str, key: str) -> str:
    return f"{dataset}\x00{key}"


def ends_keys(folded: str) -> tuple[str, str]:
    """The groups a long folded token is found in: its first and its last three letters."""
    return f"<{folded[:3]}", f">{folded[-3:]}"


class TableBuilder:
    """Collects entities in compact growable arrays; ``freeze`` makes them Tables.

    ``like`` is the ``meta`` of another index whose dataset and topic numbering this one
    must share (an overlay on it: see ``casework.screening.layered``).
    """

    def __init__(self, like: Mapping[str, Any] | None = None) -> None:
        self.vocab: dict[str, int] = {}
        self.datasets: dict[str, int] = {}
        self.topics: dict[str, int] = {}
        self.dataset_topics: list[set[str]] = []
        if like is not None:
            self.datasets = {name: i for i, name in enumerate(like["datasets"])}
            self.topics = {name: i for i, name in enumerate(like["topics"])}
            self.dataset_topics = [set() for _ in self.datasets]
        self.countries: dict[str, int] = {}
        self.identifiers: dict[str, int] = {}
        self.keys = TextsBuilder()
        self.lookup: dict[int, set[str]] = defaultdict(set)
        self.post_token = array("i")
        self.post_name = array("i")
        self.name_entity = array("i")
        self.name_weak = array("b")
        self.name_tok_off = array("q", [0])
        self.name_toks = array("i")
        self.name_text = TextsBuilder()
        # What the scorer needs of a name besides its words: its legal forms, acronyms
        # and script (see ``NameForm``).
        self.scripts: dict[str | None, int] = {None: 0}
        self.name_script = array("b")
        self.form_codes: dict[str, int] = {}
        self.name_form_off = array("q", [0])
        self.name_forms = array("h")
        self.acronyms: dict[str, int] = {}  # a vocabulary of their own: only looked up whole
        self.name_acr_off = array("q", [0])
        self.name_acrs = array("i")
        self.ent_name_off = array("q", [0])
        self.ent_schema = array("b")
        self.ent_dataset = array("h")
        self.ent_topics = array("q")
        self.ent_gender = array("b")
        self.dob_off = array("q", [0])
        self.dob = array("i")
        self.country_off = array("q", [0])
        self.country = array("h")
        self.ident_off = array("q", [0])
        self.ident = array("i")
        self.blocks = TextsBuilder()
        self._pending: list[Entity] = []
        self._entity_hashes = array("q")  # of each entity's dataset and key

    def _token(self, tok: str) -> int:
        tid = self.vocab.get(tok)
        if tid is None:
            tid = self.vocab[tok] = len(self.vocab)
        return tid

    def add(self, dataset: str, entity: Entity) -> None:
        eid = len(self.keys)
        ds = self.datasets.setdefault(dataset, len(self.datasets))
        if ds == len(self.dataset_topics):
            self.dataset_topics.append(set())
        self.dataset_topics[ds].update(entity.topics)
        if entity.key in self.lookup[ds]:
            raise ValueError(f"duplicate entity key {entity.key!r} in dataset {dataset!r}")
        self.lookup[ds].add(entity.key)
        self._entity_hashes.append(stable_hash(entity_lookup_key(dataset, entity.key)))
        self.keys.append(entity.key)
        for form in entity_names(entity):
            nid = len(self.name_entity)
            self.name_entity.append(eid)
            self.name_weak.append(1 if form.weak else 0)
            self.name_text.append(form.original)
            for tok in form.tokens:
                self.name_toks.append(self._token(tok))
            self.name_tok_off.append(len(self.name_toks))
            self.name_script.append(self.scripts.setdefault(form.script, len(self.scripts)))
            for code in form.legal_forms:
                self.name_forms.append(self.form_codes.setdefault(code, len(self.form_codes)))
            self.name_form_off.append(len(self.name_forms))
            for acronym in form.acronyms:
                self.name_acrs.append(self.acronyms.setdefault(acronym, len(self.acronyms)))
            self.name_acr_off.append(len(self.name_acrs))
            for tok in dict.fromkeys(retrieval_tokens(form.tokens)):
                self.post_token.append(self.vocab[tok])
                self.post_name.append(nid)
        self.ent_name_off.append(len(self.name_entity))
        self.ent_schema.append(SCHEMAS.index(entity.schema))
        self.ent_dataset.append(ds)
        bits = 0
        for topic in entity.topics:
            bit = self.topics.setdefault(topic, len(self.topics))
            if bit < 63:
                bits |= 1 << bit
        self.ent_topics.append(bits)
        self.ent_gender.append(GENDERS.index(entity.gender if entity.gender in GENDERS else None))
        for date in sorted(set(entity.birth_dates)):
            day = date_code(date)
            if day:
                self.dob.append(day)
        self.dob_off.append(len(self.dob))
        for country in sorted(set(entity.countries) | set(entity.nationalities)):
            self.country.append(self.countries.setdefault(country, len(self.countries)))
        self.country_off.append(len(self.country))
        for ident in entity.identifiers:
            value = normalize_identifier(ident.value)
            if value is None:
                continue
            iid = self.identifiers.setdefault(value, len(self.identifiers))
            if iid not in self.ident[self.ident_off[-1] :]:
                self.ident.append(iid)
        self.ident_off.append(len(self.ident))
        self._pending.append(entity)
        if len(self._pending) == BLOCK_SIZE:
            self._flush()

    def _flush(self) -> None:
        if self._pending:
            self.blocks.append(zlib.compress(pickle.dumps(self._pending, protocol=5), 1))
            self._pending = []

    def freeze(self) -> Tables:
        """Every table of the index, the derived ones included."""
        self._flush()
        tokens = list(self.vocab)
        t = Tables(
            arrays={},
            meta={
                "datasets": list(self.datasets),
                "topics": list(self.topics),
                "dataset_topics": [sorted(topics) for topics in self.dataset_topics],
                "countries": list(self.countries),
                "scripts": list(self.scripts),
                "legal_forms": list(self.form_codes),
            },
        )
        a = t.arrays
        t.put_words("tokens", Words.of(tokens))
        t.put_texts("keys", self.keys.freeze())
        t.put_texts("name_text", self.name_text.freeze())
        t.put_texts("blocks", self.blocks.freeze())
        t.put_words("acronyms", Words.of(list(self.acronyms)))
        identifiers = list(self.identifiers)
        t.put_texts("identifiers", texts_of(identifiers))
        hashes = frozen(self._entity_hashes, np.int64)
        order = np.argsort(hashes, kind="stable")
        t.put_map("entities", TokenMap(hashes[order], order.astype(np.int32)))

        a["name_entity"] = frozen(self.name_entity, np.int32)
        a["name_weak"] = frozen(self.name_weak, np.int8)
        a["name_tok_off"], a["name_toks"] = csr(self.name_tok_off, self.name_toks, np.int32)
        a["first_letters"] = np.array([ord(w[0]) if w else 0 for w in tokens], dtype=np.int32)
        a["name_script"] = frozen(self.name_script, np.int8)
        a["name_form_off"], a["name_forms"] = csr(self.name_form_off, self.name_forms, np.int16)
        a["name_acr_off"], a["name_acrs"] = csr(self.name_acr_off, self.name_acrs, np.int32)
        a["ent_name_off"] = frozen(self.ent_name_off, np.int64)
        a["ent_schema"] = frozen(self.ent_schema, np.int8)
        a["ent_dataset"] = frozen(self.ent_dataset, np.int16)
        a["ent_topics"] = frozen(self.ent_topics, np.int64)
        a["ent_gender"] = frozen(self.ent_gender, np.int8)
        a["dob_off"], a["dob"] = csr(self.dob_off, self.dob, np.int32)
        a["country_off"], a["country"] = csr(self.country_off, self.country, np.int16)
        a["ident_off"], a["ident"] = csr(self.ident_off, self.ident, np.int32)
        owners = np.repeat(np.arange(len(self.ent_schema)), np.diff(a["ident_off"]))
        t.put_map(
            "identified",
            TokenMap.of(
                (identifiers[int(i)], int(e)) for i, e in zip(a["ident"], owners, strict=True)
            ),
        )
        self._freeze_postings(t, len(tokens))
        self._freeze_spellings(t, tokens)
        return t

    def _freeze_postings(self, t: Tables, n_tokens: int) -> None:
        """Posting lists of names with several retrieval words and of those with one,
        weighted by inverse document frequency, and the names by their acronyms."""
        a = t.arrays
        n_names = len(self.name_entity)
        post_token = np.frombuffer(self.post_token, dtype=np.int32)
        post_name = np.frombuffer(self.post_name, dtype=np.int32)
        per_name = np.bincount(post_name, minlength=n_names)
        single = per_name[post_name] == 1
        df = np.bincount(post_token, minlength=n_tokens).astype(np.float64)
        a["idf"] = idf = np.log1p(max(n_names, 1) / np.maximum(df, 1.0)).astype(np.float32)
        a["name_weight"] = np.bincount(
            post_name, weights=idf[post_token], minlength=n_names
        ).astype(np.float32)
        a["multi_off"], a["multi"] = _postings(post_token[~single], post_name[~single], n_tokens)
        a["single_off"], a["single"] = _postings(post_token[single], post_name[single], n_tokens)
        acronym_owners = np.repeat(
            np.arange(n_names, dtype=np.int32), np.diff(a["name_acr_off"]).astype(np.int64)
        )
        a["acro_off"], a["acro"] = _postings(a["name_acrs"], acronym_owners, len(self.acronyms))
        a["indexed"] = np.nonzero(np.bincount(post_token, minlength=n_tokens))[0].astype(np.int32)

    def _freeze_spellings(self, t: Tables, tokens: list[str]) -> None:
        """The maps from a spelling key to the indexed tokens that have it: phonetic
        keys, consonant skeletons, romanisations, folded forms, deletion variants, and
        the groups of long tokens by their first and last letters."""
        words = [(tokens[int(i)], int(i)) for i in t.arrays["indexed"]]
        t.put_map("phonetic", TokenMap.of((phonetic_key(w), i) for w, i in words))
        t.put_map("skeletons", TokenMap.of((skeleton(w), i) for w, i in words))
        t.put_map(
            "romanised",
            TokenMap.of(
                (f"{kind}:{key}", i)
                for w, i in words
                for kind, keys in (("c", chinese_keys(w)), ("k", korean_keys(w)))
                for key in keys
            ),
        )
        t.put_map(
            "consonants", TokenMap.of((key, i) for w, i in words if len(key := abjad_key(w)) >= 2)
        )
        t.put_map("forms", TokenMap.of((f, i) for w, i in words for f in {w, fold(w)}))
        t.put_map(
            "deleted",
            TokenMap.of(
                (d, i) for w, i in words for f in {w, fold(w)} if len(f) >= 4 for d in deletions(f)
            ),
        )
        ends: dict[str, list[tuple[str, int]]] = defaultdict(list)
        for w, i in words:
            f = fold(w)
            if len(f) >= LONG:
                for key in ends_keys(f):
                    ends[key].append((f, i))
        keys = list(ends)
        hashes = stable_hashes(keys)
        order = np.argsort(hashes, kind="stable")
        groups = [ends[keys[int(k)]] for k in order]
        sizes = np.array([len(g) for g in groups], dtype=np.int64)
        offsets = np.zeros(len(groups) + 1, dtype=np.int64)
        np.cumsum(sizes, out=offsets[1:])
        t.arrays["ends.hashes"] = hashes[order]
        t.arrays["ends.offsets"] = offsets
        t.arrays["ends.tokens"] = np.array([i for g in groups for _, i in g], dtype=np.int32)
        t.put_texts("ends.spellings", texts_of(f for g in groups for f, _ in g))


def _postings(tokens: IntArray, names: IntArray, words: int) -> tuple[OffsetArray, IntArray]:
    order = np.lexsort((names, tokens))
    counts = np.bincount(tokens, minlength=words)
    offsets = np.zeros(words + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    return offsets, names[order].astype(np.int32)
