"""Long polling with a clean stop: SIGTERM/SIGINT stop polling, in-flight updates finish."""

from __future__ import annotations

import logging

from aiogram.exceptions import TelegramUnauthorizedError

from bot.app import create_app
from bot.settings import Settings

log = logging.getLogger(__name__)


async def run_polling(settings: Settings) -> int:
    app = create_app(settings)
    await app.startup()
    try:
        try:
            me = await app.bot.get_me()
        except TelegramUnauthorizedError:
            log.error("Telegram refused BOT_TOKEN (401 Unauthorized): check the token from @BotFather")
            return 2
        log.info("starting long polling as @%s against %s", me.username, settings.telegram_api_url)
        await app.bot.delete_webhook(drop_pending_updates=False)
        await app.set_commands()
        await app.delivery.check_staff_chat()
        app.start_background()
        await app.dp.start_polling(app.bot, handle_signals=True, close_bot_session=False)
        log.info("polling stopped; finishing in-flight updates")
        return 0
    finally:
        await app.shutdown()
        await app.bot.session.close()
        log.info("stopped")
