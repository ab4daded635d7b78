"""The full-text index over stems computed in Python: stored in SQLite, queried in memory.

Each knowledge-base entry is one document with three weighted fields: `name` (title and
aliases), `products` (what it is about: products, regions, kinds) and `body` (the rest).
The stems are stored in the FTS5 table `search_fts` (what a restart loads, and what an
operator can query with the sqlite3 shell); questions are answered from an inverted index in
memory built from the same rows: a question then costs no database round trip (each one was a
hop to the database thread, about a third of a search), and ranking a few hundred postings in
Python is faster than FTS5 on a 10,000-entry index. The ranking is FTS5's bm25 (k1 1.2, b 0.75,
the same field weights). The vocabulary (term → document frequency) also serves
morphology-by-prefix and typo correction.
"""

from __future__ import annotations

import bisect
import heapq
import math
from collections import Counter, OrderedDict, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from rapidfuzz.distance import OSA

from storage.analyzer import analyze
from storage.db import Database

FIELD_WEIGHTS = (10.0, 4.0, 1.0)  # bm25 weights: name, products, body
IN_NAME, IN_PRODUCTS, IN_BODY = 1, 2, 4  # where a term occurs in an entry (bits of a mask)
BM25_K1, BM25_B = 1.2, 0.75  # FTS5's constants
DERIVED_MIN = 6  # a derived word shares at least this many letters …
DERIVED_SHARE = 0.6  # … and this share of the stem with a word of the index
DERIVED_MAX = 4  # more words sharing that beginning: not a root but a common start
DERIVED_FACTOR = 0.7
COMMON_SHARE = 0.01  # a term in more than 1% of the entries …
COMMON_MIN_DOCS = 100  # … and in more than 100 of them is "common"
_NONE: dict[int, tuple[float, int]] = {}  # the postings of a term the index lacks
EXPANSIONS_KEPT = 16384  # query stems whose expansion is kept (the latest used), per index version


@dataclass(frozen=True, slots=True)
class IndexDoc:
    kind: str
    slug: str
    name: str
    products: str
    body: str


@dataclass(slots=True)
class Candidate:
    doc_id: int
    kind: str
    slug: str
    # the question's terms this entry has, each with where (IN_NAME | IN_PRODUCTS | IN_BODY)
    fields: dict[str, int]
    bm25: float


@dataclass(slots=True)
class Expansion:
    """How a query stem maps onto indexed terms: (term, factor) with factor ≤ 1."""

    stem: str
    terms: list[tuple[str, float]] = field(default_factory=list)

    @property
    def known(self) -> bool:
        return bool(self.terms)


SHORT_TYPO = 5  # letters up to which one shared trigram makes a word a typo candidate


def _trigrams(term: str) -> set[str]:
    padded = f"^{term}$"
    return {padded[i : i + 3] for i in range(len(padded) - 2)}


def _idf(doc_count: int, df: int) -> float:
    """A term's weight in a question (how rare it is in the knowledge base)."""
    return math.log(1 + (doc_count + 1) / (df + 0.5))


def _rank_idf(doc_count: int, df: int) -> float:
    """bm25's idf as FTS5 computes it (never below 1e-6)."""
    return max(1e-6, math.log((doc_count - df + 0.5) / (df + 0.5)))


def _levenshtein(a: str, b: str, limit: int) -> int:
    """Edits between `a` and `b` (a swap of two neighbouring letters is one); above `limit`,
    limit + 1."""
    return OSA.distance(a, b, score_cutoff=limit)


class SearchIndex:
    def __init__(self, db: Database) -> None:
        self.db = db
        self.doc_count = 0
        self.df: dict[str, int] = {}
        self._sorted_terms: list[str] = []
        # (first letter, trigram) → terms: typos are looked for among words with the same first
        # letter (people rarely mistype it), which keeps the lists short on a big vocabulary
        self._trigram_postings: dict[tuple[str, str], list[str]] = {}
        self.version = 0
        # term → its entries: doc id → (the term's bm25 contribution to the entry, where: a
        # field mask); the contribution (bm25's idf times its term-frequency part) depends only
        # on the index: computed with it, not per question
        self._postings: dict[str, dict[int, tuple[float, int]]] = {}
        self._docs: dict[int, tuple[str, str]] = {}  # doc id → (kind, slug)
        self._idf: dict[str, float] = {}  # term → its weight in a question (`idf`)
        # (stem, allow_typos) → its expansion's terms: questions repeat words, and an
        # expansion depends only on the index (dropped with it)
        self._expanded: OrderedDict[tuple[str, bool], tuple[tuple[str, float], ...]] = OrderedDict()

    # ---- building -------------------------------------------------------------------------
    async def rebuild(self, docs: Iterable[IndexDoc]) -> int:
        rows = []
        for i, doc in enumerate(docs, 1):
            rows.append(
                (
                    i,
                    doc.kind,
                    doc.slug,
                    " ".join(analyze(doc.name)),
                    " ".join(analyze(doc.products)),
                    " ".join(analyze(doc.body)),
                )
            )
        await self._replace(rows)
        self._build(rows)  # questions meanwhile were answered from the previous index
        return len(rows)

    async def _replace(self, rows: list[tuple[int, str, str, str, str, str]]) -> None:
        async with self.db.transaction() as conn:
            await conn.execute("DELETE FROM search_fts")
            await conn.execute("DELETE FROM search_docs")
            await conn.executemany(
                "INSERT INTO search_docs (id, kind, slug) VALUES (?, ?, ?)", [r[:3] for r in rows]
            )
            await conn.executemany(
                "INSERT INTO search_fts (rowid, name, products, body) VALUES (?, ?, ?, ?)",
                [(r[0], r[3], r[4], r[5]) for r in rows],
            )

    async def load(self) -> int:
        """Build the in-memory index from the stored one."""
        rows = await self.db.fetchall(
            "SELECT d.id, d.kind, d.slug, f.name, f.products, f.body"
            " FROM search_docs AS d JOIN search_fts AS f ON f.rowid = d.id ORDER BY d.id"
        )
        self._build([tuple(r) for r in rows])  # type: ignore[misc]
        return self.doc_count

    def _build(self, rows: Iterable[tuple[int, str, str, str, str, str]]) -> None:
        per_doc: list[tuple[int, int, dict[str, list[float]]]] = []
        docs: dict[int, tuple[str, str]] = {}
        total_length = 0
        for doc_id, kind, slug, *texts in rows:
            counts: dict[str, list[float]] = {}  # term → [weighted frequency, mask]
            length = 0
            for text, weight, bit in zip(texts, FIELD_WEIGHTS, (IN_NAME, IN_PRODUCTS, IN_BODY), strict=True):
                for term in text.split():
                    length += 1
                    entry = counts.setdefault(term, [0.0, 0])
                    entry[0] += weight
                    entry[1] |= bit
            per_doc.append((doc_id, length, counts))
            docs[doc_id] = (kind, slug)
            total_length += length
        avg = total_length / len(docs) if docs else 1.0
        # bm25's term-frequency part depends only on the entry: computed here, not per question
        parts: dict[str, dict[int, tuple[float, int]]] = defaultdict(dict)
        k1, b = BM25_K1, BM25_B
        for doc_id, length, counts in per_doc:
            norm = k1 * (1 - b + b * length / avg)
            for term, (frequency, mask) in counts.items():
                parts[term][doc_id] = (frequency * (k1 + 1) / (frequency + norm), int(mask))
        n = len(docs)
        postings: dict[str, dict[int, tuple[float, int]]] = {}
        for term, found in parts.items():  # … and so does its idf: their product, the contribution
            rank_idf = _rank_idf(n, len(found))
            postings[term] = {doc_id: (rank_idf * part, mask) for doc_id, (part, mask) in found.items()}
        trigrams: dict[tuple[str, str], list[str]] = defaultdict(list)
        for term in postings:
            if len(term) >= 4:
                for tri in _trigrams(term):
                    trigrams[(term[0], tri)].append(term)
        # swapped in at once: a question never sees half of an index
        self.doc_count = n
        self.df = {term: len(found) for term, found in postings.items()}
        self._idf = {term: _idf(n, df) for term, df in self.df.items()}
        self._sorted_terms = sorted(postings)
        self._trigram_postings = dict(trigrams)
        self._postings = postings
        self._docs = docs
        self._expanded = OrderedDict()
        self.version += 1
    # ---- querying -------------------------------------------------------------------------
    def named_by(self, term: str) -> list[tuple[str, str]]:
        """The entries (kind, slug) whose name or aliases hold `term`."""
        return [self._docs[doc_id] for doc_id, (_, mask) in self._postings.get(term, {}).items() if mask & IN_NAME]

    def idf(self, term: str) -> float:
        known = self._idf.get(term)
        return known if known is not None else _idf(self.doc_count, 0)

    def expand(self, stem: str, *, allow_typos: bool = True) -> Expansion:
        """The indexed terms `stem` stands for (a new Expansion: the caller may add to it)."""
        key = (stem, allow_typos)
        terms = self._expanded.get(key)
        if terms is None:
            terms = tuple(self._expand(stem, allow_typos).terms)
            self._expanded[key] = terms
            if len(self._expanded) > EXPANSIONS_KEPT:
                self._expanded.popitem(last=False)
        else:
            self._expanded.move_to_end(key)
        return Expansion(stem, list(terms))

    def _expand(self, stem: str, allow_typos: bool) -> Expansion:
        exp = Expansion(stem)
        if stem in self.df:
            exp.terms.append((stem, 1.0))
        if len(stem) >= 4 and not stem.isdigit():
            # other forms of the same word: longer terms starting with the stem …
            i = bisect.bisect_left(self._sorted_terms, stem)
            taken = 0
            while i < len(self._sorted_terms) and taken < 12:
                term = self._sorted_terms[i]
                if not term.startswith(stem):
                    break
                if term != stem and len(term) - len(stem) <= 4:
                    exp.terms.append((term, 0.85))
                    taken += 1
                i += 1
            # … and shorter terms the stem starts with
            for k in range(max(4, len(stem) - 3), len(stem)):
                if stem[:k] in self.df:
                    exp.terms.append((stem[:k], 0.85))
        if allow_typos and not exp.terms and len(stem) >= 4 and not stem.isdigit():
            exp.terms.extend(self._typo_candidates(stem))
        if not exp.terms and len(stem) >= DERIVED_MIN and stem.isalpha():
            exp.terms.extend(self._derived(stem))
        return exp

    def _derived(self, stem: str) -> list[tuple[str, float]]:
        """Words of the same root the index has ("огнетушител" → "огнетуша", "лакокраск" →
        "лакокрасочн"): the terms sharing the longest prefix of at least DERIVED_SHARE of the
        stem (and DERIVED_MIN letters), if there are few of them."""
        shortest = max(DERIVED_MIN, math.ceil(len(stem) * DERIVED_SHARE))
        for k in range(len(stem) - 1, shortest - 1, -1):
            prefix = stem[:k]
            i = bisect.bisect_left(self._sorted_terms, prefix)
            found = []
            while i < len(self._sorted_terms) and self._sorted_terms[i].startswith(prefix):
                found.append(self._sorted_terms[i])
                i += 1
                if len(found) > DERIVED_MAX:
                    return []  # a common beginning ("производ…"), not a root
            if found:
                return [(term, DERIVED_FACTOR) for term in found]
        return []

    def _typo_candidates(self, stem: str) -> list[tuple[str, float]]:
        grams = _trigrams(stem)
        shared: Counter[str] = Counter()
        for tri in grams:
            for term in self._trigram_postings.get((stem[0], tri), ()):
                shared[term] += 1
        need = max(2, len(grams) // 3)
        # a short word's swapped letters leave it one trigram ("tyer" and "tyre" share "^ty"):
        # then the letters must be the same ("tyer" is no "tver")
        swaps = len(stem) <= SHORT_TYPO
        letters = sorted(stem)
        cyrillic = "а" <= stem[0] <= "я"
        limit = 2 if cyrillic and len(stem) >= 6 else 1
        best: list[tuple[int, int, str]] = []
        for term, count in shared.items():
            if count < need and not (swaps and sorted(term) == letters):
                continue
            dist = _levenshtein(stem, term, limit)
            if dist <= limit:
                best.append((dist, -self.df[term], term))
        best.sort()
        return [(term, 0.75 if dist == 1 else 0.6) for dist, _, term in best[:3]]

    def selective_terms(self, terms: Iterable[str]) -> tuple[list[str], bool]:
        """The terms worth looking up in the postings.

        On a big index a very common term matches thousands of entries that would all be ranked;
        when the question also has rarer terms, entries matching only the common ones cannot win
        (they cover only the low-weight part of the question), so they are not fetched. The
        common terms still count when the fetched candidates are scored.
        """
        unique = sorted(set(terms))
        common = max(COMMON_MIN_DOCS, int(self.doc_count * COMMON_SHARE))
        rare = [t for t in unique if self.df.get(t, 0) <= common]
        if rare or len(unique) < 2:
            return (rare or unique), False
        # only common terms: entries having the rarest three together cover the question best
        return sorted(unique, key=lambda t: self.df.get(t, 0))[:3], True

    async def candidates(self, terms: Iterable[str], limit: int = 30) -> list[Candidate]:
        """The best `limit` entries (by bm25) having any of the selective terms, or, when all
        terms are common, all of the rarest ones; each with where it has each of `terms`."""
        every = list(dict.fromkeys(terms))
        unique, all_common = self.selective_terms(every)
        if not unique:
            return []
        found: list[tuple[float, int]] = []
        if all_common:
            found = self._rank(unique, limit, require_all=True)
            if not found:
                unique = unique[:2]
        if not found:
            found = self._rank(unique, limit, require_all=False)
        # where each found entry has each of the question's terms (in the order of `terms`)
        fields: dict[int, dict[str, int]] = {doc_id: {} for _, doc_id in found}
        postings = self._postings
        for term in every:
            posting = postings.get(term, _NONE)
            if len(posting) > len(fields):  # a common term: look the few candidates up in it
                for doc_id, where in fields.items():
                    hit = posting.get(doc_id)
                    if hit is not None:
                        where[term] = hit[1]
                continue
            for doc_id, (_, mask) in posting.items():
                where = fields.get(doc_id)
                if where is not None:
                    where[term] = mask
        docs = self._docs
        # (positional: Candidate(doc_id, kind, slug, fields, bm25))
        return [Candidate(doc_id, *docs[doc_id], fields[doc_id], -negative) for negative, doc_id in found]

    def _rank(self, terms: list[str], limit: int, *, require_all: bool) -> list[tuple[float, int]]:
        """(-bm25, doc id) of the best `limit` entries having any (or all) of `terms`, best first."""
        lists = [self._postings[t] for t in terms if t in self._postings]
        if not lists or (require_all and len(lists) < len(terms)):
            return []
        scores: dict[int, float] = {}
        if require_all:
            shortest = min(lists, key=len)
            scores = {d: 0.0 for d in shortest if all(d in other for other in lists)}
        for docs in lists:
            if require_all:
                for doc_id in scores:
                    scores[doc_id] += docs[doc_id][0]
                continue
            get = scores.get
            for doc_id, (contribution, _) in docs.items():
                scores[doc_id] = get(doc_id, 0.0) + contribution
        # the best `limit` (a common term can match thousands): by score, then the entry's order
        ranked = [(-score, doc_id) for doc_id, score in scores.items()]
        return sorted(ranked) if len(ranked) <= limit else heapq.nsmallest(limit, ranked)
