"""Filters as async callables.

aiogram runs synchronous filters (magic `F` filters included) in a worker thread; these are
checked for every message, so they are plain async functions instead.
"""

from __future__ import annotations

from aiogram.filters import Filter
from aiogram.types import Message


class PrivateChat(Filter):
    async def __call__(self, message: Message) -> bool:
        return message.chat.type == "private"


class PrivateCommand(Filter):
    """A command in a private chat: lets routers made only of commands skip other messages."""

    async def __call__(self, message: Message) -> bool:
        return message.chat.type == "private" and bool(message.text) and message.text[0] == "/"


class QuestionText(Filter):
    async def __call__(self, message: Message) -> bool:
        return bool(message.text) and message.text[0] != "/"


class CommandText(Filter):
    async def __call__(self, message: Message) -> bool:
        return bool(message.text) and message.text[0] == "/"
