"""Outer middlewares: user bookkeeping, language, in-flight tracking for a clean stop, an
answer for every button press; and Bot API request middlewares that keep every text within
Telegram's limits and retry a request that failed for a moment."""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware, Bot
from aiogram.client.default import Default
from aiogram.client.session.middlewares.base import BaseRequestMiddleware
from aiogram.dispatcher.event.bases import UNHANDLED
from aiogram.exceptions import TelegramAPIError, TelegramNetworkError, TelegramServerError
from aiogram.methods import AnswerCallbackQuery, EditMessageText, GetUpdates, SendMessage
from aiogram.types import CallbackQuery, TelegramObject, User

from bot.i18n import I18n
from bot.services.tasks import QUICK_RETRIES
from bot.services.users import UserService
from bot.views import (
    CALLBACK_ANSWER_LIMIT,
    CAPTION_LIMIT,
    MAX_MESSAGE,
    truncate_html,
    truncate_text,
    utf16_len,
    visible_length,
)

log = logging.getLogger(__name__)


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


class PressAnswers(BaseMiddleware):
    """Outer callback_query middleware: every press gets exactly one answer.

    The Bot API request middleware `recorder` notes which presses a handler answered itself.
    After the handlers: a press nobody handled (old-format, garbage or forged data) is answered
    "this button is outdated"; a handled press the handler didn't answer is answered silently.
    A handler that raised leaves its press to the error handler (bot.errors), which asks
    `finish()` whether the press still needs an answer (an alert) or, if it was answered before
    the failure, a message.
    """

    LIMIT = 10_000  # presses in flight remembered at most (a bound, not a working figure)

    def __init__(self) -> None:
        self._pending: OrderedDict[str, bool] = OrderedDict()  # query id -> answered
        self.recorder = _AnswerRecorder(self._pending)

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        if not isinstance(event, CallbackQuery):
            return await handler(event, data)
        self._pending[event.id] = False
        while len(self._pending) > self.LIMIT:
            self._pending.popitem(last=False)
        try:
            result = await handler(event, data)
        except Exception:
            raise  # the error handler tells the user and calls finish()
        except BaseException:
            self._pending.pop(event.id, None)
            raise
        if not self._pending.pop(event.id, False):
            bot: Bot = data["bot"]
            text = None
            if result is UNHANDLED:
                t = data.get("t")
                text = t("error-outdated") if t is not None else None
            try:
                await bot.answer_callback_query(event.id, text=text, show_alert=text is not None)
            except TelegramAPIError as exc:
                log.warning("a button press could not be answered: %s", exc)
        return result

    def finish(self, query_id: str) -> bool:
        """Forget the press; True if it was already answered."""
        return self._pending.pop(query_id, False)


class _AnswerRecorder(BaseRequestMiddleware):
    def __init__(self, pending: OrderedDict[str, bool]) -> None:
        self.pending = pending

    async def __call__(self, make_request, bot, method):  # noqa: ANN001, ANN204
        response = await make_request(bot, method)
        if isinstance(method, AnswerCallbackQuery) and method.callback_query_id in self.pending:
            self.pending[method.callback_query_id] = True
        return response


class TextLimits(BaseRequestMiddleware):
    """A Bot API request middleware: no request is refused by Telegram for its length.

    Texts (4,096), captions (1,024) and press answers (200) are measured as Telegram measures
    them, in UTF-16 code units of the text after HTML parsing; one that is too long is cut
    safely (whole characters and tags, open tags closed, "…" at the cut) and a warning is
    logged. Handlers bound their texts themselves; this is the net under all of them (the
    outbox and campaigns included).
    """

    async def __call__(self, make_request, bot, method):  # noqa: ANN001, ANN204
        if isinstance(method, SendMessage | EditMessageText):
            method = self._fit(bot, method, "text", "parse_mode", "entities", MAX_MESSAGE)
        elif isinstance(method, AnswerCallbackQuery):
            if method.text and utf16_len(method.text) > CALLBACK_ANSWER_LIMIT:
                self._warn(method, utf16_len(method.text), CALLBACK_ANSWER_LIMIT)
                method = method.model_copy(update={"text": truncate_text(method.text, CALLBACK_ANSWER_LIMIT)})
        elif isinstance(getattr(method, "caption", None), str):
            method = self._fit(bot, method, "caption", "parse_mode", "caption_entities", CAPTION_LIMIT)
        return await make_request(bot, method)

    def _fit(self, bot: Bot, method, field: str, mode_field: str, entities_field: str, limit: int):  # noqa: ANN001, ANN202
        text = getattr(method, field)
        if not isinstance(text, str) or getattr(method, entities_field, None):
            return method  # entities carry their own offsets: nothing to cut safely
        if len(text) * 2 <= limit or utf16_len(text) <= limit:
            # fits whatever the mode: parsing tags and character references only shortens
            # a text, and no character is more than 2 UTF-16 units (the common case: no parse)
            return method
        mode = getattr(method, mode_field, None)
        if isinstance(mode, Default):
            mode = bot.default[mode.name]
        html = isinstance(mode, str) and mode.lower() == "html"
        length = visible_length(text) if html else utf16_len(text)
        if length <= limit:
            return method
        self._warn(method, length, limit)
        fitted = truncate_html(text, limit) if html else truncate_text(text, limit)
        return method.model_copy(update={field: fitted})

    @staticmethod
    def _warn(method, length: int, limit: int) -> None:  # noqa: ANN001
        log.warning(
            "%s: text of %d UTF-16 units is over Telegram's limit of %d, cut to fit",
            getattr(method, "__api_method__", type(method).__name__), length, limit,
        )


# requests sent again after any network error: doing them twice changes nothing the user sees
_IDEMPOTENT = frozenset({
    "answerCallbackQuery", "editMessageText", "editMessageReplyMarkup", "editMessageCaption",
    "deleteMessage", "getMe", "getChat", "getChatMember", "getFile", "setMyCommands",
    "deleteMyCommands", "getMyCommands", "setWebhook", "deleteWebhook", "getWebhookInfo",
    "editForumTopic", "closeForumTopic", "reopenForumTopic",
})
# network errors that mean the request never reached Telegram (aiohttp's names, as aiogram
# reports them): safe to send again whatever the method
_NOT_SENT = ("ClientConnectorError", "ClientConnectorDNSError", "ClientProxyConnectionError")


class TransientRetry(BaseRequestMiddleware):
    """A Bot API request middleware: a request that failed for a moment is sent again.

    A 5xx from the Bot API, or a connection that could not be opened, is retried after
    `delays` (0.3 s, then 1 s): a blip costs the user a second instead of a "try again". A
    network error after the request went out (a timeout, a reset) is retried only for requests
    whose repetition changes nothing (answers, edits, deletions, lookups); a message is not
    sent twice for it. Flood control (429) is not retried here: its callers pace themselves.
    Code with durable retries of its own (the outbox, campaign copies:
    `bot.services.tasks.own_retries`) and getUpdates (bot.polling) send a request once."""

    def __init__(self, delays: tuple[float, ...] = (0.3, 1.0)) -> None:
        self.delays = delays

    async def __call__(self, make_request, bot, method):  # noqa: ANN001, ANN204
        if isinstance(method, GetUpdates) or not QUICK_RETRIES.get():
            return await make_request(bot, method)
        name = getattr(method, "__api_method__", type(method).__name__)
        for delay in self.delays:
            try:
                return await make_request(bot, method)
            except TelegramServerError as exc:
                log.info("%s: the Bot API failed (%s); sending it again in %.1f s", name, exc.message, delay)
            except TelegramNetworkError as exc:
                if name not in _IDEMPOTENT and not exc.message.startswith(_NOT_SENT):
                    raise
                log.info("%s: network error (%s); sending it again in %.1f s", name, exc.message, delay)
            await asyncio.sleep(delay)
        return await make_request(bot, method)
