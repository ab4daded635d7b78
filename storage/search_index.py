"""The full-text index (SQLite FTS5 over stems computed in Python) and its vocabulary.

Each knowledge-base entry is one document with three weighted fields: `name` (title and
aliases), `products` (what it is about: products, regions, kinds) and `body` (the rest).
The vocabulary (term → document frequency) is also kept in memory for morphology-by-prefix
and typo correction, which FTS5 cannot do on stems by itself.
"""

from __future__ import annotations

import asyncio
import bisect
import math
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from storage.analyzer import analyze
from storage.db import Database

FIELD_WEIGHTS = (10.0, 4.0, 1.0)  # bm25 weights: name, products, body
COMMON_SHARE = 0.01  # a term in more than 1% of the entries …
COMMON_MIN_DOCS = 100  # … and in more than 100 of them is "common"
FIELDS_CACHE = 2_000  # entries whose word sets are kept (the whole knowledge base, a part of a big one)


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
    name: frozenset[str]
    products: frozenset[str]
    body: frozenset[str]
    bm25: float


@dataclass(slots=True)
class Expansion:
    """How a query stem maps onto indexed terms: (term, factor) with factor ≤ 1."""

    stem: str
    terms: list[tuple[str, float]] = field(default_factory=list)

    @property
    def known(self) -> bool:
        return bool(self.terms)


def _trigrams(term: str) -> set[str]:
    padded = f"^{term}$"
    return {padded[i : i + 3] for i in range(len(padded) - 2)}


def _levenshtein(a: str, b: str, limit: int) -> int:
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev = list(range(len(b) + 1))
    prev2 = prev
    for i, ca in enumerate(a, 1):
        cur = [i]
        best = i
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            value = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            # transposition (Damerau)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                value = min(value, prev2[j - 2] + 1)
            cur.append(value)
            best = min(best, value)
        if best > limit:
            return limit + 1
        prev2 = prev
        prev = cur
    return prev[-1]


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
        self._fields: dict[int, tuple[frozenset[str], frozenset[str], frozenset[str]]] = {}
        # set except while a rebuild is replacing the tables: a search waits for it (~30 ms)
        # rather than read a half-built index on the shared connection
        self._idle = asyncio.Event()
        self._idle.set()

    # ---- building -------------------------------------------------------------------------
    async def rebuild(self, docs: Iterable[IndexDoc]) -> int:
        rows = []
        for doc in docs:
            rows.append(
                (
                    doc.kind,
                    doc.slug,
                    " ".join(analyze(doc.name)),
                    " ".join(analyze(doc.products)),
                    " ".join(analyze(doc.body)),
                )
            )
        self._idle.clear()
        try:
            await self._replace(rows)
        finally:
            self._idle.set()
        self._build_vocab(r[2:] for r in rows)
        return len(rows)

    async def _replace(self, rows: list[tuple[str, str, str, str, str]]) -> None:
        async with self.db.transaction() as conn:
            await conn.execute("DELETE FROM search_fts")
            await conn.execute("DELETE FROM search_docs")
            for i, (kind, slug, *_fields) in enumerate(rows, 1):
                await conn.execute(
                    "INSERT INTO search_docs (id, kind, slug) VALUES (?, ?, ?)", (i, kind, slug)
                )
            await conn.executemany(
                "INSERT INTO search_fts (rowid, name, products, body) VALUES (?, ?, ?, ?)",
                [(i, r[2], r[3], r[4]) for i, r in enumerate(rows, 1)],
            )

    async def load(self) -> int:
        """Rebuild the in-memory vocabulary from the stored index."""
        rows = await self.db.fetchall("SELECT name, products, body FROM search_fts")
        self._build_vocab((r[0], r[1], r[2]) for r in rows)
        return self.doc_count

    def _build_vocab(self, fields: Iterable[tuple[str, str, str]]) -> None:
        df: Counter[str] = Counter()
        count = 0
        for name, products, body in fields:
            count += 1
            df.update(set(name.split()) | set(products.split()) | set(body.split()))
        postings: dict[tuple[str, str], list[str]] = defaultdict(list)
        for term in df:
            if len(term) >= 4:
                for tri in _trigrams(term):
                    postings[(term[0], tri)].append(term)
        self.doc_count = count
        self.df = dict(df)
        self._sorted_terms = sorted(df)
        self._trigram_postings = dict(postings)
        self._fields = {}  # the ids now name other entries
        self.version += 1

    # ---- querying -------------------------------------------------------------------------
    def idf(self, term: str) -> float:
        n = self.df.get(term, 0)
        return math.log(1 + (self.doc_count + 1) / (n + 0.5))

    def expand(self, stem: str, *, allow_typos: bool = True) -> Expansion:
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
        return exp

    def _typo_candidates(self, stem: str) -> list[tuple[str, float]]:
        grams = _trigrams(stem)
        shared: Counter[str] = Counter()
        for tri in grams:
            for term in self._trigram_postings.get((stem[0], tri), ()):
                shared[term] += 1
        need = max(2, len(grams) // 3)
        cyrillic = "а" <= stem[0] <= "я"
        limit = 2 if cyrillic and len(stem) >= 6 else 1
        best: list[tuple[int, int, str]] = []
        for term, count in shared.items():
            if count < need:
                continue
            dist = _levenshtein(stem, term, limit)
            if dist <= limit:
                best.append((dist, -self.df[term], term))
        best.sort()
        return [(term, 0.75 if dist == 1 else 0.6) for dist, _, term in best[:3]]

    def selective_terms(self, terms: Iterable[str]) -> tuple[list[str], bool]:
        """The terms worth asking FTS5 for.

        On a big index a very common term matches thousands of entries that FTS5 must all rank;
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
        unique, all_common = self.selective_terms(terms)
        if not unique:
            return []
        if all_common:
            found = await self._match(" AND ".join(f'"{t}"' for t in unique), limit)
            if found:
                return found
            unique = unique[:2]
        return await self._match(" OR ".join(f'"{t}"' for t in unique), limit)

    async def _match(self, match: str, limit: int) -> list[Candidate]:
        if not self._idle.is_set():
            await self._idle.wait()
        w_name, w_products, w_body = FIELD_WEIGHTS
        rows = await self.db.fetchall(
            "SELECT d.id, d.kind, d.slug, f.name, f.products, f.body,"
            f" bm25(search_fts, {w_name}, {w_products}, {w_body}) AS rank"
            " FROM search_fts AS f JOIN search_docs AS d ON d.id = f.rowid"
            " WHERE search_fts MATCH ? ORDER BY rank LIMIT ?",
            (match, limit),
        )
        out = []
        for r in rows:
            fields = self._fields.get(r[0])
            if fields is None:  # each entry's words are split into sets once, not per question
                fields = (frozenset(r[3].split()), frozenset(r[4].split()), frozenset(r[5].split()))
                self._fields[r[0]] = fields
                if len(self._fields) > FIELDS_CACHE:
                    self._fields.pop(next(iter(self._fields)))
            out.append(Candidate(doc_id=r[0], kind=r[1], slug=r[2], name=fields[0], products=fields[1],
                                 body=fields[2], bm25=-float(r[6])))
        return out
