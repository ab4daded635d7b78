"""Running the bot against Telegram: long polling or a webhook, with a clean stop.

Both modes share one start-up and shut-down (`_serve`): the same app, dispatcher, handlers
and background work; only how updates arrive differs. SIGTERM/SIGINT stop receiving updates,
let in-flight updates finish, close the database and exit 0.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import signal
import sqlite3
from collections.abc import Awaitable, Callable
from contextlib import suppress
from typing import Any

from aiogram import Bot
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramNetworkError,
    TelegramNotFound,
    TelegramUnauthorizedError,
)
from aiogram.types import User
from aiogram.webhook.aiohttp_server import SimpleRequestHandler, setup_application
from aiohttp import web
from pydantic import ValidationError

from bot.app import App, create_app
from bot.settings import Settings

log = logging.getLogger(__name__)

EXIT_OK = 0
EXIT_CONFIG = 2
# how long a stop waits for updates still being handled (as App.shutdown does)
DRAIN_TIMEOUT = 10.0


async def _serve(settings: Settings, receive: Callable[[App, User], Awaitable[int]]) -> int:
    """Start the app, check the token, register commands, start background work, then let
    `receive` take updates until it returns its exit code; always shut down cleanly."""
    app = create_app(settings)
    try:
        await app.startup()
    except (OSError, sqlite3.Error) as exc:  # a directory, a file in the way, no permission
        log.error("DATABASE_PATH: cannot open %s: %s", settings.database_path, exc)
        await app.bot.session.close()
        return EXIT_CONFIG
    try:
        try:
            me = await app.bot.get_me()
        except TelegramUnauthorizedError:
            log.error("Telegram refused BOT_TOKEN (401 Unauthorized): check the token from @BotFather")
            return EXIT_CONFIG
        except (TelegramNetworkError, TelegramNotFound) as exc:
            log.error("TELEGRAM_API_URL: no Bot API at %s (%s)", settings.telegram_api_url, type(exc).__name__)
            return EXIT_CONFIG
        await app.set_commands()
        await app.delivery.check_staff_chat()
        app.start_background()
        return await receive(app, me)
    finally:
        await app.shutdown()
        await app.bot.session.close()
        log.info("stopped")


# ---------------------------------------------------------------------------- long polling


async def run_polling(settings: Settings) -> int:
    return await _serve(settings, _poll)


async def _poll(app: App, me: User) -> int:
    log.info("starting long polling as @%s against %s", me.username, app.settings.telegram_api_url)
    await app.bot.delete_webhook(drop_pending_updates=False)
    await app.dp.start_polling(app.bot, handle_signals=True, close_bot_session=False)
    log.info("polling stopped; finishing in-flight updates")
    return EXIT_OK


# ---------------------------------------------------------------------------- webhook


async def run_webhook(settings: Settings) -> int:
    return await _serve(settings, _webhook)


class WebhookHandler(SimpleRequestHandler):
    """aiogram's handler (secret check; each update handled in a background task, Telegram
    answered at once) that leaves the Bot session open when the server shuts down — `_serve`
    closes it after the services stopped — and can wait for the updates still being handled.

    It uses two internals of aiogram 3.31's BaseRequestHandler (the version is pinned):
    `_background_feed_update` and `_background_feed_update_tasks`.
    """

    async def close(self) -> None:
        return None

    async def handle(self, request: web.Request) -> web.Response:
        try:
            return await super().handle(request)
        except ValueError:  # a body that is not JSON (or not UTF-8): nobody but Telegram calls here
            log.warning("webhook: refused a request whose body is not JSON")
            return web.Response(status=400)

    async def _background_feed_update(self, bot: Bot, update: dict[str, Any]) -> None:
        # as in polling, a failed update is logged once and the bot goes on (nobody awaits
        # these tasks: an exception left in one would be logged again by asyncio)
        try:
            await super()._background_feed_update(bot, update)
        except ValidationError as exc:
            log.warning("webhook: ignored a request that is not a Telegram update (%d problems)", exc.error_count())
        except Exception:  # aiogram has logged it with the traceback
            pass

    async def drain(self, timeout: float = DRAIN_TIMEOUT) -> None:
        pending = [t for t in self._background_feed_update_tasks if not t.done()]
        if pending:
            await asyncio.wait(pending, timeout=timeout)


async def _webhook(app: App, me: User) -> int:
    settings = app.settings
    url = settings.webhook_full_url
    assert url is not None
    # Telegram sends this secret in X-Telegram-Bot-Api-Secret-Token with every update;
    # without WEBHOOK_SECRET a fresh one is made for this run (never logged)
    secret = (
        settings.webhook_secret.get_secret_value() if settings.webhook_secret else secrets.token_urlsafe(32)
    )
    handler = WebhookHandler(app.dp, app.bot, secret_token=secret)
    web_app = web.Application()
    handler.register(web_app, path=settings.webhook_path)
    setup_application(web_app, app.dp, bot=app.bot)
    runner = web.AppRunner(web_app, access_log=None, handle_signals=False, shutdown_timeout=DRAIN_TIMEOUT)
    await runner.setup()
    stop = _stop_on_signals()
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
            await app.bot.set_webhook(
                url=url,
                secret_token=secret,
                allowed_updates=app.dp.resolve_used_update_types(),
                drop_pending_updates=False,
            )
        except TelegramBadRequest as exc:
            log.error("Telegram refused WEBHOOK_URL %s: %s", url, exc.message)
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

