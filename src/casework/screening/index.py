"""The in-process candidate index: which listed names could match a query at all.

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
  Igu") is also looked up cut into listed words differently (``Index.recut``), since
  words are looked up one by one.

Identifiers are indexed by normalised value. Everything else the scorer needs (dates,
countries, gender) is held in compact arrays, and whole entities are kept pickled and
compressed in small blocks, so a million entities fit in well under 2 GB.
"""

from __future__ import annotations

import math
import pickle
import zlib
from array import array
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise

import numpy as np
import numpy.typing as npt
from rapidfuzz import process
from rapidfuzz.distance import OSA

from casework.screening.arrays import (
    BoolArray,
    FloatArray,
    IntArray,
    OffsetArray,
    Texts,
    TokenMap,
    csr,
    frozen,
    holds,
)
from casework.screening.entity import Entity, Schema
from casework.screening.given_names import full_forms
from casework.screening.normalize import (
    HONORIFICS,
    LEGAL_FORMS,
    RETRIEVAL_WEIGHT,
    VESSEL_PREFIXES,
    NameForm,
    deletions,
    entity_names,
    fold,
    has_vowel,
    memo,
    normalize_identifier,
    phonetic_key,
    retrieval_tokens,
    skeleton,
    token_weight,
)
from casework.screening.numbers import SCALES
from casework.screening.numbers import SMALL as NUMBER_WORDS
from casework.screening.romanisation import chinese_keys, korean_keys
from casework.screening.score import Record, date_code, date_text, token_sim
from casework.screening.similarity import FOLDED_SIM, abjad_key, abjad_sim

Allowed = Callable[[IntArray], BoolArray]  # which of these entities a search may return


@dataclass(frozen=True, slots=True)
class Readings:
    """Expansions a query name's language or script adds: romanisations of a Chinese or
    Korean name, consonants of a name written in Arabic or Hebrew script."""

    romanised: bool = False
    abjad: bool = False


Reading = Readings | None

BLOCK_SIZE = 32
# Cutting a query name into words differently (``Index.recut``).
MIN_PART = 2  # letters in each word a written-together word is split into
CUTS_TRIED = 200  # cuts of one word into as many words, at most, checked against names
MAX_PARTS = 5  # words joined into one, or one split into
SPLIT_FROM, SPLIT_UP_TO = 5, 40  # lengths of the unknown words that are split
SPLIT_UNLESS_NEAR = 0.8  # a word more similar to a listed one is another spelling of it
MIN_JOINED = 4  # letters of a word made by joining
SHORT = 4  # two words, one of them this short or shorter, are also cut again
SPLITS_PER_WORD = 3  # ways of splitting one word that are tried
MAX_RECUTS = 4  # other cuts of one query name that are searched
LONG = 6  # folded tokens from this length are also looked up two edits away
DENSE_FROM = 40_000  # total posting length from which retrieval counts in a dense array
ACRONYM_RANK = 0.9  # the cheap score of a name found as the acronym a query is
INITIALS_RANK = 0.8  # ... and of one found by initials
INITIALLED_SCANNED = 5000  # names holding a query's strong word checked for its initials
ENTITY_BLOCKS_KEPT = 256  # blocks of entities kept unpickled (8,192 entities)
UNION_IDS_KEPT = 6_000_000  # name ids of posting-list unions kept for later searches (48 MB)
SCHEMAS = list(Schema)
GENDERS = [None, "male", "female"]


class IndexBuilder:
    """Collects entities in compact growable arrays; ``build`` freezes them into an Index."""

    def __init__(self) -> None:
        self.vocab: dict[str, int] = {}
        self.datasets: dict[str, int] = {}
        self.topics: dict[str, int] = {}
        self.dataset_topics: list[set[str]] = []
        self.countries: dict[str, int] = {}
        self.identifiers: dict[str, int] = {}
        self.keys = Texts()
        self.lookup: dict[int, dict[str, int]] = defaultdict(dict)
        self.post_token = array("i")
        self.post_name = array("i")
        self.name_entity = array("i")
        self.name_weak = array("b")
        self.name_tok_off = array("q", [0])
        self.name_toks = array("i")
        self.name_text = Texts()
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
        self.blocks: list[bytes] = []
        self._pending: list[Entity] = []

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
        self.lookup[ds][entity.key] = eid
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

    def build(self) -> Index:
        self._flush()
        return Index(self)


# Words of names that the index sets aside or writes otherwise, and so are not in its
# vocabulary, yet which a word written together with others may hold
# ("AcmeTradingLimited", "HajiMohammadKhan", "UnitTwentySix").
SET_ASIDE = frozenset(
    word
    for words in (*LEGAL_FORMS, HONORIFICS, VESSEL_PREFIXES, NUMBER_WORDS, SCALES)
    for word in words
    if len(word) >= MIN_PART
)


@dataclass(frozen=True, slots=True)
class Recut:
    """A query name cut into words differently: words written together taken apart
    ("VladimirPutin"), a word written in pieces put together ("Ser Gei Sho Igu")."""

    tokens: tuple[str, ...]
    rewritten: frozenset[str]  # the words the new cut made, which a match must use


UnionKey = tuple[str, bool, Reading]


class _Unions:
    """Unions of posting lists already made (``Index._union``), up to so many ids in
    all, then forgotten all at once: the words of common names come back query after
    query, and theirs are the longest lists to merge."""

    def __init__(self, kept: int) -> None:
        self._found: dict[UnionKey, tuple[IntArray, FloatArray]] = {}
        self._held = 0
        self._kept = kept

    def get(self, key: UnionKey) -> tuple[IntArray, FloatArray] | None:
        return self._found.get(key)

    def put(self, key: UnionKey, union: tuple[IntArray, FloatArray]) -> None:
        size = len(union[0])
        if self._held + size > self._kept:
            self._found = {}
            self._held = 0
        self._found[key] = union
        self._held += size


@dataclass(frozen=True, slots=True)
class Candidates:
    """Names retrieved for one query name: ids and cheap scores, best first."""

    names: IntArray
    scores: FloatArray


_EMPTY = Candidates(np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.float32))


def _first_of_runs(ordered: IntArray) -> BoolArray:
    first = np.empty(len(ordered), dtype=bool)
    first[:1] = True
    np.not_equal(ordered[1:], ordered[:-1], out=first[1:])
    return first


def _sorted_unique(ids: IntArray) -> IntArray:
    """``np.unique(ids)``. The ids come as runs already sorted (posting lists), which a
    stable sort merges in about linear time; ``np.unique`` hashes them first, many
    times slower."""
    ordered = np.sort(ids, kind="stable")
    found: IntArray = ordered[_first_of_runs(ordered)]
    return found


def _unique_inverse(ids: IntArray) -> tuple[IntArray, npt.NDArray[np.intp]]:
    """``np.unique(ids, return_inverse=True)``, as ``_sorted_unique`` does it."""
    order = np.argsort(ids, kind="stable")
    ordered = ids[order]
    first = _first_of_runs(ordered)
    inverse = np.empty(len(ids), dtype=np.intp)
    inverse[order] = np.cumsum(first) - 1
    found: IntArray = ordered[first]
    return found, inverse


class Index:
    """The frozen index; read-only and safe to share between threads."""

    def __init__(self, b: IndexBuilder) -> None:
        self.tokens = list(b.vocab)
        self.vocab = b.vocab
        self.datasets = list(b.datasets)
        self.dataset_ids = b.datasets
        self.topic_bits = b.topics
        self.dataset_topics = [frozenset(t) for t in b.dataset_topics]
        self.country_codes = list(b.countries)
        self.identifier_values = Texts()
        for value in b.identifiers:
            self.identifier_values.append(value)
        self.keys = b.keys
        self.lookup = dict(b.lookup)
        self.name_text = b.name_text
        self.blocks = b.blocks
        self.name_entity = frozen(b.name_entity, np.int32)
        self.name_weak = frozen(b.name_weak, np.int8)
        self.name_tok_off, self.name_toks = csr(b.name_tok_off, b.name_toks, np.int32)
        self.first_letters = np.array([ord(t[0]) if t else 0 for t in self.tokens], dtype=np.int32)
        self.scripts = list(b.scripts)
        self.name_script = frozen(b.name_script, np.int8)
        self.form_names = list(b.form_codes)
        self.name_form_off, self.name_forms = csr(b.name_form_off, b.name_forms, np.int16)
        self.name_acr_off, self.name_acrs = csr(b.name_acr_off, b.name_acrs, np.int32)
        self.ent_name_off = frozen(b.ent_name_off, np.int64)
        self.ent_schema = frozen(b.ent_schema, np.int8)
        self.ent_dataset = frozen(b.ent_dataset, np.int16)
        self.ent_topics = frozen(b.ent_topics, np.int64)
        self.ent_gender = frozen(b.ent_gender, np.int8)
        self.dob_off, self.dob = csr(b.dob_off, b.dob, np.int32)
        self.country_off, self.country = csr(b.country_off, b.country, np.int16)
        self.ident_off, self.ident = csr(b.ident_off, b.ident, np.int32)
        owners = np.repeat(np.arange(len(self.ent_schema)), np.diff(self.ident_off))
        self.identified = TokenMap(
            (self.identifier_values[int(i)], int(e))
            for i, e in zip(self.ident, owners, strict=True)
        )

        n_names, n_tokens = len(self.name_entity), len(self.tokens)
        post_token = np.frombuffer(b.post_token, dtype=np.int32)
        post_name = np.frombuffer(b.post_name, dtype=np.int32)
        per_name = np.bincount(post_name, minlength=n_names)
        single = per_name[post_name] == 1
        df = np.bincount(post_token, minlength=n_tokens).astype(np.float64)
        self.idf = np.log1p(max(n_names, 1) / np.maximum(df, 1.0)).astype(np.float32)
        self.name_weight = np.bincount(
            post_name, weights=self.idf[post_token], minlength=n_names
        ).astype(np.float32)
        self.multi_off, self.multi = self._postings(post_token[~single], post_name[~single])
        self.single_off, self.single = self._postings(post_token[single], post_name[single])
        self.acronym_ids = b.acronyms
        self.acronym_words = list(b.acronyms)
        acronym_owners = np.repeat(
            np.arange(n_names, dtype=np.int32), np.diff(self.name_acr_off).astype(np.int64)
        )
        self.acro_off, self.acro = self._postings(
            self.name_acrs, acronym_owners, len(self.acronym_words)
        )
        del per_name, single, df, acronym_owners

        indexed = np.nonzero(np.bincount(post_token, minlength=n_tokens))[0]
        words = [(self.tokens[int(t)], int(t)) for t in indexed]
        self.phonetic = TokenMap((phonetic_key(w), t) for w, t in words)
        self.skeletons = TokenMap((skeleton(w), t) for w, t in words)
        self.romanised = TokenMap(
            (f"{kind}:{key}", t)
            for w, t in words
            for kind, keys in (("c", chinese_keys(w)), ("k", korean_keys(w)))
            for key in keys
        )
        self.consonants = TokenMap((key, t) for w, t in words if len(key := abjad_key(w)) >= 2)
        self.forms = TokenMap((f, t) for w, t in words for f in {w, fold(w)})
        # The same keys as a set, for asking about a few words at a time (``known``), which
        # a search does word by word, often.
        self.form_hashes = frozenset(hash(f) for w, _ in words for f in {w, fold(w)})
        self.deleted = TokenMap(
            (d, t) for w, t in words for f in {w, fold(w)} if len(f) >= 4 for d in deletions(f)
        )
        ends: dict[str, list[tuple[str, int]]] = defaultdict(list)
        for w, t in words:
            f = fold(w)
            if len(f) >= LONG:
                ends[f"<{f[:3]}"].append((f, t))
                ends[f">{f[-3:]}"].append((f, t))
        self.ends = {key: ([f for f, _ in v], [t for _, t in v]) for key, v in ends.items()}
        self.expand = memo(100_000)(self._expand)
        self.expand_romanised = memo(100_000)(self._expand_romanised)
        self.expand_abjad = memo(100_000)(self._expand_abjad)
        self.multi_names_near = memo(100_000)(self._multi_names_near)
        self.split = memo(100_000)(self._split_word)
        self.split_joined = memo(100_000)(self._split_joined)
        self.unions = _Unions(UNION_IDS_KEPT)
        # A block is unpickled whole for one entity; the next lookups often want another
        # of the same block (the matches of a batch of screenings, say).
        self._decoded = lru_cache(maxsize=ENTITY_BLOCKS_KEPT)(self._decode)

    def _postings(
        self, tokens: IntArray, names: IntArray, words: int | None = None
    ) -> tuple[OffsetArray, IntArray]:
        words = len(self.tokens) if words is None else words
        order = np.lexsort((names, tokens))
        counts = np.bincount(tokens, minlength=words)
        offsets = np.zeros(words + 1, dtype=np.int64)
        np.cumsum(counts, out=offsets[1:])
        return offsets, names[order].astype(np.int32)

    def __len__(self) -> int:
        return len(self.keys)

    def _expand(self, token: str) -> tuple[tuple[int, float], ...]:
        """Listed tokens this query token may stand for, with their similarity.

        Looked up: the same spelling, one edit away (deletion variants of the token and
        of its folded spelling), the same phonetic key, the same consonants for vowelless
        tokens, and, for long tokens, two edits away among listed tokens that begin or
        end with the same three letters.
        """
        forms = {token, fold(token)}
        variants = {v for f in forms if len(f) >= 3 for v in deletions(f)}
        found = self.phonetic.get(phonetic_key(token))
        # A short form finds the full name ("bill": william); the other way round would
        # widen every common given name's search for what lists rarely write.
        nicknamed = full_forms(token)
        if nicknamed:
            found |= self.forms.get(*nicknamed)
        found |= self.forms.get(*forms, *variants)
        found |= self.deleted.get(*forms, *variants)
        folded = fold(token)
        if len(folded) >= LONG:
            for key in (f"<{folded[:3]}", f">{folded[-3:]}"):
                spellings, ids = self.ends.get(key, ((), ()))
                near = process.extract(
                    folded, spellings, scorer=OSA.distance, score_cutoff=2, limit=None
                )
                found.update(ids[i] for _, _, i in near)
        key = skeleton(token)
        if len(key) >= 2:
            vowelless = not has_vowel(token)
            found.update(
                t for t in self.skeletons.get(key) if vowelless or not has_vowel(self.tokens[t])
            )
        scored = ((tid, token_sim(token, self.tokens[tid])) for tid in found)
        return tuple(sorted(((t, s) for t, s in scored if s > 0.0), key=lambda p: (-p[1], p[0])))

    def _expand_romanised(self, token: str) -> tuple[tuple[int, float], ...]:
        """Listed words that are this word of a Chinese or Korean name in another
        romanisation ("tung" for "dong", "kim" for "gim")."""
        keys = [f"c:{k}" for k in chinese_keys(token)] + [f"k:{k}" for k in korean_keys(token)]
        found = self.romanised.get(*keys) if keys else set()
        return tuple(sorted((t, FOLDED_SIM) for t in found if self.tokens[t] != token))

    def romanised_word(self, token: str) -> bool:
        """Whether a listed word is this one in some romanisation of Chinese or Korean."""
        keys = [f"c:{k}" for k in chinese_keys(token)] + [f"k:{k}" for k in korean_keys(token)]
        return any(self.romanised.holds(keys)) if keys else False

    def _expand_abjad(self, token: str) -> tuple[tuple[int, float], ...]:
        """Listed words with the consonants of a word written in Arabic or Hebrew script."""
        key = abjad_key(token)
        if len(key) < 2:
            return ()
        scored = ((t, abjad_sim(token, self.tokens[t])) for t in self.consonants.get(key))
        return tuple(sorted((t, sim) for t, sim in scored if sim > 0.0))

    def _expansions(self, token: str, reading: Reading) -> tuple[tuple[int, float], ...]:
        """``expand``, and the expansions the query name's script or language adds."""
        found = self.expand(token)
        if not reading:
            return found
        extra = list(found)
        if reading.romanised:
            extra += self.expand_romanised(token)
        if reading.abjad:
            extra += self.expand_abjad(token)
        best: dict[int, float] = {}
        for tid, sim in extra:
            best[tid] = max(sim, best.get(tid, 0.0))
        return tuple(sorted(best.items(), key=lambda p: (-p[1], p[0])))

    def initialled_names(
        self, words: list[str], letters: str, allowed: Allowed, limit: int
    ) -> Candidates:
        """Multi-word names holding every one of ``words`` and other words beginning with
        ``letters`` in order: "George Walker Bush" for "GW Bush", "Vladimir Putin" for
        "V. Putin". Overlap cannot find them, with one strong word in common."""
        unions = [self._union(w, self.multi_off, self.multi)[0] for w in words]
        if not unions or not all(len(ids) for ids in unions):
            return _EMPTY
        names = unions[0]
        for ids in unions[1:]:
            names = names[holds(ids, names)]
        names = names[allowed(self.name_entity[names])][:INITIALLED_SCANNED]
        if not len(names):
            return _EMPTY
        # Each name's words' first letters, flattened (compressed rows), then whether a
        # name has a word beginning with each of the letters.
        starts, ends = self.name_tok_off[names], self.name_tok_off[names + 1]
        sizes = ends - starts
        flat = np.repeat(starts - np.cumsum(sizes) + sizes, sizes) + np.arange(sizes.sum())
        firsts = self.first_letters[self.name_toks[flat]]
        rows = np.repeat(np.arange(len(names)), sizes)
        keep = np.ones(len(names), dtype=bool)
        for letter in set(letters):
            has = np.zeros(len(names), dtype=bool)
            has[rows[firsts == ord(letter)]] = True
            keep &= has
        found = names[keep][:limit]
        return Candidates(found, np.full(len(found), INITIALS_RANK, dtype=np.float32))

    def acronym_names(self, token: str) -> IntArray:
        """Names whose acronym is this word ("IRGC": Islamic Revolutionary Guard Corps)."""
        aid = self.acronym_ids.get(token)
        if aid is None:
            return np.zeros(0, dtype=np.int32)
        ids: IntArray = self.acro[self.acro_off[aid] : self.acro_off[aid + 1]]
        return ids

    def one_word_names(self, token: str, allowed: Allowed, limit: int) -> Candidates:
        """Listed names of this one word exactly: those a query name's acronym may be."""
        tid = self.vocab.get(token)
        if tid is None:
            return _EMPTY
        ids = self.single[self.single_off[tid] : self.single_off[tid + 1]]
        ids = ids[allowed(self.name_entity[ids])][:limit]
        return Candidates(ids, np.full(len(ids), ACRONYM_RANK, dtype=np.float32))

    def _held(self, words: Sequence[str]) -> list[bool]:
        """``self.forms.holds(words)``, from the set of its keys."""
        forms = self.form_hashes
        return [hash(w) in forms for w in words]

    def known(self, words: Sequence[str]) -> list[bool]:
        """Whether each word is a listed word, as spelled or in its folded spelling, or a
        word names carry that the index sets aside (legal forms, titles)."""
        vocab, forms = self.vocab, self.form_hashes
        return [w in vocab or hash(fold(w)) in forms or w in SET_ASIDE for w in words]

    def _split_word(self, token: str) -> tuple[tuple[str, ...], ...]:
        return self._split(token, near_first=True)

    def _split_joined(self, word: str) -> tuple[tuple[str, ...], ...]:
        return self._split(word, near_first=False)

    def _split(self, token: str, *, near_first: bool) -> tuple[tuple[str, ...], ...]:
        """Ways to cut ``token`` into the fewest words of one listed name, best first.

        Only for a word that is not known itself, nor a near spelling of a listed word.
        The words (two to five) must be known, as spelled or else in folded spelling
        ("vlaadimirputin"), and those the index keeps must all be in one listed name:
        "vladimirputin" is "vladimir putin", while "jakobsen" is no "ja ko bs en" though
        each is some name's syllable. Of cuts into as many words, those whose shortest
        word is longest come first; a few are kept, since "kimjongun" could be "kim jong
        un" or "kim jon gun".

        ``near_first`` for a word of the query, which retrieval expands anyway: then the
        test for a near listed word comes first and spares the cutting.
        """
        size = len(token)
        if not SPLIT_FROM <= size <= SPLIT_UP_TO or not token.isalpha() or self.known([token])[0]:
            return ()
        if near_first and self._near(token):
            return ()
        vocab = self.vocab
        found = self._cuts(token, lambda words: [w in vocab or w in SET_ASIDE for w in words])
        folded = fold(token)
        if not found and folded != token and len(folded) >= SPLIT_FROM:
            found = self._cuts(
                folded,
                lambda words: [
                    held or w in SET_ASIDE for w, held in zip(words, self._held(words), strict=True)
                ],
            )
        return () if not found or (not near_first and self._near(token)) else found

    def _near(self, token: str) -> bool:
        """Whether a listed word is so like ``token`` that it is another spelling of it."""
        near = self.expand(token)
        return bool(near) and near[0][1] > SPLIT_UNLESS_NEAR

    def _cuts(
        self, token: str, known: Callable[[list[str]], list[bool]]
    ) -> tuple[tuple[str, ...], ...]:
        """The best cuts of ``token`` into the fewest ``known`` words of one name."""
        size = len(token)
        inner = range(MIN_PART, size - MIN_PART + 1)  # where a cut may fall
        starts = [j for j, ok in zip(inner, known([token[:j] for j in inner]), strict=True) if ok]
        if not starts or not any(known([token[i:] for i in inner])):
            return ()  # most words: no known word begins or ends them
        spans = [(i, j) for i in range(1, size) for j in range(i + MIN_PART, size + 1)]
        ends: dict[int, list[int]] = defaultdict(list, {0: starts})
        for (i, j), ok in zip(spans, known([token[i:j] for i, j in spans]), strict=True):
            if ok:
                ends[i].append(j)
        for parts in range(2, MAX_PARTS + 1):
            cuts: list[tuple[int, ...]] = []
            stack: list[tuple[int, ...]] = [(0,)]
            while stack and len(cuts) < CUTS_TRIED:
                cut = stack.pop()
                if len(cut) == parts:
                    cuts.extend((*cut, size) for end in ends.get(cut[-1], ()) if end == size)
                else:
                    stack.extend((*cut, end) for end in ends.get(cut[-1], ()) if end < size)
            cuts.sort(key=lambda c: (-min(b - a for a, b in pairwise(c)), c))
            together: list[tuple[str, ...]] = []
            for cut in cuts:
                words = tuple(token[a:b] for a, b in pairwise(cut))
                if self._one_name(words):
                    together.append(words)
                    if len(together) == SPLITS_PER_WORD:
                        break
            if together:
                return tuple(together)
        return ()

    def _holding(self, words: tuple[str, ...]) -> IntArray | None:
        """The listed names of several words that hold all of these words the index keeps
        (None when it keeps none of them)."""
        lists: list[IntArray] = []
        for word in words:
            if word in SET_ASIDE or token_weight(word) < RETRIEVAL_WEIGHT:
                continue
            tid = self.vocab.get(word)
            ids = [tid] if tid is not None else sorted(self.forms.get(fold(word)))
            found = [self.multi[self.multi_off[t] : self.multi_off[t + 1]] for t in ids]
            if len(found) == 1:
                lists.append(found[0])  # a posting list: sorted, each name once
            else:
                lists.append(
                    _sorted_unique(np.concatenate(found)) if found else np.zeros(0, dtype=np.int32)
                )
        if not lists:
            return None
        lists.sort(key=len)
        names = lists[0]
        for other in lists[1:]:  # probe the longer lists with the shortest one's names
            names = names[holds(other, names)]
        return names

    def _one_name(self, words: tuple[str, ...]) -> bool:
        """Whether the words are one listed name's: the kept ones all in one name, or at
        most one kept word with particles, legal forms or titles ("publicjoint")."""
        kept = sum(1 for w in words if w not in SET_ASIDE and token_weight(w) >= RETRIEVAL_WEIGHT)
        if kept < 2:
            return True
        names = self._holding(words)
        return names is not None and bool(len(names))

    def _splits_in(self, tokens: tuple[str, ...], a: int, b: int) -> tuple[tuple[str, ...], ...]:
        """The splits of ``tokens[a:b]`` written together whose listed name also holds a
        word near one of the query's other words, if it has any ("Karen Meza" is no
        "ka ren meza": no name of "ka" and "ren" has a word like "meza")."""
        ways = self.split(tokens[a]) if b - a == 1 else self.split_joined("".join(tokens[a:b]))
        others = [
            t
            for k, t in enumerate(tokens)
            if not a <= k < b and token_weight(t) >= RETRIEVAL_WEIGHT
        ]
        if not ways or not others:
            return ways
        fitting = []
        for way in ways:
            names = self._holding(way)
            if names is None or any(self._any_near(t, names) for t in others):
                fitting.append(way)
        return tuple(fitting)

    def _any_near(self, token: str, names: IntArray) -> bool:
        """Whether one of these listed names holds a word ``token`` expands to."""
        multi, offsets = self.multi, self.multi_off
        return any(
            holds(multi[offsets[tid] : offsets[tid + 1]], names).any()
            for tid, _ in self.expand(token)
        )

    def _joins(self, tokens: tuple[str, ...]) -> list[tuple[int, int, tuple[str, ...]]]:
        """Runs of adjacent words that are better written as other words, best first.

        A run of two to five words is joined when together they make a known word
        ("ser gei" is "sergei"), longest runs first. Two words of which one is not known
        are also cut again when one is short ("kyo ngthaek" is "kyong thaek").
        """
        size = len(tokens)
        windows = [(a, a + n) for n in range(MAX_PARTS, 1, -1) for a in range(size - n + 1)]
        if not windows:
            return []
        joined = ["".join(tokens[a:b]) for a, b in windows]
        known = self.known(joined)
        alone = dict(zip(tokens, self.known(tokens), strict=True))
        found: list[tuple[int, int, int, tuple[str, ...]]] = []
        for (a, b), word, listed in zip(windows, joined, known, strict=True):
            if len(word) < MIN_JOINED:
                continue
            if listed:
                found.append((0, a, b, (word,)))
            elif (
                b - a == 2
                and not (alone[tokens[a]] and alone[tokens[a + 1]])
                and min(len(tokens[a]), len(tokens[a + 1])) <= SHORT
            ):
                found.extend((1, a, b, cut) for cut in self._splits_in(tokens, a, b)[:1])
        found.sort(key=lambda f: (f[0], f[1] - f[2], f[1]))
        return [(a, b, words) for _, a, b, words in found]

    def recut(self, tokens: tuple[str, ...]) -> list[Recut]:
        """The query name cut into listed words differently, if it can be (see ``Recut``).

        Runs of words that make other words (``_joins``) are joined, the best first;
        then each word that is not listed is split into listed words where it can be
        (``_split``, ``_splits_in``). Besides that cut: the same without joining a
        particle to the next word (which the scorer does anyway: "al shara", not
        "alshara"), with splits only, and with each word's other splits.
        """
        joins = self._joins(tokens)
        splits = [self._splits_in(tokens, i, i + 1) for i in range(len(tokens))]
        if not joins and not any(splits):
            return []
        particle_free = [j for j in joins if token_weight(tokens[j[0]]) >= RETRIEVAL_WEIGHT]
        cuts: dict[tuple[str, ...], frozenset[str]] = {}
        for chosen, nth in (
            (joins, 0),
            (particle_free, 0),
            ([], 0),
            *(([], n) for n in range(1, SPLITS_PER_WORD)),
        ):
            recut = self._recut(tokens, chosen, splits, nth)
            if recut is not None and recut[0] not in cuts:
                cuts[recut[0]] = recut[1]
        return [Recut(tokens=t, rewritten=r) for t, r in list(cuts.items())[:MAX_RECUTS]]

    @staticmethod
    def _recut(
        tokens: tuple[str, ...],
        joins: list[tuple[int, int, tuple[str, ...]]],
        splits: list[tuple[tuple[str, ...], ...]],
        nth: int,
    ) -> tuple[tuple[str, ...], frozenset[str]] | None:
        """One cut: the joins that fit, best first, then each word's ``nth`` split."""
        taken: dict[int, tuple[int, tuple[str, ...]]] = {}
        used: set[int] = set()
        for a, b, words in joins:
            if not used.intersection(range(a, b)):
                used.update(range(a, b))
                taken[a] = (b, words)
        out: list[str] = []
        rewritten: set[str] = set()
        i = 0
        while i < len(tokens):
            if i in taken:
                i, words = taken[i]
                out.extend(words)
                rewritten.update(words)
                continue
            if nth < len(splits[i]):
                out.extend(splits[i][nth])
                rewritten.update(splits[i][nth])
            else:
                out.append(tokens[i])
            i += 1
        return (tuple(out), frozenset(rewritten)) if rewritten else None

    def _union(
        self, token: str, offsets: OffsetArray, postings: IntArray, reading: Reading = None
    ) -> tuple[IntArray, FloatArray]:
        """Names containing any expansion of the token, with the best similarity each
        (read-only arrays, which later searches may be given again)."""
        key = (token, offsets is self.multi_off, reading)
        found = self.unions.get(key)
        if found is None:
            found = self._make_union(token, offsets, postings, reading)
            found[0].flags.writeable = found[1].flags.writeable = False
            self.unions.put(key, found)
        return found

    def _make_union(
        self, token: str, offsets: OffsetArray, postings: IntArray, reading: Reading
    ) -> tuple[IntArray, FloatArray]:
        parts = [
            (postings[offsets[tid] : offsets[tid + 1]], sim)
            for tid, sim in self._expansions(token, reading)
        ]
        parts = [(ids, sim) for ids, sim in parts if len(ids)]
        if not parts:
            return np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.float32)
        if len(parts) == 1:
            ids, sim = parts[0]
            return ids, np.full(len(ids), sim, dtype=np.float32)
        ids = np.concatenate([p[0] for p in parts])
        sims = np.repeat(
            np.array([p[1] for p in parts], dtype=np.float32), [len(p[0]) for p in parts]
        )
        unique, first = np.unique(ids, return_index=True)
        return unique, sims[first]

    def _multi_names_near(self, token: str) -> frozenset[int]:
        """Multi-word names holding any expansion of the token (what ``_shared`` counts)."""
        return frozenset(self._union(token, self.multi_off, self.multi)[0].tolist())

    def shared_enough(self, tokens: tuple[str, ...]) -> bool:
        """Whether some multi-word name shares enough of these query words for
        ``retrieve`` to return it by overlap (the rule of ``_shared``)."""
        words = sorted(set(retrieval_tokens(tokens)))
        need = min(len(words), max(2, math.ceil(len(words) / 2)))
        counts: Counter[int] = Counter()
        for word in words:
            counts.update(self.multi_names_near(word))
        return any(count >= need for count in counts.values())

    def retrieve(
        self, tokens: tuple[str, ...], allowed: Allowed, limit: int, reading: Reading = None
    ) -> Candidates:
        """The ``limit`` best-ranked names for a query name, by cheap weighted overlap.

        A word repeated in the query ("Ahmad Ahmad") counts twice in the overlap but
        once for the number of distinct words a candidate must share. A one-word query
        also finds the names it is the acronym of. ``reading`` adds the expansions of a
        Chinese or Korean name, or of one written in Arabic or Hebrew script.
        """
        counted = Counter(retrieval_tokens(tokens))
        if not counted:
            return _EMPTY
        words = sorted(counted)
        weights = [self._weight(w) * counted[w] for w in words]
        total = float(sum(weights))
        found_ids: list[IntArray] = []
        found_scores: list[FloatArray] = []
        if len(words) >= 2 or sum(counted.values()) >= 2:
            cand, overlap = self._shared(words, weights, reading)
            found_ids.append(cand)
            found_scores.append(overlap / (total + self.name_weight[cand] - overlap))
        if len(words) == 1 and words[0].isalpha():
            named = self.acronym_names(words[0])
            if len(named):
                found_ids.append(named)
                found_scores.append(np.full(len(named), ACRONYM_RANK, dtype=np.float32))
        singles = [self._union(w, self.single_off, self.single, reading) for w in words]
        if any(len(ids) for ids, _ in singles):
            ids = np.concatenate([ids for ids, _ in singles])
            parts = [sims * weight for (_, sims), weight in zip(singles, weights, strict=True)]
            ids, where = _unique_inverse(ids)
            overlap = np.bincount(where, weights=np.concatenate(parts)).astype(np.float32)
            found_ids.append(ids)
            found_scores.append(overlap / (total + self.name_weight[ids] - overlap))
        if not found_ids:
            return _EMPTY
        ids = np.concatenate(found_ids)
        scores = np.concatenate(found_scores).astype(np.float32)
        ok = allowed(self.name_entity[ids])
        ids, scores = ids[ok], scores[ok]
        if len(ids) > limit:
            top = np.argpartition(-scores, limit - 1)[:limit]
            top = np.nonzero(scores >= scores[top].min())[0]
            ids, scores = ids[top], scores[top]
        order = np.lexsort((ids, -scores))[:limit]
        return Candidates(ids[order], scores[order])

    def _shared(
        self, words: list[str], weights: list[float], reading: Reading = None
    ) -> tuple[IntArray, FloatArray]:
        """Multi-word names sharing enough of the query's distinct words, and the overlap.

        A name must share two words, or half of them for long queries. By pigeonhole it
        then contains one of the ``len(words) - need + 1`` rarest words, so only those
        posting lists are merged into the candidate set and the others are probed. When
        the lists are long (common names), counting into one slot per listed name is
        cheaper than merging.
        """
        unions = [self._union(w, self.multi_off, self.multi, reading) for w in words]
        need = min(len(words), max(2, math.ceil(len(words) / 2)))
        if sum(len(ids) for ids, _ in unions) > DENSE_FROM:
            hits = np.zeros(len(self.name_entity), dtype=np.int8)
            dense = np.zeros(len(self.name_entity), dtype=np.float32)
            for (ids, sims), weight in zip(unions, weights, strict=True):
                hits[ids] += 1
                dense[ids] += sims * weight
            cand = np.flatnonzero(hits >= need).astype(np.int32)
            return cand, dense[cand]
        by_size = sorted(range(len(words)), key=lambda i: (len(unions[i][0]), i))
        seeds = [unions[i][0] for i in by_size[: len(words) - need + 1]]
        cand = _sorted_unique(np.concatenate(seeds)) if len(seeds) > 1 else seeds[0]
        counts = np.zeros(len(cand), dtype=np.int8)
        overlap = np.zeros(len(cand), dtype=np.float32)
        for (ids, sims), weight in zip(unions, weights, strict=True):
            if not len(ids) or not len(cand):
                continue
            pos = np.minimum(np.searchsorted(ids, cand), len(ids) - 1)
            hit = ids[pos] == cand
            counts += hit
            overlap += np.where(hit, sims[pos], 0.0) * weight
        keep = counts >= need
        return cand[keep], overlap[keep]

    def _weight(self, token: str) -> float:
        tid = self.vocab.get(token)
        if tid is not None and tid < len(self.idf):
            return float(self.idf[tid])
        expanded = self.expand(token)
        if expanded:
            return float(self.idf[expanded[0][0]])
        return float(self.idf.max()) if len(self.idf) else 1.0

    def identifier_entities(self, value: str) -> list[int]:
        return sorted(self.identified.get(value))

    def name_form(self, nid: int) -> NameForm:
        tokens = self.tokens
        at, end = self.name_tok_off[nid : nid + 2].tolist()
        form_at, form_end = self.name_form_off[nid : nid + 2].tolist()
        acr_at, acr_end = self.name_acr_off[nid : nid + 2].tolist()
        return NameForm(
            original=self.name_text[nid],
            tokens=tuple(tokens[t] for t in self.name_toks[at:end].tolist()),
            legal_forms=tuple(
                self.form_names[c] for c in self.name_forms[form_at:form_end].tolist()
            )
            if form_end > form_at
            else (),
            weak=bool(self.name_weak[nid]),
            acronyms=tuple(self.acronym_words[t] for t in self.name_acrs[acr_at:acr_end].tolist())
            if acr_end > acr_at
            else (),
            script=self.scripts[int(self.name_script[nid])],
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
        return None if ds is None else self.lookup.get(ds, {}).get(key)

    def entity(self, eid: int) -> Entity:
        """The listed entity, shared with every other caller: read it, never change it."""
        return self._decoded(eid // BLOCK_SIZE)[eid % BLOCK_SIZE]

    def _decode(self, block: int) -> list[Entity]:
        entities: list[Entity] = pickle.loads(zlib.decompress(self.blocks[block]))  # noqa: S301
        return entities
