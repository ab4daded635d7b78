"""Shared fixtures: an app on a temporary SQLite file with a local (mocked) Bot API session."""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path

import pytest

import bot  # noqa: F401  (first, as in `python -m bot`: aiogram's types are then built on first use)

# isort: split
from aiogram.methods import AnswerCallbackQuery, EditMessageText, SendMessage
from aiogram.types import CallbackQuery, Chat, Message, Update, User

from bot.app import App, create_app
from bot.local_session import LocalSession
from bot.settings import Settings
from tests.fake_telegram import _utf16_len as utf16_len
from tests.fake_telegram import parse_html

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        bot_token=None,
        database_path=tmp_path / "bot.sqlite3",
        admin_ids=[900],
        staff_ids=[800],
        staff_chat_id=-100777,
        semantic_search=False,  # near-synonyms: their own tests and the eval turn them on
    )


class Chatter:
    """Drives the dispatcher as one Telegram user would, through feed_update."""

    _ids = itertools.count(1)

    def __init__(self, app: App, session: LocalSession, user_id: int = 501, language_code: str = "ru"):
        self.app = app
        self.session = session
        self.user = User(id=user_id, is_bot=False, first_name="Иван", language_code=language_code)
        self.chat = Chat(id=user_id, type="private")

    def _mark(self) -> int:
        return len(self.session.calls)

    def calls_since(self, mark: int) -> list:
        calls = self.session.calls[mark:]
        for call in calls:
            # the real Bot API refuses bad HTML: check every text as Telegram would
            # and counts lengths as Telegram does: UTF-16 code units of the parsed text
            if isinstance(call, SendMessage | EditMessageText):
                plain, _ = parse_html(call.text)
                assert utf16_len(plain) <= 4096, f"message is too long ({utf16_len(plain)}): {plain[:200]}"
            elif isinstance(call, AnswerCallbackQuery) and call.text:
                assert utf16_len(call.text) <= 200, f"callback answer is too long: {call.text[:200]}"
            elif isinstance(getattr(call, "caption", None), str):
                plain, _ = parse_html(call.caption)
                assert utf16_len(plain) <= 1024, f"caption is too long: {plain[:200]}"
        return calls

    async def send(self, text: str | None = None, **message_fields) -> list:
        mark = self._mark()
        message = Message(
            message_id=self.session.next_message_id(self.chat.id),
            date=dt.datetime.now(dt.UTC),
            chat=self.chat,
            from_user=self.user,
            text=text,
            **message_fields,
        )
        await self.app.dp.feed_update(self.app.bot, Update(update_id=next(self._ids), message=message))
        return self.calls_since(mark)

    async def press(self, message: Message, data: str) -> list:
        mark = self._mark()
        query = CallbackQuery(
            id=str(next(self._ids)), from_user=self.user, chat_instance="ci", message=message, data=data
        )
        await self.app.dp.feed_update(self.app.bot, Update(update_id=next(self._ids), callback_query=query))
        return self.calls_since(mark)

    def last_message(self) -> Message:
        """The newest bot message in this chat (in its current, possibly edited, state)."""
        mine = [m for (chat, _), m in self.session.messages.items() if chat == self.chat.id and m.from_user and m.from_user.is_bot]
        return max(mine, key=lambda m: m.message_id)

    async def press_text(self, message: Message, contains: str) -> list:
        current = self.session.messages[(message.chat.id, message.message_id)]
        assert current.reply_markup is not None, "message has no buttons"
        for row in current.reply_markup.inline_keyboard:
            for button in row:
                if contains in button.text:
                    return await self.press(current, button.callback_data)
        labels = [b.text for row in current.reply_markup.inline_keyboard for b in row]
        raise AssertionError(f"no button containing {contains!r} in {labels}")


def sent_texts(calls: list) -> list[str]:
    return [c.text for c in calls if isinstance(c, SendMessage | EditMessageText)]


def answered(calls: list) -> list[AnswerCallbackQuery]:
    return [c for c in calls if isinstance(c, AnswerCallbackQuery)]


@pytest.fixture
async def app(settings: Settings):
    session = LocalSession()
    application = create_app(settings, session=session)
    application.retry.delays = (0.0, 0.0)  # a failed request is still sent three times, at once
    await application.startup()
    try:
        yield application
    finally:
        await application.shutdown()


@pytest.fixture
def chatter(app: App) -> Chatter:
    return Chatter(app, app.bot.session)  # type: ignore[arg-type]
