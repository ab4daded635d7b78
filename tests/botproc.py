"""Run the real `python -m bot` process against the fake Bot API, for end-to-end tests."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

from tests.fake_telegram import FakeTelegram

ROOT = Path(__file__).resolve().parent.parent


class BotProcess:
    def __init__(self, fake: FakeTelegram, db_path: Path, **env: str) -> None:
        self.fake = fake
        self.db_path = db_path
        self.env = env
        self.proc: asyncio.subprocess.Process | None = None
        self.stderr = b""
        self.stdout = b""
        self._readers: list[asyncio.Task] = []

    async def start(self, *, wait_polling: bool = True, wait_webhook: bool = False) -> None:
        """Start `python -m bot`; wait until it long-polls (default) or, with
        ``wait_webhook=True`` (and ``wait_polling=False``), until Telegram accepted its webhook
        (the bot listens before it calls setWebhook)."""
        env = {
            k: v for k, v in os.environ.items()
            if not k.endswith(("_IDS", "_TOKEN", "_CHAT_ID")) and not k.startswith("WEBHOOK_")
        }
        env.update(
            WEBHOOK_URL="",  # long polling unless a test asks for a webhook (also over a .env)
            BOT_TOKEN=self.fake.token,
            TELEGRAM_API_URL=self.fake.url,
            DATABASE_PATH=str(self.db_path),
            LOG_LEVEL="INFO",
            SEMANTIC_SEARCH="false",  # each start would compute the near-synonyms (seconds of CPU)
            PYTHONUNBUFFERED="1",
        )
        env.update(self.env)
        after = self.fake.seq
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot",
            cwd=ROOT, env=env,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        # both pipes are read while the bot runs: a pipe nobody reads fills (64 KiB of log, a
        # few tracebacks) and then blocks the bot on its next log line
        self._readers = [
            asyncio.create_task(self._drain(self.proc.stdout, "stdout")),
            asyncio.create_task(self._drain(self.proc.stderr, "stderr")),
        ]
        if wait_polling:
            try:
                # the first long poll is open (it is recorded as soon as it arrives)
                await self.fake.wait_for(
                    lambda f: any(c.seq > after and c.method == "getUpdates" for c in f.calls),
                    timeout=30,
                )
            except AssertionError:
                await self.kill()
                raise AssertionError(f"bot did not start polling:\n{self.stderr.decode(errors='replace')}") from None
        if wait_webhook:
            try:
                await self.fake.wait_for(
                    lambda f: any(c.seq > after and c.method == "setWebhook" and c.ok for c in f.calls),
                    timeout=30,
                )
            except AssertionError:
                await self.kill()
                raise AssertionError(f"bot did not set its webhook:\n{self.stderr.decode(errors='replace')}") from None

    async def _drain(self, stream: asyncio.StreamReader | None, name: str) -> None:
        if stream is None:
            return
        while chunk := await stream.read(65536):
            setattr(self, name, getattr(self, name) + chunk)

    async def _finished(self) -> int:
        assert self.proc is not None
        code = await self.proc.wait()
        await asyncio.gather(*self._readers)  # the pipes close when the process is gone
        return code

    async def stop(self, sig: int = signal.SIGTERM, timeout: float = 15) -> int:
        assert self.proc is not None
        if self.proc.returncode is None:
            self.proc.send_signal(sig)
        try:
            return await asyncio.wait_for(self._finished(), timeout)
        except TimeoutError:
            await self.kill()
            raise AssertionError("bot did not stop in time") from None

    async def kill(self) -> None:
        if self.proc and self.proc.returncode is None:
            self.proc.kill()
        if self.proc:
            await self._finished()

    async def wait_exit(self, timeout: float = 30) -> int:
        assert self.proc is not None
        return await asyncio.wait_for(self._finished(), timeout)


# stable fragments of the join dialogue's prompts (locales/ru/bot.ftl), for end-to-end tests
JOIN_PROMPTS = {
    "cluster": "В какой кластер вы хотите вступить?",
    "org_name": "Как называется организация?",
    "inn": "ИНН организации: 10 цифр",
    "ogrn": "ОГРН (13 цифр) или ОГРНИП (15 цифр)",
    "region": "В каком регионе работает предприятие?",
    "products": "Что производит предприятие",
    "okved": "Коды ОКВЭД 2 основной деятельности",
    "contact": "Контактное лицо: фамилия, имя, должность",
    "phone": "Телефон для связи",
    "email": "Электронная почта для связи",
    "comment": "Комментарий для сотрудников ассоциации",
    "consent": "Согласие на обработку персональных данных",
    "summary": "Проверьте заявку",
}
