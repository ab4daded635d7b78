"""Search latency: SearchService.search end to end (analysis + candidates from the in-memory index + scoring).

(a) the real knowledge base (the app as `create_app` builds it, content loaded at startup, with
    SEMANTIC_SEARCH on: the near-synonyms are built, in their child process, before timing; the
    build is timed once), queried with every eval question (the `q` of tests/eval/dev.yaml,
    test.yaml and questions.yaml: long conversational ones included);
(b) a synthetic knowledge base of 10,000 Russian-like entries in a separate temporary database,
    queried with the eval questions plus queries built from document terms (some with a typo)
    and out-of-vocabulary queries. Its catalogue (what list answers are built from) is its own
    entries: the synthetic clusters (regions, status, accepting) and measures (kind); the real
    KB's near-synonyms are copied into its database, so unknown words cost their lookup.

Every query is warmed up, then measured many times (passes over the shuffled query set);
the report gives count, median, p90, p99 and max per set, the index build time, and ratios
against baselines measured in the same run. Target: p99 <= 5 ms at 10,000 entries.

    .venv/bin/python bench/search_bench.py [--quick] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import itertools
import logging
import random
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from common import (
    CONTENT_DIR,
    Output,
    latency_stats,
    load_eval_questions,
    locale_of,
    machine_info,
    machine_line,
    median,
    verdict,
)

from bot.app import create_app
from bot.local_session import LocalSession
from bot.services.search import SearchService
from bot.settings import Settings
from storage import analyzer
from storage.analyzer import STOPWORDS, analyze_pairs, is_dictionary_word, tokens
from storage.db import Database
from storage.models import LList, LText
from storage.neighbours import NeighbourRepository
from storage.search_index import IndexDoc, SearchIndex

TARGET_P99_MS = 5.0
TARGET_DOCS = 10_000

# ---- synthetic Russian-like text -----------------------------------------------------------------

# single consonants dominate; clusters and closed syllables are rarer, as in Russian
ONSETS = tuple("б в г д ж з к л м н п р с т ф х ц ч ш".split() * 4) + tuple(
    "бр вр гр др кр пр тр ст ск сп пл кл сл зв св дв тв вл гл бл мл зн сн см хр".split()
)
VOWELS = tuple("а о е и у ы я ю а о е и а о".split())
CODAS = ("",) * 12 + ("н", "р", "л", "с", "т", "к", "м", "в", "рт", "ст")
# word classes: (derivational suffixes, inflectional endings)
NOUN = (("", "", "", "к", "ник", "ств"), ("", "а", "ы", "у", "ой", "ом", "ами", "ах", "ов", "е", "и"))
ABSTRACT = (("ость", "ени"), ("", "и", "ью", "ям", "ями", "ях", "е", "я"))
ADJ = (("н", "ск", "ов", "ичн", "альн"), ("ый", "ая", "ое", "ые", "ого", "ому", "ыми", "ых", "ой"))
VERB = (("", "ир", "ов"), ("ать", "ает", "ают", "ал", "ала", "ить", "ит"))
CLASSES = (NOUN, NOUN, NOUN, ABSTRACT, ADJ, ADJ, VERB)
# Zipf-Mandelbrot law over content words (function words are mixed in separately and dropped by
# the analyzer): the most frequent stem ends up in about half of the entries, as a domain term
# ("кластер", "предприятие") would in a real knowledge base.
ZIPF_EXPONENT = 1.0
ZIPF_OFFSET = 20
FUNCTION_WORDS = "и в на для по с о к из от до при за или а также как это что".split()
CYRILLIC = "абвгдежзиклмнопрстуфхцчшщыэюя"


@dataclass(slots=True)
class Lexeme:
    stem: str
    endings: tuple[str, ...]  # () for a real word used as is

    def form(self, rng: random.Random) -> str:
        return self.stem + rng.choice(self.endings) if self.endings else self.stem


def pseudo_stem(rng: random.Random) -> str:
    syllables = rng.choice((1, 2, 2, 2, 3, 3))
    return "".join(rng.choice(ONSETS) + rng.choice(VOWELS) + rng.choice(CODAS) for _ in range(syllables))


def pseudo_lexeme(rng: random.Random) -> Lexeme:
    suffixes, endings = rng.choice(CLASSES)
    return Lexeme(pseudo_stem(rng) + rng.choice(suffixes), endings)


def harvest_content_words() -> list[str]:
    """Distinct meaningful words (surface forms) of the real content files."""
    words: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, str):
            for tok in tokens(node):
                if len(tok) >= 3 and tok not in STOPWORDS and not tok.isdigit():
                    words.add(tok)
        elif isinstance(node, dict):
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    for path in sorted(CONTENT_DIR.glob("*.yaml")):
        walk(yaml.safe_load(path.read_text(encoding="utf-8")))
    return sorted(words)


class Vocabulary:
    """Real content words mixed into generated pseudo-words, drawn with a Zipf-like law."""

    def __init__(self, rng: random.Random, pseudo_count: int) -> None:
        self.rng = rng
        real = [Lexeme(w, ()) for w in harvest_content_words()]
        seen: set[str] = {lx.stem for lx in real}
        pseudo: list[Lexeme] = []
        while len(pseudo) < pseudo_count:
            lx = pseudo_lexeme(rng)
            if lx.stem not in seen:
                seen.add(lx.stem)
                pseudo.append(lx)
        # real words spread over the frequent half of the ranks, pseudo-words fill the rest
        ranked = pseudo[:]
        for lx in real:
            ranked.insert(rng.randrange(0, max(1, len(ranked) // 2)), lx)
        self.lexemes = ranked
        self.real_count = len(real)
        self.known_stems = seen
        weights = (1.0 / (r + ZIPF_OFFSET) ** ZIPF_EXPONENT for r in range(len(ranked)))
        self.cum_weights = list(itertools.accumulate(weights))

    def words(self, k: int) -> list[str]:
        picks = self.rng.choices(self.lexemes, cum_weights=self.cum_weights, k=k)
        return [lx.form(self.rng) for lx in picks]

    def text(self, k: int, function_share: float = 0.0) -> list[str]:
        out = []
        for word in self.words(k):
            if function_share and self.rng.random() < function_share:
                out.append(self.rng.choice(FUNCTION_WORDS))
            out.append(word)
        return out


@dataclass(slots=True)
class SynDoc:
    kind: str
    slug: str
    name: list[str]
    products: list[str]
    body: list[str]


def generate_docs(vocab: Vocabulary, n: int, rng: random.Random) -> list[SynDoc]:
    docs = []
    for i in range(n):
        kind = rng.choices(("cluster", "measure", "faq"), weights=(2, 3, 5))[0]
        name = vocab.words(rng.randint(5, 10))
        products = vocab.words(rng.randint(8, 12))
        body = vocab.text(rng.randint(60, 120), function_share=0.25)
        docs.append(SynDoc(kind, f"syn-{i}", name, products, body))
    return docs


def to_index_doc(doc: SynDoc) -> IndexDoc:
    body = " ".join(doc.body)
    return IndexDoc(doc.kind, doc.slug, name=" ".join(doc.name), products=", ".join(doc.products), body=body + ".")


@dataclass(frozen=True, slots=True)
class SynEntry:
    """What SearchService reads of an entry: slug; name (cluster), title (measure) or question
    (faq), with its aliases (and a FAQ entry's intent); for the catalogue listings a cluster's regions, products, status
    and whether it accepts applications, a cluster's members, and a measure's kind."""

    slug: str
    name: LText
    title: LText
    question: LText
    regions: LList
    status: str = "active"
    accepts_applications: bool = False
    kind: str = "other"
    aliases: list[str] = field(default_factory=list)  # (phrases of the entry's own name, as real aliases are)
    intent: str | None = None
    products: LList | None = None  # a cluster's products (a listing is headed by the ones asked for)
    participants: LText | None = None  # a cluster's members (whether it names any, for "какие участники")


MEASURE_KINDS = ("subsidy", "tax", "loan", "other")


class SyntheticKB:
    """Stand-in for KnowledgeBase over the synthetic docs: the lookups (get, by_slug), the
    catalogue (clusters, measures, faq; filter_clusters, accepting_clusters, measures_of_kind),
    index_docs and revision, as SearchService uses them."""

    def __init__(self, docs: list[SynDoc], regions: list[str], rng: random.Random,
                 catalogue: int | None = None) -> None:
        self._by_id: dict[tuple[str, int], SynEntry] = {}
        self._by_slug: dict[tuple[str, str], tuple[int, SynEntry]] = {}
        self.clusters: list[tuple[int, SynEntry]] = []
        self.measures: list[tuple[int, SynEntry]] = []
        self.faq: list[tuple[int, SynEntry]] = []
        self.revision = "synthetic"
        self._docs = docs
        for id_, doc in enumerate(docs, 1):
            text = LText(ru=" ".join(doc.name).capitalize())
            entry = SynEntry(
                doc.slug, text, text, text, LList(ru=rng.sample(regions, min(len(regions), rng.randint(1, 3)))),
                status=rng.choice(("active", "active", "creating")), accepts_applications=rng.random() < 0.5,
                kind=rng.choice(MEASURE_KINDS),
                aliases=[" ".join(rng.sample(doc.name, min(len(doc.name), rng.randint(1, 3)))) for _ in range(4)],
                products=LList(ru=[" ".join(doc.products)] if doc.products else ["—"]),
                participants=LText(ru=f"{rng.randint(3, 30)} участников"),
            )
            self._by_id[(doc.kind, id_)] = entry
            self._by_slug[(doc.kind, doc.slug)] = (id_, entry)
            {"cluster": self.clusters, "measure": self.measures, "faq": self.faq}[doc.kind].append((id_, entry))
        self._in_region: dict[frozenset[str], list[tuple[int, SynEntry]]] = {}  # (as KnowledgeBase indexes them)
        self._filtered: dict[tuple[str | None, str | None], list[tuple[int, SynEntry]]] = {}
        self._accepting: list[tuple[int, SynEntry]] | None = None
        self._of_kind: dict[str, list[tuple[int, SynEntry]]] = {}
        if catalogue is not None:  # a catalogue of real size; the other entries stay searchable
            self.clusters = self.clusters[:catalogue]
            self.measures = self.measures[:catalogue]

    def get(self, kind: str, id_: int) -> SynEntry | None:
        return self._by_id.get((kind, id_))

    def by_slug(self, kind: str, slug: str) -> tuple[int, SynEntry] | None:
        return self._by_slug.get((kind, slug))

    def filter_clusters(self, status: str | None = None, region: str | None = None) -> list[tuple[int, SynEntry]]:
        key = (status, region)  # (KnowledgeBase computes its filters at load)
        if key not in self._filtered:
            self._filtered[key] = [(id_, c) for id_, c in self.clusters
                                   if (status is None or c.status == status) and (region is None or region in c.regions.ru)]
        return list(self._filtered[key])

    def clusters_in(self, regions: set[str]) -> list[tuple[int, SynEntry]]:
        return self._in_region.get(frozenset(regions)) or self._index_regions(frozenset(regions))

    def _index_regions(self, regions: frozenset[str]) -> list[tuple[int, SynEntry]]:
        found = self._in_region[regions] = [(id_, c) for id_, c in self.clusters if not regions.isdisjoint(c.regions.ru)]
        return found

    def accepting_clusters(self) -> list[tuple[int, SynEntry]]:
        if self._accepting is None:
            self._accepting = [(id_, c) for id_, c in self.clusters if c.accepts_applications]
        return list(self._accepting)

    def measures_of_kind(self, kind: str) -> list[tuple[int, SynEntry]]:
        if kind not in self._of_kind:
            self._of_kind[kind] = [(id_, m) for id_, m in self.measures if m.kind == kind]
        return list(self._of_kind[kind])

    def index_docs(self) -> list[IndexDoc]:
        return [to_index_doc(d) for d in self._docs]


# ---- queries -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Query:
    text: str
    locale: str
    category: str


def eval_queries() -> list[Query]:
    return [Query(q, locale_of(q), "eval questions") for q in load_eval_questions()]


def content_words(words: list[str]) -> list[str]:
    return [w for w in words if w not in FUNCTION_WORDS]


def term_query(doc: SynDoc, rng: random.Random) -> str:
    k = rng.randint(1, 4)
    if rng.random() < 0.5:  # a phrase from the body
        body = content_words(doc.body)
        start = rng.randrange(0, max(1, len(body) - k))
        return " ".join(body[start : start + k])
    pool = doc.name + doc.products  # keywords from the title and products
    return " ".join(rng.sample(pool, min(k, len(pool))))


def with_typo(text: str, rng: random.Random) -> str | None:
    words = text.split()
    long = [i for i, w in enumerate(words) if len(w) >= 5 and w[0] in CYRILLIC]
    if not long:
        return None
    i = rng.choice(long)
    w = words[i]
    pos = rng.randrange(1, len(w) - 1)
    letter = rng.choice([c for c in CYRILLIC if c != w[pos]])
    words[i] = w[:pos] + letter + w[pos + 1 :]
    return " ".join(words)


def oov_word(rng: random.Random, index: SearchIndex) -> str:
    while True:
        word = pseudo_lexeme(rng).form(rng) if rng.random() < 0.5 else pseudo_stem(rng) + "ов"
        if analyzer.stem(word) not in index.df:
            return word


def synthetic_queries(
    docs: list[SynDoc], index: SearchIndex, rng: random.Random, n_terms: int, n_typo: int, n_oov: int
) -> list[Query]:
    out = eval_queries()
    for _ in range(n_terms):
        out.append(Query(term_query(rng.choice(docs), rng), "ru", "random doc terms"))
    typos = 0
    while typos < n_typo:
        text = with_typo(term_query(rng.choice(docs), rng), rng)
        if text:
            out.append(Query(text, "ru", "doc terms with a typo"))
            typos += 1
    for _ in range(n_oov):
        words = [oov_word(rng, index) for _ in range(rng.randint(1, 3))]
        if rng.random() < 0.5:  # half of them mixed with a known word
            words.insert(rng.randrange(len(words) + 1), rng.choice(content_words(rng.choice(docs).body)))
        out.append(Query(" ".join(words), "ru", "out-of-vocabulary"))
    return out


# ---- measuring -------------------------------------------------------------------------------------


async def measure(
    fn: Any, queries: list[Query], passes: int, warmup: int, rng: random.Random
) -> tuple[dict[int, list[int]], list[float]]:
    """Per-query latency samples (ns) of `await fn(query)`; also the p99 of each pass (ms)."""
    for _ in range(warmup):
        for q in queries:
            await fn(q)
    samples: dict[int, list[int]] = defaultdict(list)
    pass_p99: list[float] = []
    order = list(range(len(queries)))
    perf = time.perf_counter_ns
    for _ in range(passes):
        rng.shuffle(order)
        gc.collect()
        this_pass = []
        for i in order:
            t0 = perf()
            await fn(queries[i])
            dt = perf() - t0
            samples[i].append(dt)
            this_pass.append(dt)
        pass_p99.append(latency_stats(this_pass)["p99_ms"])
    return samples, pass_p99


def flatten(samples: dict[int, list[int]], keep: set[int] | None = None) -> list[int]:
    return [v for i, vals in samples.items() if keep is None or i in keep for v in vals]


def search_fn(svc: SearchService) -> Any:
    async def run(q: Query) -> None:
        await svc.search(q.text, locale=q.locale)

    return run


def query_terms(index: SearchIndex, text: str) -> list[str]:
    """The index terms SearchService.search asks for (same steps as the service: analysis, expansion)."""
    pairs = analyze_pairs(text)
    stems = list(dict.fromkeys(stem for _, stem in pairs))
    spelled = {stem for token, stem in pairs if is_dictionary_word(token)}
    expansions = [index.expand(s, allow_typos=s not in spelled) for s in stems]
    return [t for exp in expansions for t, _ in exp.terms]


def analysis_fn(index: SearchIndex) -> Any:
    async def run(q: Query) -> None:
        query_terms(index, q.text)

    return run


def fts_fn(index: SearchIndex, terms: dict[str, list[str]]) -> Any:
    async def run(q: Query) -> None:
        t = terms[q.text]
        if t:
            await index.candidates(t)

    return run


async def measure_cold(svc: SearchService, queries: list[Query], rng: random.Random) -> list[int]:
    """One pass with the analyzer's memo caches emptied before each query: every word is new."""
    caches = [
        f
        for f in (getattr(analyzer, "stem", None), getattr(analyzer, "_dictionary_word", None))
        if hasattr(f, "cache_clear")
    ]
    order = list(range(len(queries)))
    rng.shuffle(order)
    out = []
    for i in order:
        for f in caches:
            f.cache_clear()
        t0 = time.perf_counter_ns()
        await svc.search(queries[i].text, locale=queries[i].locale)
        out.append(time.perf_counter_ns() - t0)
    return out


def row(label: str, entries: int | str, queries: int | str, samples: list[int]) -> list[Any]:
    s = latency_stats(samples)
    return [label, entries, queries, s["count"], s["median_ms"], s["p90_ms"], s["p99_ms"], s["max_ms"]]


HEADERS = ["set", "entries", "queries", "samples", "median ms", "p90 ms", "p99 ms", "max ms"]


# ---- main ----------------------------------------------------------------------------------------------


async def main(args: argparse.Namespace) -> dict[str, Any]:
    out = Output(args.json)
    rng = random.Random(args.seed)
    passes = args.passes or (3 if args.quick else 20)
    warmup = 1 if args.quick else 2
    n_terms, n_typo, n_oov = (30, 15, 15) if args.quick else (150, 75, 75)
    info = machine_info()
    out.print(f"search_bench{' (--quick)' if args.quick else ''}: SearchService.search end to end")
    out.print(machine_line(info))
    t_start = time.perf_counter()
    result: dict[str, Any] = {"bench": "search", "quick": args.quick, "machine": info, "passes": passes}

    with tempfile.TemporaryDirectory(prefix="bench-search-") as tmp:
        tmpdir = Path(tmp)

        # (a) the real knowledge base, as the bot runs it
        settings = Settings(  # type: ignore[call-arg]
            _env_file=None, bot_token=None, database_path=tmpdir / "real.sqlite3", semantic_search=True
        )
        app = create_app(settings, session=LocalSession())
        t0 = time.perf_counter()
        await app.startup()
        real_startup = time.perf_counter() - t0
        t0 = time.perf_counter()
        semantic = await app.search.prepare_neighbours()  # the child process, as the bot does at start
        neighbours_build = time.perf_counter() - t0
        neighbour_rows = await app.db.fetchall("SELECT word, terms, revision FROM word_neighbours")
        real_entries = app.search.index.doc_count
        real_queries = eval_queries()
        regions = sorted({r for _, c in app.kb.clusters for r in c.regions.ru})
        out.print(
            f"\n(a) real KB: {real_entries} entries, {len(app.search.index.df):,} distinct stems; "
            f"startup (migrate + load content + index) {real_startup * 1000:.0f} ms; near-synonyms "
            + (f"ON: built in {neighbours_build:.1f} s (child process: load Navec, compare), "
               f"{len(neighbour_rows):,} words" if semantic else "OFF (could not be built: see the log)")
            + f"; {len(real_queries)} eval questions (the dev parts, test, questions.yaml) x {passes} passes "
            f"after {warmup} warm-up pass(es)"
        )
        real_samples, real_pass_p99 = await measure(search_fn(app.search), real_queries, passes, warmup, rng)
        real_all = flatten(real_samples)
        real_long = {i for i, q in enumerate(real_queries) if len(q.text.split()) >= 10}
        await app.shutdown()

        # (b) a synthetic knowledge base
        t0 = time.perf_counter()
        vocab = Vocabulary(rng, args.pseudo_words)
        docs = generate_docs(vocab, args.docs, rng)
        index_docs = [to_index_doc(d) for d in docs]
        gen_time = time.perf_counter() - t0
        db = Database(tmpdir / "synthetic.sqlite3")
        await db.open()
        index = SearchIndex(db)
        build_times = []
        for _ in range(1 if args.quick else 3):
            analyzer.stem.cache_clear()
            gc.collect()
            t0 = time.perf_counter()
            await index.rebuild(index_docs)
            build_times.append(time.perf_counter() - t0)
        build_time = median(build_times)
        kb = SyntheticKB(docs, regions, rng, args.catalogue)
        # the real KB's near-synonyms, in the synthetic database: a question's unknown words cost
        # their lookup here too (they point at real content words, which the vocabulary mixes in)
        async with db.transaction() as conn:
            await conn.executemany(
                "INSERT INTO word_neighbours (word, terms, revision) VALUES (?, ?, ?)",
                [(w, t, kb.revision) for w, t, _ in neighbour_rows],
            )
        svc = SearchService(kb, index, NeighbourRepository(db))  # type: ignore[arg-type]  # a stand-in KB
        svc.neighbours_revision = kb.revision if neighbour_rows else None
        queries = synthetic_queries(docs, index, rng, n_terms, n_typo, n_oov)
        words_total = sum(len(d.name) + len(d.products) + len(d.body) for d in docs)
        out.print(
            f"\n(b) synthetic KB: {index.doc_count:,} entries, {len(index.df):,} distinct stems "
            f"({vocab.real_count:,} real content words + {args.pseudo_words:,} pseudo-words, Zipf-like; "
            f"{words_total / len(docs):.0f} words/entry); generated in {gen_time:.1f} s; "
            f"SearchIndex.rebuild: median {build_time:.2f} s of {len(build_times)} "
            f"({', '.join(f'{b:.2f}' for b in build_times)} s)"
        )
        top_df = sorted(index.df.values(), reverse=True)
        once = sum(1 for v in top_df if v == 1)
        out.print(
            f"    document frequency: top stem in {top_df[0] / index.doc_count:.0%} of entries, "
            f"10th {top_df[9] / index.doc_count:.0%}, 100th {top_df[99] / index.doc_count:.1%}; "
            f"{once:,} stems occur in one entry only"
        )
        out.print(
            f"    catalogue{' (--catalogue)' if args.catalogue is not None else ''}: {len(kb.clusters):,} clusters ({len(regions)} real regions), {len(kb.measures):,} "
            f"measures, {len(kb.faq):,} FAQ entries; near-synonyms: {len(neighbour_rows):,} words"
        )
        out.print(
            f"    {len(queries)} queries x {passes} passes after {warmup} warm-up pass(es); examples: "
            + "; ".join(
                repr(next(q.text for q in queries if q.category == c))
                for c in ("random doc terms", "doc terms with a typo", "out-of-vocabulary")
            )
        )
        syn_samples, syn_pass_p99 = await measure(search_fn(svc), queries, passes, warmup, rng)
        syn_all = flatten(syn_samples)

        # baselines on the same queries: the pure-Python analysis/expansion, and the candidates alone
        base_passes = max(2, passes // 4)
        terms = {q.text: query_terms(index, q.text) for q in queries}
        ana_samples, _ = await measure(analysis_fn(index), queries, base_passes, 1, rng)
        fts_samples, _ = await measure(fts_fn(index, terms), queries, base_passes, 1, rng)
        cold = await measure_cold(svc, queries, rng)
        await db.close()

    categories: dict[str, set[int]] = defaultdict(set)
    for i, q in enumerate(queries):
        categories[q.category].add(i)

    rows = [
        row("(a) real KB, eval questions, near-synonyms on", real_entries, len(real_queries), real_all),
        row("      of them 10+ words (long, conversational)", "", len(real_long), flatten(real_samples, real_long)),
        row("(b) synthetic KB, all queries", index.doc_count, len(queries), syn_all),
    ]
    for cat, keep in categories.items():
        rows.append(row(f"      {cat}", "", len(keep), flatten(syn_samples, keep)))
    rows += [
        row("    baseline: analysis+expansion only", "", len(queries), flatten(ana_samples)),
        row("    baseline: candidates() only", "", len(queries), flatten(fts_samples)),
        row("    first-seen words (analyzer caches cleared)", "", len(queries), cold),
    ]
    out.print("\nlatency per query (time.perf_counter_ns around `await SearchService.search(...)`)")
    out.table(HEADERS, rows)

    real_s, syn_s = latency_stats(real_all), latency_stats(syn_all)
    fts_s, ana_s = latency_stats(flatten(fts_samples)), latency_stats(flatten(ana_samples))
    cold_s = latency_stats(cold)
    ratios = {
        "synthetic_vs_real_median": syn_s["median_ms"] / real_s["median_ms"],
        "synthetic_vs_real_p99": syn_s["p99_ms"] / real_s["p99_ms"],
        "synthetic_e2e_vs_fts_only_median": syn_s["median_ms"] / fts_s["median_ms"],
        "synthetic_e2e_vs_analysis_only_median": syn_s["median_ms"] / ana_s["median_ms"],
    }
    out.print(
        f"\nratios (same run): synthetic/real median x{ratios['synthetic_vs_real_median']:.2f}, "
        f"p99 x{ratios['synthetic_vs_real_p99']:.2f}; synthetic end-to-end / candidates-only median "
        f"x{ratios['synthetic_e2e_vs_fts_only_median']:.2f}, / analysis+expansion-only median "
        f"x{ratios['synthetic_e2e_vs_analysis_only_median']:.2f}"
    )
    out.print(
        f"p99 per pass (ms): real median {median(real_pass_p99):.2f} "
        f"[{min(real_pass_p99):.2f}..{max(real_pass_p99):.2f}], synthetic median "
        f"{median(syn_pass_p99):.2f} [{min(syn_pass_p99):.2f}..{max(syn_pass_p99):.2f}]"
    )
    elapsed = time.perf_counter() - t_start
    ok = syn_s["p99_ms"] <= TARGET_P99_MS and index.doc_count >= TARGET_DOCS
    scale_note = "" if index.doc_count >= TARGET_DOCS else f" (only {index.doc_count:,} entries: target needs {TARGET_DOCS:,})"
    summary = (
        f"SUMMARY search: {verdict(ok)} - synthetic {index.doc_count:,} entries p99 "
        f"{syn_s['p99_ms']:.2f} ms (target <= {TARGET_P99_MS:g} ms){scale_note}; median "
        f"{syn_s['median_ms']:.2f} ms; real KB p99 {real_s['p99_ms']:.2f} ms "
        f"({len(real_queries)} eval questions, near-synonyms {'on' if semantic else 'OFF'}, "
        f"built in {neighbours_build:.1f} s); index build "
        f"{build_time:.2f} s; first-seen p99 {cold_s['p99_ms']:.2f} ms; ran {elapsed:.0f} s"
    )
    out.print("\n" + summary)
    result.update(
        {
            "real": {"entries": real_entries, "queries": len(real_queries), **real_s,
                     "long_queries": len(real_long), "long": latency_stats(flatten(real_samples, real_long)),
                     "startup_s": real_startup, "pass_p99_ms": real_pass_p99,
                     "semantic_search": semantic, "neighbours_build_s": neighbours_build,
                     "neighbour_words": len(neighbour_rows)},
            "synthetic": {
                "entries": index.doc_count,
                "distinct_stems": len(index.df),
                "queries": len(queries),
                "catalogue_clusters": len(kb.clusters),
                "catalogue_measures": len(kb.measures),
                **syn_s,
                "pass_p99_ms": syn_pass_p99,
                "build_s": build_time,
                "build_runs_s": build_times,
                "by_category": {c: latency_stats(flatten(syn_samples, k)) for c, k in categories.items()},
                "baseline_analysis_only": ana_s,
                "baseline_fts_only": fts_s,
                "first_seen": cold_s,
            },
            "ratios": ratios,
            "target": {"p99_ms_max": TARGET_P99_MS, "entries": TARGET_DOCS},
            "pass": ok,
            "elapsed_s": elapsed,
            "summary": summary,
        }
    )
    out.emit_json(result)
    return result


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="fast smoke run: few passes and queries")
    p.add_argument("--json", action="store_true", help="print a JSON summary on stdout (report on stderr)")
    p.add_argument("--docs", type=int, default=TARGET_DOCS, help="synthetic entries (default 10000)")
    p.add_argument("--pseudo-words", type=int, default=40_000, help="generated pseudo-lexemes")
    p.add_argument("--catalogue", type=int, default=None,
                   help="clusters and measures in the synthetic catalogue that list answers are built from "
                        "(default: all of its cluster and measure entries, about 2,000 and 3,000)")
    p.add_argument("--passes", type=int, default=0, help="measured passes per query (default 20, quick 3)")
    p.add_argument("--seed", type=int, default=20240201)
    return p.parse_args(argv)


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING)
    asyncio.run(main(parse_args()))
    sys.exit(0)
