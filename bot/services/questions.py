"""Asking: search (with a cache of recent answers), and remember what was asked.

The question log is the source of "what people ask that we can't answer yet". It is analytics,
not a promise to anyone, so it is written in batches (at most a second late, flushed on a clean
stop); a crash can lose at most the last second of it. Applications and hand-offs never go
through here.

The batches go through `BatchWriter`: a question is kept until it is written, so a full disk
loses nothing while fewer than `MAX_PENDING` questions wait (then new ones are dropped and
counted: the held ones are written first when space is back); a question SQLite can't store is
dropped alone, not with its batch.
"""

from __future__ import annotations

import itertools
import logging
from collections import OrderedDict

from bot.services.batch_writer import BatchWriter
from bot.services.search import SearchResult, SearchService
from storage.analyzer import fold
from storage.repositories import QuestionRepository

log = logging.getLogger(__name__)

CACHE_SIZE = 4096
FLUSH_INTERVAL = 1.0
FLUSH_BATCH = 200
# questions held while the database can't be written; ~1 MB for typical ones, 40 MB if every
# one were 4,096 characters of Cyrillic
MAX_PENDING = 5_000


class QuestionService:
    def __init__(self, search: SearchService, repo: QuestionRepository) -> None:
        self.search = search
        self.repo = repo
        self._cache: OrderedDict[tuple[str, str, int], SearchResult] = OrderedDict()
        self.log_writer = BatchWriter(
            "question log", lambda rows: self.repo.add_many(rows), max_pending=MAX_PENDING, batch_size=FLUSH_BATCH,
            interval=FLUSH_INTERVAL,
        )
        self._seq = itertools.count()
        self.cache_size = CACHE_SIZE  # 0 turns the answer cache off (benchmarks)
        # each user's latest question, for "ask a person" (best effort, memory only)
        self.last: OrderedDict[int, tuple[str, str]] = OrderedDict()

    def _key(self, text: str, locale: str) -> tuple[str, str, int]:
        # (split() splits at exactly the characters \s matches: runs of whitespace as one space)
        return (" ".join(fold(text).split()), locale, self.search.index.version)

    async def ask(self, user_id: int | None, text: str, locale: str) -> SearchResult:
        key = self._key(text, locale)
        result = self._cache.get(key) if self.cache_size else None
        if result is None:
            result = await self.search.search(text, locale=locale)
            if self.cache_size:
                self._cache[key] = result
                if len(self._cache) > self.cache_size:
                    self._cache.popitem(last=False)
        else:
            self._cache.move_to_end(key)
        if result.intent in ("greeting", "thanks", "help"):
            return result  # small talk is not a question to learn from
        best = result.best
        # a request for one of the bot's functions ("unsubscribe", "a person, please") is not a
        # question to hand to a person: "ask a person" keeps offering the one asked before
        if user_id is not None and result.feature is None:
            self.last[user_id] = (text, best.title if best else "")
            self.last.move_to_end(user_id)
            if len(self.last) > CACHE_SIZE:
                self.last.popitem(last=False)
        self.log_writer.put(next(self._seq), (
            user_id, text, locale, best.kind if best else None, best.slug if best else None,
            best.score if best else 0.0, result.answered,
        ))
        if not self.log_writer.running:
            await self.log_writer.flush_quietly()  # no background writer (tests, `ask`): now
        return result

    async def flush(self) -> int:
        """Write the questions held now (one pass; a storage error is raised, rows kept)."""
        return await self.log_writer.flush()

    def start(self) -> None:
        self.log_writer.start()

    async def stop(self) -> None:
        await self.log_writer.stop()
