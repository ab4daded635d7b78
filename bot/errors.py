"""The dispatcher's error handler: a failed update is logged once and its user is told.

Whatever a handler raises — a Bot API error, a database that can't be written (full disk,
locked, read-only), a bug — ends here (aiogram's `dp.errors`): one log record with the
traceback and no personal data (the update's id and kind, never its text or sender), and a
reply in the user's language. While a fault lasts (a full disk, a Bot API that keeps failing
after `bot.middlewares.TransientRetry`), each update gets one line and the traceback comes once
a minute. A press still unanswered gets an alert; one answered before
the failure gets a message in its chat; a message gets a message. The handler reports the
update as handled, so aiogram doesn't log it a second time.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
import traceback
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import Bot
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.types import ErrorEvent, Update

from bot.i18n import I18n, Translator
from bot.middlewares import PressAnswers

log = logging.getLogger(__name__)

# SQLite result codes (primary) meaning "can't write now" rather than "the code is wrong"
_UNAVAILABLE_CODES = {
    5,  # SQLITE_BUSY: database is locked (after the busy timeout)
    6,  # SQLITE_LOCKED
    8,  # SQLITE_READONLY: attempt to write a readonly database
    10,  # SQLITE_IOERR: disk I/O error
    13,  # SQLITE_FULL: database or disk is full
    14,  # SQLITE_CANTOPEN
}
_UNAVAILABLE_MESSAGES = (
    "database or disk is full", "database is locked", "readonly database", "disk i/o error",
    "unable to open database file", "database table is locked",
)
FAULT_TRACEBACK_EVERY = 60.0  # seconds: while the disk stays full (or the Bot API fails), one a minute
REPLY_ATTEMPTS = 3


def _unavailable(exc: BaseException) -> bool:
    if not isinstance(exc, sqlite3.OperationalError):
        return False
    code = getattr(exc, "sqlite_errorcode", None)
    if isinstance(code, int) and code & 0xFF in _UNAVAILABLE_CODES:
        return True
    text = str(exc).lower()
    return any(m in text for m in _UNAVAILABLE_MESSAGES)


def storage_unavailable(exc: BaseException) -> BaseException | None:
    """The error saying the database can't be written now (full disk, lock, read-only file),
    found in `exc` or in what it was raised from or while handling (SQLite rolls a
    transaction back by itself on SQLITE_FULL, so the ROLLBACK after it fails with "no
    transaction is active" and hides the cause); None for anything else."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if _unavailable(current):
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None


def redacted_traceback(exc: BaseException) -> str:
    """The traceback of `exc` (and what it was raised from or during), as Python prints it,
    but with the message withheld for exceptions whose message may quote the input
    (`int("<what the user typed>")`): only Bot API and database errors keep theirs."""
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and all(current is not seen for seen in chain):
        chain.append(current)
        current = current.__cause__ or (None if current.__suppress_context__ else current.__context__)
    blocks = []
    for item in reversed(chain):
        name = f"{type(item).__module__}.{type(item).__qualname__}"
        said = f": {item}" if isinstance(item, TelegramAPIError | sqlite3.Error) else " (message withheld)"
        blocks.append("Traceback (most recent call last):\n" + "".join(traceback.format_tb(item.__traceback__))
                      + name + said)
    return "\n\nDuring the handling of the above, another exception occurred:\n\n".join(blocks)


def _kind(update: Update) -> str:
    return update.event_type if update.event_type else "unknown"


def create_error_handler(i18n: I18n, presses: PressAnswers) -> Callable[..., Awaitable[bool]]:
    last_fault_traceback = [float("-inf")]

    def throttled_traceback(exc: BaseException) -> str:
        """While a fault lasts (a full disk, a Bot API outage), one traceback a minute."""
        now = time.monotonic()
        if now - last_fault_traceback[0] < FAULT_TRACEBACK_EVERY:
            return ""
        last_fault_traceback[0] = now
        return "\n" + redacted_traceback(exc)

    def log_failure(update: Update, exc: BaseException, unavailable: BaseException | None) -> None:
        where = f"update {update.update_id} ({_kind(update)})"
        if isinstance(exc, TelegramForbiddenError):
            log.info("%s: the user can't be written to: %s", where, exc.message)
        elif unavailable:
            log.error("%s: the database can't be written (%s); the user was asked to retry%s",
                      where, unavailable, throttled_traceback(exc))
        elif isinstance(exc, TelegramServerError | TelegramNetworkError):  # retried already
            log.error("%s: the Bot API kept failing (%s: %s); the user was asked to retry%s",
                      where, type(exc).__name__, exc.message, throttled_traceback(exc))
        else:
            log.error("%s failed: %s\n%s", where, type(exc).__name__, redacted_traceback(exc))

    async def send(bot: Bot, chat_id: int, text: str) -> None:
        for attempt in range(1, REPLY_ATTEMPTS + 1):
            try:
                await bot.send_message(chat_id, text)
                return
            except TelegramRetryAfter as exc:
                if attempt == REPLY_ATTEMPTS or exc.retry_after > 5:
                    raise
                await asyncio.sleep(exc.retry_after)
            except (TelegramServerError, TelegramNetworkError):
                if attempt == REPLY_ATTEMPTS:
                    raise
                await asyncio.sleep(0.5 * attempt)

    async def tell(bot: Bot, update: Update, text: str, *, write: bool) -> None:
        query = update.callback_query
        if query is not None:
            if not presses.finish(query.id):
                try:
                    await bot.answer_callback_query(query.id, text=text, show_alert=True)
                    return
                except TelegramAPIError as exc:  # too old, or the Bot API is failing: write
                    log.info("update %d: the press could not be answered (%s)", update.update_id, exc)
            chat_id = query.message.chat.id if query.message is not None else query.from_user.id
        else:
            message = update.message or update.edited_message
            if message is None:
                return  # nobody to tell (a member update, an inline query...)
            chat_id = message.chat.id
        if write:
            await send(bot, chat_id, text)

    async def on_error(event: ErrorEvent, bot: Bot, **data: Any) -> bool:
        exc = event.exception
        update = event.update
        unavailable = storage_unavailable(exc)
        log_failure(update, exc, unavailable)
        t: Translator = data.get("t") or i18n.get(data.get("locale"))
        text = t("error-save-failed" if unavailable else "error-try-again")
        try:
            # blocked by the user (or by the chat it wrote to): a press still gets its answer,
            # but no message is written
            await tell(bot, update, text, write=not isinstance(exc, TelegramForbiddenError))
        except TelegramAPIError as exc2:
            log.warning("update %d: the user could not be told about the failure: %s",
                        update.update_id, exc2)
        return True

    return on_error
