"""An aiogram session that answers Bot API calls locally, with no Telegram.

It keeps the chats' messages, returns realistic results (a `Message` for sendMessage, …) and
reports every outgoing call to a listener. The terminal chat renders through it; handler tests
use it as their mocked bot.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import re
from collections.abc import AsyncGenerator, Callable
from dataclasses import dataclass
from html import unescape
from pathlib import Path
from typing import Any

from aiogram import Bot
from aiogram.client.session.base import BaseSession
from aiogram.methods import (
    AnswerCallbackQuery,
    CopyMessage,
    DeleteMessage,
    EditMessageReplyMarkup,
    EditMessageText,
    GetMe,
    SendDocument,
    SendMessage,
    SendPhoto,
    TelegramMethod,
)
from aiogram.methods.base import TelegramType
from aiogram.types import (
    BufferedInputFile,
    Chat,
    Document,
    FSInputFile,
    InlineKeyboardMarkup,
    Message,
    MessageId,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    User,
)

_LINK = re.compile(r'<a\s+href="([^"]*)"\s*>(.*?)</a>', re.S)
_TAG = re.compile(r"<[^>]*>")


def html_to_text(html: str) -> str:
    """Telegram HTML as the user reads it: tags dropped, links shown with their address."""
    if "<" not in html and "&" not in html:
        return html
    text = _LINK.sub(lambda m: f"{m.group(2)} ({m.group(1)})", html)
    return unescape(_TAG.sub("", text))


@dataclass
class Outgoing:
    """One call the bot made, as the listener sees it."""

    method: TelegramMethod[Any]
    chat_id: int | None = None
    message: Message | None = None  # the resulting message for sends and edits
    edited: bool = False
    document: tuple[str, bytes] | None = None


class LocalSession(BaseSession):
    def __init__(
        self, listener: Callable[[Outgoing], None] | None = None, bot_user: User | None = None
    ) -> None:
        super().__init__()
        self.listener = listener
        self.bot_user = bot_user or User(
            id=1, is_bot=True, first_name="Cluster assistant", username="cluster_assistant_bot"
        )
        self.calls: list[TelegramMethod[Any]] = []
        self.messages: dict[tuple[int, int], Message] = {}
        self._ids: dict[int, itertools.count] = {}
        self.reply_keyboards: dict[int, ReplyKeyboardMarkup | None] = {}

    def next_message_id(self, chat_id: int) -> int:
        return next(self._ids.setdefault(chat_id, itertools.count(1)))

    def _new_message(self, chat_id: int, text: str | None, markup: Any, **extra: Any) -> Message:
        message = Message(
            message_id=self.next_message_id(chat_id),
            date=dt.datetime.now(dt.UTC),
            chat=Chat(id=chat_id, type="private" if chat_id > 0 else "supergroup"),
            from_user=self.bot_user,
            text=text,
            reply_markup=markup if isinstance(markup, InlineKeyboardMarkup) else None,
            **extra,
        )
        self.messages[(chat_id, message.message_id)] = message
        if isinstance(markup, ReplyKeyboardMarkup):
            self.reply_keyboards[chat_id] = markup
        elif isinstance(markup, ReplyKeyboardRemove):
            self.reply_keyboards[chat_id] = None
        return message

    def _emit(self, out: Outgoing) -> None:
        if self.listener is not None:
            self.listener(out)

    async def close(self) -> None:
        return None

    async def stream_content(
        self, url: str, headers: dict[str, Any] | None = None, timeout: int = 30,
        chunk_size: int = 65536, raise_for_status: bool = True,
    ) -> AsyncGenerator[bytes, None]:
        yield b""

    async def make_request(
        self, bot: Bot, method: TelegramMethod[TelegramType], timeout: int | None = None
    ) -> TelegramType:
        self.calls.append(method)
        result: Any = True
        if isinstance(method, GetMe):
            result = self.bot_user
        elif isinstance(method, SendMessage):
            chat_id = int(method.chat_id)
            msg = self._new_message(chat_id, html_to_text(method.text), method.reply_markup)
            self._emit(Outgoing(method, chat_id, msg))
            result = msg
        elif isinstance(method, EditMessageText):
            chat_id = int(method.chat_id or 0)
            key = (chat_id, int(method.message_id or 0))
            old = self.messages.get(key)
            msg = (old or self._new_message(chat_id, None, None)).model_copy(
                update={
                    "text": html_to_text(method.text),
                    "reply_markup": method.reply_markup,
                    "edit_date": int(dt.datetime.now(dt.UTC).timestamp()),
                }
            )
            self.messages[(chat_id, msg.message_id)] = msg
            self._emit(Outgoing(method, chat_id, msg, edited=True))
            result = msg
        elif isinstance(method, EditMessageReplyMarkup):
            chat_id = int(method.chat_id or 0)
            key = (chat_id, int(method.message_id or 0))
            if key in self.messages:
                msg = self.messages[key].model_copy(update={"reply_markup": method.reply_markup})
                self.messages[key] = msg
                self._emit(Outgoing(method, chat_id, msg, edited=True))
                result = msg
        elif isinstance(method, SendDocument | SendPhoto):
            chat_id = int(method.chat_id)
            file = method.document if isinstance(method, SendDocument) else method.photo
            name, data = "file", b""
            if isinstance(file, BufferedInputFile):
                name, data = file.filename or "file", file.data
            elif isinstance(file, FSInputFile):
                name = file.filename or str(file.path)
                data = await asyncio.to_thread(Path(file.path).read_bytes)
            caption = html_to_text(method.caption) if isinstance(method.caption, str) else None
            msg = self._new_message(
                chat_id, None, method.reply_markup, caption=caption,
                document=Document(file_id=f"local-{len(self.calls)}", file_unique_id=f"u{len(self.calls)}", file_name=name),
            )
            self._emit(Outgoing(method, chat_id, msg, document=(name, data)))
            result = msg
        elif isinstance(method, CopyMessage):
            chat_id = int(method.chat_id)
            source = self.messages.get((int(method.from_chat_id), method.message_id))
            msg = self._new_message(chat_id, source.text if source else None, method.reply_markup)
            self._emit(Outgoing(method, chat_id, msg))
            result = MessageId(message_id=msg.message_id)
        elif isinstance(method, DeleteMessage):
            self.messages.pop((int(method.chat_id), method.message_id), None)
        elif isinstance(method, AnswerCallbackQuery):
            self._emit(Outgoing(method))
        return result  # type: ignore[no-any-return]
