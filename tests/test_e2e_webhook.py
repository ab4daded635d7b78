"""End to end: the real `python -m bot` process in webhook mode, against the fake Bot API.

The bot registers its webhook with the fake (which never calls the https URL) and listens on a
local port; the test plays Telegram's part: it takes the updates the fake built for a simulated
user out of the fake's queue and POSTs them to the bot with the secret header. The answers go
through the fake as in polling mode, so the same checks apply.
"""

from __future__ import annotations

import re
import signal
import socket
from typing import Any

import aiohttp
import pytest

from bot.app import create_app
from bot.settings import Settings
from tests.botproc import BotProcess
from tests.fake_telegram import FakeTelegram

USER = 5151
WEBHOOK_URL = "https://bot.example.test"
WEBHOOK_PATH = "/telegram/webhook"
SECRET = "e2e-Secret_0123456789"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def used_update_types() -> set[str]:
    app = create_app(Settings(_env_file=None))  # type: ignore[call-arg]
    return set(app.dp.resolve_used_update_types())


class TelegramSide:
    """Delivers the fake's queued updates to the bot's webhook, as Telegram would."""

    def __init__(self, fake: FakeTelegram, port: int, secret: str) -> None:
        self.fake = fake
        self.url = f"http://127.0.0.1:{port}{WEBHOOK_PATH}"
        self.secret = secret

    def take(self, update_id: int | str) -> dict[str, Any]:
        for i, update in enumerate(self.fake.updates):
            if update["update_id"] == int(update_id):
                return self.fake.updates.pop(i)
        raise AssertionError(f"no queued update {update_id}")

    async def post(self, update: dict[str, Any], *, secret: str | None = "") -> int:
        headers = {}
        if secret is not None:
            headers[SECRET_HEADER] = secret or self.secret
        async with aiohttp.ClientSession() as session:
            async with session.post(self.url, json=update, headers=headers) as resp:
                await resp.read()
                return resp.status

    async def deliver(self, update_id: int | str, *, secret: str | None = "") -> int:
        """POST the queued update; ``secret=None`` leaves the header out."""
        return await self.post(self.take(update_id), secret=secret)


@pytest.fixture
async def fake():
    server = FakeTelegram()
    await server.start()
    yield server
    await server.stop()


def webhook_bot(fake: FakeTelegram, db, port: int, **env: str) -> BotProcess:
    settings = dict(
        WEBHOOK_URL=WEBHOOK_URL, WEBHOOK_PATH=WEBHOOK_PATH, WEBHOOK_HOST="127.0.0.1",
        WEBHOOK_PORT=str(port), WEBHOOK_SECRET=SECRET,
    )
    settings.update(env)
    return BotProcess(fake, db, **settings)


def set_webhook_call(fake: FakeTelegram):
    calls = fake.calls_of("setWebhook")
    assert len(calls) == 1, [c.short() for c in calls]
    return calls[0]


def assert_no_api_errors(fake: FakeTelegram) -> None:
    errors = [c.short() for c in fake.calls if not c.ok]
    assert not errors, errors


async def test_webhook_walkthrough_secret_and_sigterm(fake, tmp_path):
    port = free_port()
    proc = webhook_bot(fake, tmp_path / "bot.sqlite3", port)
    await proc.start(wait_polling=False, wait_webhook=True)
    try:
        call = set_webhook_call(fake)
        assert call.params["url"] == WEBHOOK_URL + WEBHOOK_PATH
        assert call.params["secret_token"] == SECRET
        assert set(call.params["allowed_updates"]) == used_update_types()
        assert {"message", "callback_query"} <= set(call.params["allowed_updates"])
        assert not call.params.get("drop_pending_updates")
        assert fake.webhook_url == WEBHOOK_URL + WEBHOOK_PATH
        # the start-up shared with polling: commands in both languages
        assert fake.get_commands("all_private_chats", "en")
        assert fake.get_commands("all_private_chats", "ru")

        telegram = TelegramSide(fake, port, SECRET)
        after = fake.send_text(USER, "/start", first_name="<Анна & Co>")
        assert await telegram.deliver(after) == 200
        menu = await fake.wait_message(USER, contains="Здравствуйте", after=after)
        assert "<Анна & Co>" in menu.text
        assert "Кластеры" in " ".join(menu.button_texts)

        after = fake.send_text(USER, "покрышки для грузовиков")
        assert await telegram.deliver(after) == 200
        answer = await fake.wait_message(USER, after=after)
        assert answer.text.splitlines()[0].startswith("Барнаульский")

        after = fake.seq
        assert await telegram.deliver(fake.press_button(USER, menu, "Кластеры")) == 200
        listing = await fake.wait_message(USER, contains="Страница 1 из 2", after=after)
        assert listing.message_id == menu.message_id  # edited in place
        await fake.wait_for(lambda f: len(f.calls_of("answerCallbackQuery")) == 1, timeout=5)

        # a request without the right secret is refused before anything is handled
        refused = fake.seq
        assert await telegram.deliver(fake.send_text(USER, "/start"), secret="wrong-secret") == 401
        assert await telegram.deliver(fake.send_text(USER, "/start"), secret=None) == 401
        # a body that isn't JSON (or isn't UTF-8) is refused with 400, no traceback
        async with aiohttp.ClientSession() as http:
            for body in (b"{not json", b"\xff\xfe", b""):
                async with http.post(telegram.url, data=body,
                                     headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}) as resp:
                    assert resp.status == 400, (body, resp.status)
        after = fake.send_text(USER, "/help")
        assert await telegram.deliver(after) == 200
        await fake.wait_message(USER, after=after)
        sent_since = [e for e in fake.events if e.seq > refused and e.chat_id == USER]
        assert sent_since and not any("Здравствуйте" in e.text for e in sent_since)
    finally:
        code = await proc.stop(signal.SIGTERM)
    stderr = proc.stderr.decode(errors="replace")
    assert code == 0, stderr
    assert "Traceback" not in stderr
    assert fake.token not in stderr and SECRET not in stderr  # neither is ever logged
    assert "mode: webhook" in stderr
    # the webhook stays set (Telegram keeps what arrives while the bot is down); never polled
    assert fake.webhook_url == WEBHOOK_URL + WEBHOOK_PATH
    assert not fake.calls_of("deleteWebhook")
    assert not fake.calls_of("getUpdates")
    assert_no_api_errors(fake)


async def test_generated_secret_and_sigint_lets_the_update_in_flight_finish(fake, tmp_path):
    port = free_port()
    proc = webhook_bot(fake, tmp_path / "bot.sqlite3", port, WEBHOOK_SECRET="")
    await proc.start(wait_polling=False, wait_webhook=True)
    try:
        secret = set_webhook_call(fake).params["secret_token"]
        assert re.fullmatch(r"[A-Za-z0-9_-]{32,256}", secret)
        telegram = TelegramSide(fake, port, secret)
        assert await telegram.deliver(fake.send_text(USER, "/start"), secret=SECRET) == 401

        # the answer is held by the fake: the update is still being handled at the signal
        fake.delay_next("sendMessage", 1.5)
        update_id = fake.send_text(USER, "покрышки для грузовиков")
        assert await telegram.deliver(update_id) == 200
        await fake.wait_for(lambda f: f.calls_of("sendMessage"), timeout=10)
    finally:
        code = await proc.stop(signal.SIGINT)
    stderr = proc.stderr.decode(errors="replace")
    assert code == 0, stderr
    assert f"Update id={update_id} is handled" in stderr
    answer = fake.last_message(USER)
    assert answer is not None and answer.text.splitlines()[0].startswith("Барнаульский")
    assert "Traceback" not in stderr and secret not in stderr
    assert fake.webhook_url == WEBHOOK_URL + WEBHOOK_PATH
    assert_no_api_errors(fake)


async def test_back_to_polling_deletes_the_webhook_and_gets_what_waited(fake, tmp_path):
    db = tmp_path / "bot.sqlite3"
    proc = webhook_bot(fake, db, free_port())
    await proc.start(wait_polling=False, wait_webhook=True)
    assert await proc.stop() == 0

    # sent while the bot was down: Telegram keeps it for the next receiver
    waiting = fake.send_text(USER, "покрышки для грузовиков")
    polling = BotProcess(fake, db)
    await polling.start()
    try:
        answer = await fake.wait_message(USER, after=waiting)
        assert answer.text.splitlines()[0].startswith("Барнаульский")
        assert fake.webhook_url == ""
        assert not fake.calls_of("deleteWebhook")[-1].params.get("drop_pending_updates")
    finally:
        assert await polling.stop() == 0
    assert "mode: long polling" in polling.stderr.decode(errors="replace")


async def test_port_in_use_is_one_clear_line(fake, tmp_path):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        proc = webhook_bot(fake, tmp_path / "bot.sqlite3", busy.getsockname()[1])
        await proc.start(wait_polling=False)
        code = await proc.wait_exit()
    stderr = proc.stderr.decode(errors="replace")
    assert code == 2, stderr
    assert "WEBHOOK_PORT" in stderr and "Traceback" not in stderr
    assert not fake.calls_of("setWebhook")
