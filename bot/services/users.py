"""Users: cheap "seen" bookkeeping and the chosen language.

Every update marks its user as seen. The row is written at most once a minute per user when
nothing changed, and — in a running bot — in batches at most a second late (`start()`), so a
burst of messages costs no database round trip per message. Chosen languages are all kept in
memory (loaded at start), so reading one never touches the database.
"""

from __future__ import annotations

import asyncio
import logging
import time

from aiogram.types import User

from bot.services.tasks import cancel_task
from storage.repositories import UserRepository

log = logging.getLogger(__name__)

SEEN_WRITE_INTERVAL = 60.0  # seconds without a write when nothing changed
FLUSH_INTERVAL = 1.0


class UserService:
    def __init__(self, repo: UserRepository, clock=time.monotonic) -> None:
        self.repo = repo
        self._clock = clock
        self._seen: dict[int, tuple[tuple, float]] = {}
        self._locales: dict[int, str] = {}
        self._pending: dict[int, tuple] = {}
        self._flusher: asyncio.Task | None = None

    async def load(self) -> None:
        self._locales = await self.repo.chosen_locales()

    async def seen(self, user: User) -> None:
        """Upsert the user row unless the same data was written less than a minute ago."""
        key = (user.first_name, user.last_name, user.username, user.language_code)
        now = self._clock()
        cached = self._seen.get(user.id)
        if cached is not None and cached[0] == key and now - cached[1] < SEEN_WRITE_INTERVAL:
            return
        self._seen[user.id] = (key, now)
        self._pending[user.id] = (user.id, *key)
        if self._flusher is None:
            await self.flush()

    async def flush(self) -> int:
        if not self._pending:
            return 0
        batch = list(self._pending.values())
        self._pending = {}
        await self.repo.upsert_seen_many(batch)
        return len(batch)

    def locale_of(self, user_id: int) -> str | None:
        return self._locales.get(user_id)

    async def set_locale(self, user_id: int, locale: str) -> None:
        await self.repo.set_locale(user_id, locale)
        self._locales[user_id] = locale

    def start(self) -> None:
        if self._flusher is None:
            self._flusher = asyncio.create_task(self._run(), name="users-seen")

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(FLUSH_INTERVAL)
            try:
                await self.flush()
            except Exception:
                log.exception("could not record seen users")

    async def stop(self) -> None:
        await cancel_task(self._flusher)
        self._flusher = None
        await self.flush()
