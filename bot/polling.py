"""Receiving updates: each one parsed on its own, handled once, and long polling that survives
what Telegram answers.

`UpdateFeeder` is shared by long polling and the webhook: it takes an update as Telegram sent
it (a dict), skips one that was handled already (`storage.updates.HandledUpdates`), parses it
on its own — one that aiogram's types reject (say, an older local Bot API server omits a field)
is logged by its id and skipped, never blocking the others — and feeds it to the dispatcher.

`Poller` replaces aiogram's `start_polling`, whose getUpdates parses the whole list at once (one
bad update made every getUpdates fail, forever). It keeps its behaviour: the update types the
handlers use, a long-poll timeout, each update handled in its own task, backoff on network
errors, startup/shutdown events. And:

* the next getUpdates (which confirms the batch to Telegram) waits until the batch was handled
  and its ids written, for at most `batch_wait` seconds, so a crash in between makes Telegram
  deliver the batch again, and only what had not finished is handled again;
* a 409 Conflict (another process polls with this token, or a webhook is set) is logged once,
  told to the admins once, and polling backs off (1 s doubling to 60 s) until no conflict was
  seen for `conflict_quiet` seconds, which is logged as the recovery;
* other failures (network, 5xx, an answer that isn't JSON) are logged when they start, once a
  minute while they last and when they end; polling retries with aiogram's backoff (1-5 s).
"""

from __future__ import annotations

import asyncio
import logging
import time
from contextlib import suppress
from typing import TYPE_CHECKING, Any

from aiogram import Bot, Dispatcher
from aiogram.exceptions import TelegramAPIError, TelegramConflictError, TelegramRetryAfter
from aiogram.methods import AnswerCallbackQuery, GetUpdates, TelegramMethod
from aiogram.types import Update
from aiogram.utils.backoff import Backoff, BackoffConfig
from pydantic import ValidationError

from bot.errors import redacted_traceback
from bot.i18n import I18n
from storage.updates import HandledUpdates

if TYPE_CHECKING:
    from bot.app import App

log = logging.getLogger(__name__)

POLL_TIMEOUT = 10  # seconds a getUpdates waits for updates (aiogram's default)
BATCH_WAIT = 1.0  # the longest the next getUpdates waits for the batch to be handled
NETWORK_BACKOFF = BackoffConfig(min_delay=1.0, max_delay=5.0, factor=1.3, jitter=0.1)  # aiogram's
CONFLICT_BACKOFF = BackoffConfig(min_delay=1.0, max_delay=60.0, factor=2.0, jitter=0.1)
CONFLICT_QUIET = 180.0  # no 409 for this long: the conflict is over (longer than the max delay)
FAILURE_REMINDER = 60.0  # while getUpdates keeps failing, one log line a minute


class GetRawUpdates(GetUpdates):
    """getUpdates whose answer aiogram leaves unparsed: a list of whatever Telegram sent."""

    __returning__ = list[Any]


def describe(exc: BaseException) -> str:
    """An error for the log: its type, and Telegram's description if it has one (never the
    request or the answer's body, which may carry personal data)."""
    if isinstance(exc, TelegramAPIError):
        return f"{type(exc).__name__}: {exc.message}"
    return type(exc).__name__


def update_id_of(raw: Any) -> int | None:
    if isinstance(raw, dict):
        value = raw.get("update_id")
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    return None


class UpdateFeeder:
    """Takes raw updates from a receiver: once each, parsed one by one, fed to the dispatcher."""

    def __init__(self, dp: Dispatcher, bot: Bot, handled: HandledUpdates, *, source: str,
                 i18n: I18n | None = None) -> None:
        self.dp = dp
        self.bot = bot
        self.handled = handled
        self.i18n = i18n
        self._side_tasks: set[asyncio.Task] = set()
        self.source = source  # "polling" or "webhook", for the log
        self.skipped_unparsed = 0
        self.skipped_repeated = 0

    def accept(self, raw: Any) -> Update | None:
        """The update to handle now (claimed: `handle()` must follow), or None to skip it."""
        update_id = update_id_of(raw)
        if update_id is None:
            log.warning("%s: ignored an item that is not a Telegram update (no update_id)", self.source)
            return None
        if not self.handled.claim(update_id):
            if self.handled.running(update_id):  # still being handled (not confirmed yet)
                return None
            self.skipped_repeated += 1
            log.info("%s: update %d was delivered again; it was handled already, skipped", self.source, update_id)
            return None
        try:
            update = Update.model_validate(raw, context={"bot": self.bot})
        except ValidationError as exc:  # never log its content: it is a user's message
            self.skipped_unparsed += 1
            log.warning(
                "%s: skipped update %d: it can't be parsed (%d errors)", self.source, update_id, exc.error_count()
            )
            self.handled.finish(update_id)  # delivered again, it would fail the same way
            self._answer_unparsed_press(raw)
            return None
        return update

    def _answer_unparsed_press(self, raw: dict[str, Any]) -> None:
        """A button press that can't be parsed still gets its answer ("the button is
        outdated"), so the user's button doesn't spin."""
        query = raw.get("callback_query")
        query_id = query.get("id") if isinstance(query, dict) else None
        if not isinstance(query_id, str) or not query_id or len(query_id) > 64 or self.i18n is None:
            return
        user = query.get("from") if isinstance(query.get("from"), dict) else {}
        code = user.get("language_code")
        t = self.i18n.get(self.i18n.pick_locale(None, code if isinstance(code, str) else None))
        task = asyncio.create_task(self._answer(query_id, t("error-outdated")), name="answer-unparsed")
        self._side_tasks.add(task)
        task.add_done_callback(self._side_tasks.discard)

    async def _answer(self, query_id: str, text: str) -> None:
        try:
            await self.bot(AnswerCallbackQuery(callback_query_id=query_id, text=text, show_alert=True))
        except Exception as exc:  # noqa: BLE001 - best effort: the press may be too old
            log.info("%s: could not answer an unparsed press: %s", self.source, describe(exc))

    async def handle(self, update: Update) -> None:
        """Handle one accepted update; an error is logged (never raised), and the update counts
        as handled unless its handling was interrupted (cancelled)."""
        try:
            response = await self.dp.feed_update(self.bot, update)
            if isinstance(response, TelegramMethod):
                await self.dp.silent_call_request(self.bot, response)
        except asyncio.CancelledError:
            self.handled.release(update.update_id)
            raise
        except Exception as exc:  # the error handler failed too; messages may quote the input
            log.error("update %d: its handling failed\n%s", update.update_id, redacted_traceback(exc))
        self.handled.finish(update.update_id)


class Poller:
    """Long polling (see the module's docstring); `run(stop)` returns once `stop` is set."""

    def __init__(
        self,
        app: App,
        handled: HandledUpdates,
        *,
        timeout: int = POLL_TIMEOUT,
        batch_wait: float = BATCH_WAIT,
        conflict_quiet: float = CONFLICT_QUIET,
        conflict_backoff: BackoffConfig = CONFLICT_BACKOFF,
        network_backoff: BackoffConfig = NETWORK_BACKOFF,
    ) -> None:
        self.app = app
        self.bot = app.bot
        self.dp = app.dp
        self.handled = handled
        self.feeder = UpdateFeeder(app.dp, app.bot, handled, source="polling", i18n=app.i18n)
        self.timeout = timeout
        self.batch_wait = batch_wait
        self.conflict_quiet = conflict_quiet
        self._conflict_backoff = Backoff(conflict_backoff)
        self._network_backoff = Backoff(network_backoff)
        self.tasks: dict[int, asyncio.Task] = {}  # update_id -> its handling
        self._side_tasks: set[asyncio.Task] = set()
        self.offset: int | None = None  # the next getUpdates' offset
        self._confirmed: int | None = None  # the offset Telegram last got
        # 409 Conflict: when the current episode started, the last one, how many
        self.conflict_since: float | None = None
        self.last_conflict = 0.0
        self.conflicts = 0
        # other failures
        self.failing_since: float | None = None
        self.failures = 0
        self._last_reminder = 0.0

    # ---- the loop ------------------------------------------------------------------------------
    async def run(self, stop: asyncio.Event) -> None:
        allowed = self.dp.resolve_used_update_types()
        workflow = {"dispatcher": self.dp, "bots": [self.bot], **self.dp.workflow_data}
        await self.dp.emit_startup(bot=self.bot, **workflow)
        stopped = asyncio.ensure_future(stop.wait())
        kwargs = {}
        if self.bot.session.timeout:  # as aiogram: the request outlives the long poll
            kwargs["request_timeout"] = int(self.bot.session.timeout + self.timeout)
        try:
            while not stop.is_set():
                # what finished is written before Telegram forgets it (the offset confirms it)
                await self.handled.flush()
                # an update still being handled is never confirmed: the offset stops before it,
                # so a crash makes Telegram deliver it again (the ids after it, handled already,
                # come back too and are skipped)
                running = [uid for uid, task in self.tasks.items() if not task.done()]
                offset = min(running) if running else self.offset
                request = GetRawUpdates(offset=offset, timeout=self.timeout, allowed_updates=allowed)
                fetch = asyncio.ensure_future(self.bot(request, **kwargs))
                self._confirmed = offset
                await asyncio.wait({fetch, stopped}, return_when=asyncio.FIRST_COMPLETED)
                if not fetch.done():
                    fetch.cancel()
                    with suppress(asyncio.CancelledError, Exception):
                        await fetch
                    break
                try:
                    raw = fetch.result()
                except TelegramConflictError as exc:
                    await self._pause(self._on_conflict(exc), stopped)
                    continue
                except TelegramRetryAfter as exc:
                    log.warning("getUpdates: flood control, waiting %d s", exc.retry_after)
                    await self._pause(float(exc.retry_after), stopped)
                    continue
                except Exception as exc:  # noqa: BLE001 - network, 5xx, not JSON: keep polling
                    await self._pause(self._on_failure(exc), stopped)
                    continue
                if not isinstance(raw, list):  # {"ok": true} without a result, or not a list
                    await self._pause(self._on_failure(ValueError("getUpdates gave no list of updates")), stopped)
                    continue
                self._on_success()
                batch = self._dispatch(raw)
                if batch is None:  # items, but none with an update_id: don't spin on them
                    await self._pause(next(self._network_backoff), stopped)
                    continue
                if not batch:  # only updates still being handled came back: wait for them a while
                    batch = [task for task in self.tasks.values() if not task.done()]
                if batch:
                    await self._wait_batch(batch, stopped)
        finally:
            stopped.cancel()
            log.info("polling stopped")
            await self.dp.emit_shutdown(bot=self.bot, **workflow)

    def _dispatch(self, raw: list[Any]) -> list[asyncio.Task] | None:
        tasks = []
        seen_id = False
        for item in raw:
            update_id = update_id_of(item)
            if update_id is not None:
                seen_id = True
                self.offset = max(self.offset or 0, update_id + 1)
            update = self.feeder.accept(item)
            if update is None:
                continue
            task = asyncio.create_task(self.feeder.handle(update), name=f"update-{update.update_id}")
            self.tasks[update.update_id] = task
            task.add_done_callback(lambda _, uid=update.update_id: self.tasks.pop(uid, None))
            tasks.append(task)
        if raw and not seen_id:
            log.warning("getUpdates: %d items without update_id; retrying", len(raw))
            return None
        return tasks

    async def _wait_batch(self, batch: list[asyncio.Task], stopped: asyncio.Future) -> None:
        """Until the batch was handled, the stop, or `batch_wait` s (a slow update then goes on
        in its task: Telegram gets the next getUpdates, so one update never holds up the rest)."""
        handled = asyncio.ensure_future(asyncio.wait(batch))
        try:
            await asyncio.wait({handled, stopped}, timeout=self.batch_wait, return_when=asyncio.FIRST_COMPLETED)
        finally:
            handled.cancel()  # only the waiting; the updates' tasks go on

    async def _pause(self, seconds: float, stopped: asyncio.Future) -> None:
        await asyncio.wait({stopped}, timeout=seconds)

    # ---- after the stop ------------------------------------------------------------------------
    async def finish(self, timeout: float) -> None:
        """Let the updates being handled finish (at most `timeout` s), write their ids, and
        confirm to Telegram what was handled, so a clean restart gets nothing twice."""
        pending = [t for t in self.tasks.values() if not t.done()]
        if pending:
            await asyncio.wait(pending, timeout=timeout)
        await self.handled.flush()
        offset = self.offset
        unfinished = [uid for uid, t in self.tasks.items() if not t.done()]
        if unfinished:
            offset = min(unfinished)  # still running: Telegram delivers them again
        if offset is not None and offset != self._confirmed:
            with suppress(Exception):
                await self.bot(GetRawUpdates(offset=offset, limit=1, timeout=0), request_timeout=5)
        for task in list(self._side_tasks):
            with suppress(Exception):
                await asyncio.wait_for(task, 5)

    # ---- faults --------------------------------------------------------------------------------
    def _on_conflict(self, exc: TelegramConflictError) -> float:
        now = time.monotonic()
        self.conflicts += 1
        self.last_conflict = now
        delay = next(self._conflict_backoff)
        if self.conflict_since is None:
            self.conflict_since = now
            log.warning(
                "getUpdates: 409 Conflict (%s): another process polls Telegram with this BOT_TOKEN, "
                "or a webhook is set; polling backs off (up to %d s) until it stops; admins are told",
                exc.message, int(self._conflict_backoff.max_delay),
            )
            task = asyncio.create_task(self._tell_admins(), name="conflict-notice")
            self._side_tasks.add(task)
            task.add_done_callback(self._side_tasks.discard)
        else:
            log.debug("getUpdates: 409 Conflict again (%d), next try in %.0f s", self.conflicts, delay)
        return delay

    def _on_failure(self, exc: BaseException) -> float:
        now = time.monotonic()
        self.failures += 1
        delay = next(self._network_backoff)
        if self.failing_since is None:
            self.failing_since = self._last_reminder = now
            log.warning("getUpdates failed (%s); retrying with backoff", describe(exc))
        elif now - self._last_reminder >= FAILURE_REMINDER:
            self._last_reminder = now
            log.warning(
                "getUpdates still failing: %d failures in %.0f s (last: %s)",
                self.failures, now - self.failing_since, describe(exc),
            )
        return delay

    def _on_success(self) -> None:
        now = time.monotonic()
        if self.failing_since is not None:
            log.info("getUpdates works again after %d failures in %.0f s", self.failures, now - self.failing_since)
            self.failing_since = None
            self.failures = 0
            self._network_backoff.reset()
        if self.conflict_since is not None and now - self.last_conflict >= self.conflict_quiet:
            log.info(
                "polling recovered: no 409 Conflict for %.0f s (%d conflicts in %.0f s)",
                now - self.last_conflict, self.conflicts, self.last_conflict - self.conflict_since,
            )
            self.conflict_since = None
            self.conflicts = 0
            self._conflict_backoff.reset()

    async def _tell_admins(self) -> None:
        app = self.app
        for admin_id in app.settings.admin_ids:
            locale = app.i18n.pick_locale(app.users.locale_of(admin_id), None)
            try:
                await self.bot.send_message(admin_id, app.i18n.get(locale)("runtime-conflict-admin"))
            except Exception as exc:  # noqa: BLE001 - the log line above says it all already
                log.warning("could not tell an admin about the conflict: %s", describe(exc))
