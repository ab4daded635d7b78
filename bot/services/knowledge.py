"""The knowledge base as the bot uses it: cached entries, filters, and the search documents."""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import TypeVar

from bot.services.tasks import cancel_task
from storage.content_loader import DEFAULT_CONTENT_DIR, import_content
from storage.models import Cluster, Faq, Measure
from storage.repositories import ContentRepository
from storage.search_index import IndexDoc, SearchIndex

MEASURE_KINDS = ("subsidy", "tax", "loan", "other")
CLUSTER_STATUSES = ("active", "creating")
CONTENT_CHECK_EVERY = 10.0  # seconds between checks for content imported while the bot runs
DERIVED_SIZE = 8192  # values derived from the content kept at most (rendered cards, buttons)

T = TypeVar("T")

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Ref:
    """A pointer to one entry: kind is cluster | measure | faq."""

    kind: str
    id: int
    slug: str


class KnowledgeBase:
    def __init__(self, repo: ContentRepository, index: SearchIndex) -> None:
        self.repo = repo
        self.index = index
        self.clusters: list[tuple[int, Cluster]] = []
        self.measures: list[tuple[int, Measure]] = []
        self.faq: list[tuple[int, Faq]] = []
        self._by_id: dict[tuple[str, int], Cluster | Measure | Faq] = {}
        self._by_slug: dict[tuple[str, str], tuple[int, Cluster | Measure | Faq]] = {}
        self._in_region: dict[str, list[int]] = {}  # a region's Russian name → its clusters' positions
        # the catalogue's filters, computed at load (list questions ask them on every question)
        self._with_status: dict[str, list[tuple[int, Cluster]]] = {}
        self._accepting: list[tuple[int, Cluster]] = []
        self._of_kind: dict[str, list[tuple[int, Measure]]] = {}
        self.revision: str | None = None  # of the content loaded (ContentRepository.revision)
        # changes whenever the entries do (at the moment they are swapped in): what is derived
        # from them (rendered answers) is keyed by it
        self.generation = 0
        self._derived: OrderedDict[Hashable, object] = OrderedDict()
        self._watch: asyncio.Task | None = None

    async def ensure_loaded(self, content_dir=DEFAULT_CONTENT_DIR) -> bool:
        """First start: load the content files into an empty database. Returns True if loaded."""
        loaded = False
        if await self.repo.is_empty():
            await import_content(self.repo, content_dir)
            loaded = True
        await self.reload()
        return loaded

    async def reload(self) -> None:
        self.revision = await self.repo.revision()
        self.clusters = await self.repo.clusters()
        self.measures = await self.repo.measures()
        self.faq = await self.repo.faq()
        self._by_id = {}
        self._by_slug = {}
        in_region: dict[str, list[int]] = {}
        for position, (_, cluster) in enumerate(self.clusters):
            for region in cluster.regions.ru:
                in_region.setdefault(region, []).append(position)
        self._in_region = in_region
        with_status: dict[str, list[tuple[int, Cluster]]] = {}
        for id_, cluster in self.clusters:
            with_status.setdefault(cluster.status, []).append((id_, cluster))
        self._with_status = with_status
        self._accepting = [(id_, c) for id_, c in self.clusters if c.accepts_applications]
        of_kind: dict[str, list[tuple[int, Measure]]] = {}
        for id_, measure in self.measures:
            of_kind.setdefault(measure.kind, []).append((id_, measure))
        self._of_kind = of_kind
        for kind, entries in (("cluster", self.clusters), ("measure", self.measures), ("faq", self.faq)):
            for id_, entry in entries:
                self._by_id[(kind, id_)] = entry
                self._by_slug[(kind, entry.slug)] = (id_, entry)
        self._derived = OrderedDict()  # (with the entries: nothing derived from the old ones stays)
        self.generation += 1
        await self.index.rebuild(self.index_docs())

    async def refresh_if_changed(self) -> bool:
        """Reload when the content in the database changed (`python -m bot import` while the
        bot runs); True if it did."""
        if await self.repo.revision() == self.revision:
            return False
        await self.reload()
        log.info("knowledge base reloaded: content revision %s", self.revision)
        return True

    def watch(self, every: float = CONTENT_CHECK_EVERY) -> None:
        """Check for new content every `every` seconds in the background."""
        if self._watch is None:
            self._watch = asyncio.create_task(self._watch_loop(every), name="content-watch")

    async def stop_watching(self) -> None:
        await cancel_task(self._watch)
        self._watch = None

    async def _watch_loop(self, every: float) -> None:
        while True:
            await asyncio.sleep(every)
            try:
                await self.refresh_if_changed()
            except Exception:  # a bad moment for the database: try again next time
                log.exception("could not check the knowledge base for changes")

    def index_docs(self) -> list[IndexDoc]:
        docs = []
        for _, c in self.clusters:
            docs.append(
                IndexDoc(
                    "cluster",
                    c.slug,
                    name=" ".join([*c.name.all_texts(), *c.aliases]),
                    products=" ".join([*c.products.all_texts(), *c.regions.all_texts()]),
                    body=" ".join(
                        [
                            *c.description.all_texts(),
                            *c.participants.all_texts(),
                            *(c.organization.all_texts() if c.organization else []),
                        ]
                    ),
                )
            )
        for _, m in self.measures:
            docs.append(
                IndexDoc(
                    "measure",
                    m.slug,
                    name=" ".join([*m.title.all_texts(), *m.aliases]),
                    products=" ".join([*m.summary.all_texts(), *m.legal_basis.all_texts()]),
                    body=" ".join(
                        [*m.eligibility.all_texts(), *m.terms.all_texts(), *m.how_to_apply.all_texts()]
                    ),
                )
            )
        for _, f in self.faq:
            docs.append(
                IndexDoc(
                    "faq",
                    f.slug,
                    name=" ".join([*f.question.all_texts(), *f.aliases]),
                    products="",
                    body=" ".join(f.answer.all_texts()),
                )
            )
        return docs

    def derived(self, key: Hashable, make: Callable[[], T]) -> T:
        """A value computed from the entries loaded (a rendered card, an answer's buttons):
        `make()` once per content, then kept (the latest DERIVED_SIZE) until the content changes.
        `key` must name everything `make` depends on besides the entries."""
        try:
            value = self._derived[key]
        except KeyError:
            value = make()
            self._derived[key] = value
            if len(self._derived) > DERIVED_SIZE:
                self._derived.popitem(last=False)
            return value
        self._derived.move_to_end(key)
        return value  # type: ignore[return-value]

    # ---- lookups ----------------------------------------------------------------------------
    def get(self, kind: str, id_: int) -> Cluster | Measure | Faq | None:
        return self._by_id.get((kind, id_))

    def by_slug(self, kind: str, slug: str) -> tuple[int, Cluster | Measure | Faq] | None:
        return self._by_slug.get((kind, slug))

    def cluster(self, id_: int) -> Cluster | None:
        entry = self._by_id.get(("cluster", id_))
        return entry if isinstance(entry, Cluster) else None

    def measure(self, id_: int) -> Measure | None:
        entry = self._by_id.get(("measure", id_))
        return entry if isinstance(entry, Measure) else None

    def faq_entry(self, id_: int) -> Faq | None:
        entry = self._by_id.get(("faq", id_))
        return entry if isinstance(entry, Faq) else None

    def regions(self, locale: str) -> list[str]:
        """Distinct regions of all clusters (Russian names are the filter keys)."""
        seen: dict[str, None] = {}
        for _, c in self.clusters:
            for region in c.regions.ru:
                seen.setdefault(region, None)
        return sorted(seen)

    def region_label(self, region_ru: str, locale: str) -> str:
        if locale == "ru":
            return region_ru
        for _, c in self.clusters:
            if region_ru in c.regions.ru and c.regions.en and len(c.regions.en) == len(c.regions.ru):
                return c.regions.en[c.regions.ru.index(region_ru)]
        return region_ru

    def filter_clusters(
        self, status: str | None = None, region: str | None = None
    ) -> list[tuple[int, Cluster]]:
        if region is None:
            return list(self.clusters if status is None else self._with_status.get(status, []))
        return [
            (id_, c)
            for id_, c in self.clusters
            if (status is None or c.status == status) and region in c.regions.ru
        ]

    def clusters_in(self, regions: set[str]) -> list[tuple[int, Cluster]]:
        """The clusters in any of `regions` (Russian names), in catalogue order."""
        positions = sorted({p for r in regions for p in self._in_region.get(r, ())})
        return [self.clusters[p] for p in positions]

    def accepting_clusters(self) -> list[tuple[int, Cluster]]:
        return list(self._accepting)

    def measures_of_kind(self, kind: str) -> list[tuple[int, Measure]]:
        return list(self._of_kind.get(kind, []))

    def measure_kind_counts(self) -> dict[str, int]:
        counts = dict.fromkeys(MEASURE_KINDS, 0)
        for _, m in self.measures:
            counts[m.kind] += 1
        return counts
