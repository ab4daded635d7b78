"""Users: cheap "seen" bookkeeping and the chosen language."""

from __future__ import annotations

import time

from aiogram.types import User

from storage.repositories import UserRepository

SEEN_WRITE_INTERVAL = 60.0  # seconds without a write when nothing changed


class UserService:
    def __init__(self, repo: UserRepository, clock=time.monotonic) -> None:
        self.repo = repo
        self._clock = clock
        self._seen: dict[int, tuple[tuple, float]] = {}
        self._locales: dict[int, str | None] = {}

    async def seen(self, user: User) -> None:
        """Upsert the user row unless the same data was written less than a minute ago."""
        key = (user.first_name, user.last_name, user.username, user.language_code)
        now = self._clock()
        cached = self._seen.get(user.id)
        if cached is not None and cached[0] == key and now - cached[1] < SEEN_WRITE_INTERVAL:
            return
        await self.repo.upsert_seen(
            user.id, user.first_name, user.last_name, user.username, user.language_code
        )
        self._seen[user.id] = (key, now)

    async def locale_of(self, user_id: int) -> str | None:
        if user_id not in self._locales:
            record = await self.repo.get(user_id)
            self._locales[user_id] = record.locale if record else None
        return self._locales[user_id]

    async def set_locale(self, user_id: int, locale: str) -> None:
        await self.repo.set_locale(user_id, locale)
        self._locales[user_id] = locale
