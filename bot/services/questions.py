"""Asking: search (with a cache of recent answers), and remember what was asked.

The question log is the source of "what people ask that we can't answer yet". It is analytics,
not a promise to anyone, so it is written in batches (at most a second late, flushed on a clean
stop); a crash can lose at most the last second of it. Applications and hand-offs never go
through here.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections import OrderedDict

from bot.services.search import SearchResult, SearchService
from bot.services.tasks import cancel_task
from storage.analyzer import fold
from storage.repositories import QuestionRepository

log = logging.getLogger(__name__)

CACHE_SIZE = 4096
FLUSH_INTERVAL = 1.0
FLUSH_BATCH = 200
_SPACES = re.compile(r"\s+")


class QuestionService:
    def __init__(self, search: SearchService, repo: QuestionRepository) -> None:
        self.search = search
        self.repo = repo
        self._cache: OrderedDict[tuple[str, str, int], SearchResult] = OrderedDict()
        self._pending: list[tuple] = []
        self._flusher: asyncio.Task | None = None
        self._wake = asyncio.Event()
        self.cache_size = CACHE_SIZE  # 0 turns the answer cache off (benchmarks)
        # each user's latest question, for "ask a person" (best effort, memory only)
        self.last: OrderedDict[int, tuple[str, str]] = OrderedDict()

    def _key(self, text: str, locale: str) -> tuple[str, str, int]:
        return (_SPACES.sub(" ", fold(text)).strip(), locale, self.search.index.version)

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
        if user_id is not None:
            self.last[user_id] = (text, best.title if best else "")
            self.last.move_to_end(user_id)
            if len(self.last) > CACHE_SIZE:
                self.last.popitem(last=False)
        self._pending.append(
            (user_id, text, locale, best.kind if best else None, best.slug if best else None,
             best.score if best else 0.0, result.confident)
        )
        if len(self._pending) >= FLUSH_BATCH:
            self._wake.set()
        if self._flusher is None:
            await self.flush()  # no background writer (tests, `ask`): write at once
        return result

    async def flush(self) -> int:
        if not self._pending:
            return 0
        batch, self._pending = self._pending, []
        await self.repo.add_many(batch)
        return len(batch)

    def start(self) -> None:
        if self._flusher is None:
            self._flusher = asyncio.create_task(self._run(), name="question-log")

    async def _run(self) -> None:
        while True:
            try:
                await asyncio.wait_for(self._wake.wait(), FLUSH_INTERVAL)
            except TimeoutError:
                pass
            self._wake.clear()
            try:
                await self.flush()
            except Exception:  # never let analytics take the bot down
                log.exception("could not write the question log")

    async def stop(self) -> None:
        await cancel_task(self._flusher)
        self._flusher = None
        await self.flush()
