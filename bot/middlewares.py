"""Outer middlewares: user bookkeeping, language, and in-flight tracking for a clean stop."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject, User

from bot.i18n import I18n
from bot.services.users import UserService


class UserContextMiddleware(BaseMiddleware):
    """Upserts the user (cheaply) and puts `locale` and `t` into handler data."""

    def __init__(self, users: UserService, i18n: I18n) -> None:
        self.users = users
        self.i18n = i18n

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        user: User | None = data.get("event_from_user")
        stored = None
        if user is not None and not user.is_bot:
            await self.users.seen(user)
            stored = self.users.locale_of(user.id)
        locale = self.i18n.pick_locale(stored, user.language_code if user else None)
        data["locale"] = locale
        data["t"] = self.i18n.get(locale)
        return await handler(event, data)


class InFlightMiddleware(BaseMiddleware):
    """Remembers the tasks handling updates so shutdown can let them finish."""

    def __init__(self) -> None:
        self.tasks: set[asyncio.Task] = set()

    async def __call__(self, handler, event, data):  # type: ignore[no-untyped-def]
        task = asyncio.current_task()
        if task is not None:
            self.tasks.add(task)
        try:
            return await handler(event, data)
        finally:
            if task is not None:
                self.tasks.discard(task)

    async def wait(self, timeout: float = 10.0) -> None:
        current = asyncio.current_task()
        pending = [t for t in self.tasks if t is not current and not t.done()]
        if pending:
            await asyncio.wait(pending, timeout=timeout)
