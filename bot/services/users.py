"""Users: cheap "seen" bookkeeping and the chosen language.

Every update marks its user as seen. The row is written at most once a minute per user when
nothing changed, and — in a running bot — in batches at most a second late (`start()`), so a
burst of messages costs no database round trip per message. Chosen languages are all kept in
memory (loaded at start), so reading one never touches the database.

The first row of a user is what subscribes them (campaigns go to the users table), so the batch
never loses one: rows go through `BatchWriter` (kept until written, retried with backoff while
the disk is full, a row SQLite refuses dropped alone), one row per user (a newer row replaces the
one waiting), at most `MAX_PENDING` users held. Beyond the cap a refresh of a user already
stored is dropped first (it only moves last_seen); a new user is refused only when the cap is
full of new users, and is then offered again with their next update (their "seen" mark is not
set), so they are not lost while they keep writing.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Hashable

from aiogram.types import User

from bot.services.batch_writer import BatchWriter
from storage.repositories import UserRepository

log = logging.getLogger(__name__)

SEEN_WRITE_INTERVAL = 60.0  # seconds without a write when nothing changed
FLUSH_INTERVAL = 1.0
FLUSH_BATCH = 500
MAX_PENDING = 50_000  # distinct users held while the database can't be written (~20 MB)


class UserService:
    def __init__(self, repo: UserRepository, clock=time.monotonic) -> None:
        self.repo = repo
        self._clock = clock
        self._seen: dict[int, tuple[tuple, float]] = {}
        self._locales: dict[int, str] = {}
        self._stored: set[int] = set()  # users with a row in the database
        self.writer = BatchWriter(
            "seen users", lambda rows: self.repo.upsert_seen_many(rows), max_pending=MAX_PENDING, batch_size=FLUSH_BATCH,
            interval=FLUSH_INTERVAL, on_written=self._written,
        )

    async def load(self) -> None:
        self._locales = await self.repo.chosen_locales()
        self._stored = await self.repo.ids()

    def _written(self, user_ids: list[Hashable]) -> None:
        self._stored.update(user_ids)  # type: ignore[arg-type]

    async def seen(self, user: User) -> None:
        """Upsert the user row unless the same data was written less than a minute ago."""
        key = (user.first_name, user.last_name, user.username, user.language_code)
        now = self._clock()
        cached = self._seen.get(user.id)
        if cached is not None and cached[0] == key and now - cached[1] < SEEN_WRITE_INTERVAL:
            return
        held, evicted = self.writer.put(user.id, (user.id, *key), evictable=user.id in self._stored)
        if evicted is not None:
            self._seen.pop(evicted, None)  # their next update offers the row again
        if held:
            self._seen[user.id] = (key, now)
        if not self.writer.running:
            await self.writer.flush_quietly()  # no background writer (tests, `ask`): now

    async def flush(self) -> int:
        """Write the rows held now (one pass; a storage error is raised, rows kept)."""
        return await self.writer.flush()

    def locale_of(self, user_id: int) -> str | None:
        return self._locales.get(user_id)

    async def set_locale(self, user_id: int, locale: str) -> None:
        await self.repo.set_locale(user_id, locale)
        self._locales[user_id] = locale

    def start(self) -> None:
        self.writer.start()

    async def stop(self) -> None:
        await self.writer.stop()
