"""Running the bot against Telegram: long polling or a webhook, with a clean stop.

Both modes share one start-up and shut-down (`_serve`): the same app, dispatcher, handlers
and background work; only how updates arrive differs. SIGTERM/SIGINT stop receiving updates,
let in-flight updates finish, close the database and exit 0.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import secrets
import signal
import sqlite3
from collections.abc import Awaitable, Callable
from contextlib import suppress
from typing import Any, TypeVar

from aiogram.exceptions import (
    ClientDecodeError,
    TelegramAPIError,
    TelegramBadRequest,
    TelegramNetworkError,
    TelegramNotFound,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from aiogram.types import User
from aiogram.webhook.aiohttp_server import SimpleRequestHandler, setup_application
from aiohttp import web

from bot.app import App, create_app
from bot.polling import Poller, UpdateFeeder, describe
from bot.services.tasks import own_retries
from bot.settings import Settings
from storage.updates import HandledUpdates

T = TypeVar("T")

log = logging.getLogger(__name__)

EXIT_OK = 0
EXIT_CONFIG = 2
# how long a stop waits for updates still being handled (as App.shutdown does)
DRAIN_TIMEOUT = 10.0
# getMe at start: tries for what may pass (network, 5xx, an answer that isn't JSON), and the waits
GET_ME_ATTEMPTS = 3
GET_ME_RETRY = 1.0  # then doubled
# the webhook answers Telegram when the update was handled (and its id written), or after this:
# a crash before the answer makes Telegram deliver it again
WEBHOOK_ANSWER_WITHIN = 10.0


class StartupError(Exception):
    """What can't work: one line for the log, exit code 2."""


class _Stopped(Exception):
    """SIGTERM/SIGINT arrived during start-up."""


Receive = Callable[[App, User, HandledUpdates, asyncio.Event], Awaitable[int]]


async def _serve(settings: Settings, receive: Receive, *, exclusive: bool = False) -> int:
    """Start the app, check the token, register commands, start background work, then let
    `receive` take updates until it returns its exit code; always shut down cleanly.

    A signal during start-up (say, while getMe hangs) stops it: exit 0, no traceback."""
    stop = _stop_on_signals()
    app = create_app(settings)
    app.db.exclusive = exclusive  # the single-instance lock is held (bot/__main__.py)
    handled = HandledUpdates(app.db)
    try:
        try:
            me = await _unless_stopped(stop, _start(app, handled))
        except _Stopped:
            log.info("stopped during start-up")
            return EXIT_OK
        except StartupError as exc:
            log.error("%s", exc)
            return EXIT_CONFIG
        app.start_background()
        handled.start()
        # what start-up built lives as long as the process (modules, the content, the analyzer's
        # dictionaries): out of the garbage collector's sight, its passes over what updates
        # allocate are shorter (here, not in the app factory: tests build an app per test)
        gc.collect()
        gc.freeze()
        return await receive(app, me, handled, stop)
    finally:
        # updates still being handled finish first (App.shutdown waits for them anyway), so
        # their ids are written too: a clean restart handles nothing twice
        await app.inflight.wait()
        await handled.close()
        await app.shutdown()
        await app.bot.session.close()
        log.info("stopped")


async def _start(app: App, handled: HandledUpdates) -> User:
    settings = app.settings
    try:
        await app.startup()
        await app.db.check_writable()
        await handled.load()
    except (OSError, sqlite3.Error) as exc:  # a directory, a file in the way, read-only, no permission
        raise StartupError(f"DATABASE_PATH: cannot open {settings.database_path} for writing: {exc}") from None
    me = await _get_me(app)
    try:
        await app.set_commands()
    except Exception as exc:  # noqa: BLE001 - the menu is a convenience: the bot works without it
        log.warning("setMyCommands failed (%s): the command menu may be out of date; going on", describe(exc))
    await app.delivery.check_staff_chat()
    return me


async def _get_me(app: App) -> User:
    url = app.settings.telegram_api_url
    delay = GET_ME_RETRY
    for attempt in range(1, GET_ME_ATTEMPTS + 1):
        try:
            with own_retries():  # this loop is the retry, with its own waits
                me = await app.bot.get_me()
            if not isinstance(me, User):  # {"ok": true} without a result
                raise ClientDecodeError("getMe gave no user", ValueError("no result"), "")
            return me
        except TelegramUnauthorizedError:
            raise StartupError(
                "Telegram refused BOT_TOKEN (401 Unauthorized): check the token from @BotFather"
            ) from None
        except TelegramNotFound:
            raise StartupError(f"TELEGRAM_API_URL: no Bot API at {url} (404 Not Found)") from None
        except TelegramRetryAfter as exc:
            problem, wait = describe(exc), float(min(exc.retry_after, 30))
        except (TelegramNetworkError, TelegramServerError, ClientDecodeError) as exc:
            problem, wait = _what_failed(exc), delay
        except TelegramAPIError as exc:  # another refusal: retrying won't change it
            raise StartupError(f"TELEGRAM_API_URL: the Bot API at {url} refused getMe ({exc.message})") from None
        if attempt == GET_ME_ATTEMPTS:
            raise StartupError(f"TELEGRAM_API_URL: no working Bot API at {url}: getMe {problem}")
        log.info("getMe: %s; trying again in %.0f s (%d of %d)", problem, wait, attempt + 1, GET_ME_ATTEMPTS)
        await asyncio.sleep(wait)
        delay *= 2
    raise AssertionError("unreachable")


def _what_failed(exc: Exception) -> str:
    if isinstance(exc, ClientDecodeError):
        return "answered something that is not a Bot API answer (not JSON)"
    if isinstance(exc, TelegramServerError):
        return f"failed on the server ({exc.message})"
    return f"got no answer ({type(exc).__name__})"


async def _unless_stopped(stop: asyncio.Event, work: Awaitable[T]) -> T:
    """`work`'s result, or _Stopped (after cancelling it) if `stop` is set first."""
    task = asyncio.ensure_future(work)
    stopped = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait({task, stopped}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopped.cancel()
    if task.done():
        return task.result()
    task.cancel()
    with suppress(asyncio.CancelledError, Exception):
        await task
    raise _Stopped


# ---------------------------------------------------------------------------- long polling


async def run_polling(settings: Settings, *, exclusive: bool = False) -> int:
    return await _serve(settings, _poll, exclusive=exclusive)


async def _poll(app: App, me: User, handled: HandledUpdates, stop: asyncio.Event) -> int:
    log.info("starting long polling as @%s against %s", me.username, app.settings.telegram_api_url)
    try:
        await _unless_stopped(stop, app.bot.delete_webhook(drop_pending_updates=False))
    except _Stopped:
        return EXIT_OK
    except Exception as exc:  # noqa: BLE001 - if a webhook is still set, getUpdates says so (409)
        log.warning("deleteWebhook failed (%s); polling anyway", describe(exc))
    poller = Poller(app, handled)
    await poller.run(stop)
    log.info("polling stopped; finishing in-flight updates")
    await poller.finish(DRAIN_TIMEOUT)
    return EXIT_OK


# ---------------------------------------------------------------------------- webhook


async def run_webhook(settings: Settings, *, exclusive: bool = False) -> int:
    return await _serve(settings, _webhook, exclusive=exclusive)


class WebhookHandler(SimpleRequestHandler):
    """aiogram's handler (the secret check, the route) with our own handling of a request:

    * the body is parsed here: not JSON (or not UTF-8) is refused with 400;
    * the update goes through the shared `UpdateFeeder` (one handled already is skipped, one
      that can't be parsed is logged by its id and skipped) in a task of its own;
    * Telegram is answered when the update was handled and its id written, or after
      `answer_within` seconds (the update then goes on in its task): a crash before the answer
      makes Telegram deliver it again, and only what hadn't finished is handled again;
    * the Bot session stays open when the server shuts down (`_serve` closes it after the
      services stopped), and `drain()` waits for the updates still being handled.

    It uses `_background_feed_update_tasks` of aiogram 3.31's BaseRequestHandler (pinned).
    """

    def __init__(
        self, feeder: UpdateFeeder, *, secret_token: str, answer_within: float = WEBHOOK_ANSWER_WITHIN
    ) -> None:
        super().__init__(feeder.dp, feeder.bot, handle_in_background=True, secret_token=secret_token)
        self.feeder = feeder
        self.answer_within = answer_within

    async def close(self) -> None:
        return None

    async def handle(self, request: web.Request) -> web.Response:
        if not self.verify_secret(request.headers.get("X-Telegram-Bot-Api-Secret-Token", ""), self.bot):
            return web.Response(body="Unauthorized", status=401)
        try:
            raw = await request.json(loads=self.bot.session.json_loads)
        except ValueError:  # a body that is not JSON (or not UTF-8): nobody but Telegram calls here
            log.warning("webhook: refused a request whose body is not JSON")
            return web.Response(status=400)
        update = self.feeder.accept(raw)
        if update is not None:
            task = asyncio.create_task(self.feeder.handle(update), name=f"update-{update.update_id}")
            self._background_feed_update_tasks.add(task)
            task.add_done_callback(self._background_feed_update_tasks.discard)
            done, _ = await asyncio.wait({task}, timeout=self.answer_within)
            if done:
                await self.feeder.handled.flush()  # written before Telegram hears "ok"
        return web.json_response({}, dumps=self.bot.session.json_dumps)

    async def drain(self, timeout: float = DRAIN_TIMEOUT) -> None:
        pending = [t for t in self._background_feed_update_tasks if not t.done()]
        if pending:
            await asyncio.wait(pending, timeout=timeout)


async def _webhook(app: App, me: User, handled: HandledUpdates, stop: asyncio.Event) -> int:
    settings = app.settings
    url = settings.webhook_full_url
    assert url is not None
    # Telegram sends this secret in X-Telegram-Bot-Api-Secret-Token with every update;
    # without WEBHOOK_SECRET a fresh one is made for this run (never logged)
    secret = (
        settings.webhook_secret.get_secret_value() if settings.webhook_secret else secrets.token_urlsafe(32)
    )
    handler = WebhookHandler(UpdateFeeder(app.dp, app.bot, handled, source="webhook", i18n=app.i18n), secret_token=secret)
    web_app = web.Application()
    handler.register(web_app, path=settings.webhook_path)
    setup_application(web_app, app.dp, bot=app.bot)
    runner = web.AppRunner(web_app, access_log=None, handle_signals=False, shutdown_timeout=DRAIN_TIMEOUT)
    await runner.setup()
    try:
        try:
            await web.TCPSite(runner, settings.webhook_host, settings.webhook_port).start()
        except OSError as exc:
            log.error(
                "WEBHOOK_HOST/WEBHOOK_PORT: cannot listen on %s:%d: %s",
                settings.webhook_host, settings.webhook_port, exc.strerror or exc,
            )
            return EXIT_CONFIG
        try:
            await _unless_stopped(stop, app.bot.set_webhook(
                url=url,
                secret_token=secret,
                allowed_updates=app.dp.resolve_used_update_types(),
                drop_pending_updates=False,
            ))
        except _Stopped:
            return EXIT_OK
        except TelegramBadRequest as exc:
            log.error("Telegram refused WEBHOOK_URL %s: %s", url, exc.message)
            return EXIT_CONFIG
        except Exception as exc:  # noqa: BLE001 - network, 5xx, not JSON: without it nothing arrives
            log.error("setWebhook failed (%s): Telegram can't deliver updates to %s", describe(exc), url)
            return EXIT_CONFIG
        log.info("webhook set for @%s: Telegram calls %s", me.username, url)
        await stop.wait()
        # the webhook stays set: Telegram keeps the updates that arrive meanwhile and
        # delivers them when the bot listens again
        log.info("webhook stopped; finishing in-flight updates")
        return EXIT_OK
    finally:
        # the signal handlers stay: a second signal during the stop changes nothing
        await runner.cleanup()  # stops listening, then answers the requests already in
        await handler.drain()


_SIGNALS = (signal.SIGTERM, signal.SIGINT)


def _stop_on_signals() -> asyncio.Event:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()

    def received(sig: signal.Signals, *_: Any) -> None:
        log.info("received %s", sig.name)
        stop.set()

    for sig in _SIGNALS:
        with suppress(NotImplementedError):  # no loop signal handlers on Windows
            loop.add_signal_handler(sig, received, sig)
    return stop

