"""The terminal chat: the same dispatcher, handlers and database, no Telegram.

Messages print as text; inline and reply buttons print as a numbered list and typing the
number presses the button. Works with piped stdin (`printf '/start\\n1\\n' | python -m bot console`).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import sys
import tempfile
from pathlib import Path
from typing import TextIO

from aiogram.methods import AnswerCallbackQuery
from aiogram.types import (
    CallbackQuery,
    Chat,
    Contact,
    InlineKeyboardButton,
    KeyboardButton,
    Message,
    Update,
    User,
)

from bot.app import App, create_app
from bot.local_session import LocalSession, Outgoing
from bot.settings import Settings


class Console:
    def __init__(
        self,
        settings: Settings,
        *,
        user_id: int = 100001,
        first_name: str = "Console",
        language_code: str = "ru",
        out: TextIO = sys.stdout,
        echo_input: bool | None = None,
        phone: str = "+79990000000",
    ) -> None:
        self.phone = phone
        self.settings = settings
        self.out = out
        self.user = User(id=user_id, is_bot=False, first_name=first_name, language_code=language_code)
        self.chat = Chat(id=user_id, type="private")
        self.session = LocalSession(listener=self.render)
        self.app: App = create_app(settings, session=self.session)
        self.session.bot_user = User(
            id=self.app.bot.id, is_bot=True, first_name="Cluster assistant", username="cluster_assistant_bot"
        )
        self._update_ids = itertools.count(1)
        self._inline: list[tuple[Message, InlineKeyboardButton]] = []
        self._reply: list[KeyboardButton] = []
        self._echo = echo_input
        self._files_dir = Path(tempfile.gettempdir())

    # ---- output -------------------------------------------------------------------------------
    def _print(self, text: str = "") -> None:
        print(text, file=self.out, flush=True)

    def render(self, out: Outgoing) -> None:
        t = self.app.i18n.get(self.user.language_code)
        if isinstance(out.method, AnswerCallbackQuery):
            if out.method.text:
                self._print(f"   ⓘ {out.method.text}")
            return
        if out.chat_id != self.chat.id:
            self._print(f"[→ chat {out.chat_id}]")
        msg = out.message
        if msg is None:
            return
        self._print()
        if out.edited:
            self._print("🤖 " + t("console-edited"))
        if out.document is not None:
            name, data = out.document
            path = self._files_dir / Path(name).name
            path.write_bytes(data)
            self._print("🤖 " + t("console-document", name=name, size=len(data), path=str(path)))
            if msg.caption:
                self._print(msg.caption)
        if msg.text:
            prefix = "" if out.edited else "🤖 "
            self._print(prefix + msg.text)
        if out.chat_id != self.chat.id:
            return  # another chat (the staff group): shown, but its buttons aren't ours to press
        keyboard = msg.reply_markup
        reply = self.session.reply_keyboards.get(self.chat.id)
        if keyboard is not None and keyboard.inline_keyboard:
            self._inline = [(msg, button) for row in keyboard.inline_keyboard for button in row]
        elif reply is not None and not out.edited:
            self._inline = []  # a reply keyboard replaces the previous buttons
        self._reply = [b for row in reply.keyboard for b in row] if reply else []
        if keyboard is not None and keyboard.inline_keyboard or self._reply:
            self._print_buttons(keyboard.inline_keyboard if keyboard else [])

    def _print_buttons(self, rows: list[list[InlineKeyboardButton]]) -> None:
        n = 0
        for row in rows:
            cells = []
            for button in row:
                n += 1
                label = button.text + (f" ({button.url})" if button.url else "")
                cells.append(f"[{n}] {label}")
            self._print("   " + "   ".join(cells))
        if self._reply:
            cells = []
            for i, button in enumerate(self._reply, len(self._inline) + 1):
                cells.append(f"[{i}] {button.text}")
            self._print("   ⌨ " + "   ".join(cells))

    # ---- input --------------------------------------------------------------------------------
    def _message_update(self, text: str | None, **fields: object) -> Update:
        message = Message(
            message_id=self.session.next_message_id(self.chat.id),
            date=dt.datetime.now(dt.UTC),
            chat=self.chat,
            from_user=self.user,
            text=text,
            **fields,
        )
        # kept like Telegram keeps it, so copyMessage (campaign preview and sending) finds it
        self.session.messages[(self.chat.id, message.message_id)] = message
        return Update(update_id=next(self._update_ids), message=message)

    def _press_update(self, number: int) -> Update | None:
        if 1 <= number <= len(self._inline):
            message, button = self._inline[number - 1]
            if button.callback_data is None:
                self._print(f"   → {button.url or button.text}")
                return None
            current = self.session.messages.get((message.chat.id, message.message_id), message)
            query = CallbackQuery(
                id=str(next(self._update_ids)),
                from_user=self.user,
                chat_instance="console",
                message=current,
                data=button.callback_data,
            )
            return Update(update_id=next(self._update_ids), callback_query=query)
        index = number - len(self._inline) - 1
        if 0 <= index < len(self._reply):
            button = self._reply[index]
            if button.request_contact:
                self._print(f"   → {self.phone}")
                return self._message_update(None, contact=Contact(
                    phone_number=self.phone, first_name=self.user.first_name, user_id=self.user.id))
            return self._message_update(button.text)
        return None

    async def handle_line(self, line: str) -> None:
        text = line.strip()
        if not text:
            return
        update = None
        if text.isdigit():
            update = self._press_update(int(text))
            if update is None and 1 <= int(text) <= len(self._inline):
                return
        if update is None:
            update = self._message_update(text)
        await self.app.dp.feed_update(self.app.bot, update)

    async def run(self, stdin: TextIO = sys.stdin) -> None:
        echo = self._echo if self._echo is not None else not stdin.isatty()
        await self.app.startup()
        self.app.start_background()
        try:
            t = self.app.i18n.get(self.app.i18n.pick_locale(None, self.user.language_code))
            self._print(t("console-banner"))
            loop = asyncio.get_running_loop()
            while True:
                if not echo:
                    print("> ", end="", file=self.out, flush=True)
                line = await loop.run_in_executor(None, stdin.readline)
                if not line:
                    break
                if echo:
                    self._print(f"\n👤 {line.rstrip()}")
                await self.handle_line(line)
        finally:
            await self.app.shutdown()
            await self.app.bot.session.close()
