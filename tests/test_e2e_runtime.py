"""End to end: the process runtime of `python -m bot` against the fake Bot API (issue 8).

One bot per database file (a second one exits 2 with one line), a 409 Conflict logged and told
once with backoff, an update aiogram can't parse skipped without stalling polling, each update
handled once across redeliveries and restarts (and handled again when a kill interrupted it),
and a start-up that ends with one line and exit 2 for what can't work.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import aiohttp
import pytest

from tests.botproc import ROOT, BotProcess
from tests.fake_telegram import FakeTelegram
from tests.test_e2e_webhook import SECRET, TelegramSide, free_port, webhook_bot

USER = 6161
ADMIN = 7070
QUESTION = "покрышки для грузовиков"
ANSWER_START = "Барнаульский"


@pytest.fixture
async def fake():
    server = FakeTelegram()
    await server.start()
    yield server
    await server.stop()


def answers(fake: FakeTelegram, chat_id: int = USER, *, after: int = 0) -> list[str]:
    """Texts of the messages the bot sent to chat_id since `after` (as the user sees them)."""
    return [e.text for e in fake.events if e.kind == "sent" and e.chat_id == chat_id and e.seq > after]


def error_lines(stderr: bytes) -> list[str]:
    return [line for line in stderr.decode(errors="replace").splitlines() if " ERROR " in line]


async def run_cli(fake: FakeTelegram, db: Path, *args: str, **env: str) -> tuple[int, str]:
    full = {k: v for k, v in os.environ.items()
            if not k.endswith(("_IDS", "_TOKEN", "_CHAT_ID")) and not k.startswith("WEBHOOK_")}
    full.update(BOT_TOKEN=fake.token, TELEGRAM_API_URL=fake.url, DATABASE_PATH=str(db), LOG_LEVEL="INFO")
    full.update(env)
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", *args, cwd=ROOT, env=full,
        stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    _, err = await asyncio.wait_for(proc.communicate(), 60)
    return proc.returncode, err.decode(errors="replace")


# ---------------------------------------------------------------------------- single instance


async def test_a_second_bot_on_the_same_database_exits_2_with_one_line(fake, tmp_path):
    db = tmp_path / "data" / "bot.sqlite3"
    first = BotProcess(fake, db)
    await first.start()
    try:
        calls_before = len(fake.calls)
        for args, env in (((), {}),  # long polling
                          ((), {"WEBHOOK_URL": "https://bot.example.test", "WEBHOOK_PORT": str(free_port())}),
                          (("console",), {}),
                          ((), {"DATABASE_PATH": str(tmp_path / "data" / ".." / "data" / "bot.sqlite3")})):
            code, stderr = await run_cli(fake, db, *args, **env)
            assert code == 2, stderr
            lines = stderr.strip().splitlines()
            assert len(lines) == 1, stderr
            assert "another bot" in lines[0] and "bot.sqlite3" in lines[0] and "Traceback" not in stderr
        # none of them called Telegram (the first one's long polls are all there is)
        assert {c.method for c in fake.calls[calls_before:]} <= {"getUpdates"}, fake.dump()

        # maintenance commands still work next to the running bot
        code, stderr = await run_cli(fake, db, "ask", QUESTION, BOT_TOKEN="")
        assert code == 0, stderr

        # the first bot is unaffected
        after = fake.send_text(USER, QUESTION)
        answer = await fake.wait_message(USER, after=after)
        assert answer.text.startswith(ANSWER_START)

        # kill -9 releases the lock: a new bot starts on the file
        first.proc.send_signal(signal.SIGKILL)
        await first.wait_exit()
        second = BotProcess(fake, db)
        await second.start()
        try:
            after = fake.send_text(USER, "/help")
            await fake.wait_message(USER, after=after)
        finally:
            assert await second.stop() == 0
    finally:
        await first.kill()


# ---------------------------------------------------------------------------- 409 Conflict


async def test_conflict_is_logged_once_told_to_admins_once_and_polling_backs_off(fake, tmp_path):
    conflict = "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"
    fake.add_user(ADMIN, "Admin", language_code="en")
    fake.fail_next("getUpdates", 409, conflict, count=3)
    bot = BotProcess(fake, tmp_path / "bot.sqlite3", ADMIN_IDS=str(ADMIN))
    await bot.start()
    try:
        notice = await fake.wait_message(ADMIN, contains="409 Conflict", timeout=15)
        await fake.wait_for(lambda f: any(c.ok for c in f.calls_of("getUpdates")), timeout=20)
        after = fake.send_text(USER, QUESTION)
        assert (await fake.wait_message(USER, after=after)).text.startswith(ANSWER_START)
    finally:
        code = await bot.stop()
    stderr = bot.stderr.decode(errors="replace")
    assert code == 0, stderr
    polls = fake.calls_of("getUpdates")
    failed = [c for c in polls if c.status == 409]
    assert len(failed) == 3
    gaps = [b.time - a.time for a, b in zip(failed, failed[1:] + [next(c for c in polls if c.ok)], strict=False)]
    assert gaps[0] >= 0.7 and gaps[1] >= 1.5 and gaps[2] >= 3.0, gaps  # 1 s, 2 s, 4 s (jitter 0.1)
    assert stderr.count("409 Conflict") == 1, stderr  # once, not per poll
    assert "Traceback" not in stderr
    notices = [t for t in answers(fake, ADMIN) if "409 Conflict" in t]
    assert len(notices) == 1 and "ещё одна программа" in notice.text  # never spoke: default locale


# ---------------------------------------------------------------------------- unparseable updates


async def test_an_update_aiogram_cannot_parse_is_skipped_and_the_rest_answered(fake, tmp_path):
    bot = BotProcess(fake, tmp_path / "bot.sqlite3")
    await bot.start()
    try:
        # an older local Bot API server left out the chat (and the sender): aiogram rejects it
        bad = fake.send_update({"message": {"message_id": 1, "date": 1700000000, "text": "ИНН 7707083893"}})
        after = fake.send_text(USER, QUESTION)
        assert (await fake.wait_message(USER, after=after)).text.startswith(ANSWER_START)
        after = fake.send_text(USER, "/help")
        await fake.wait_message(USER, after=after)
        await fake.wait_for(lambda f: f.confirmed_update_id >= bad, timeout=10)  # the offset moved past it
    finally:
        code = await bot.stop()
    stderr = bot.stderr.decode(errors="replace")
    assert code == 0, stderr
    assert f"skipped update {bad}: it can't be parsed" in stderr
    assert "7707083893" not in stderr  # its content is never logged
    assert "Traceback" not in stderr
    assert not [c for c in fake.calls_of("getUpdates") if c.status is not None and not c.ok]  # the last long poll may be cut by the stop


async def test_webhook_skips_an_unparseable_update_and_answers_the_next(fake, tmp_path):
    port = free_port()
    bot = webhook_bot(fake, tmp_path / "bot.sqlite3", port)
    await bot.start(wait_polling=False, wait_webhook=True)
    try:
        telegram = TelegramSide(fake, port, SECRET)
        bad = fake.send_update({"message": {"message_id": 1, "date": 1700000000, "text": "ИНН 7707083893"}})
        assert await telegram.deliver(bad) == 200
        after = fake.send_text(USER, QUESTION)
        assert await telegram.deliver(after) == 200
        assert (await fake.wait_message(USER, after=after)).text.startswith(ANSWER_START)
    finally:
        code = await bot.stop()
    stderr = bot.stderr.decode(errors="replace")
    assert code == 0 and "Traceback" not in stderr, stderr
    assert f"skipped update {bad}" in stderr and "7707083893" not in stderr


# ---------------------------------------------------------------------------- each update once


async def test_webhook_redelivery_is_handled_once_also_after_a_restart(fake, tmp_path):
    db = tmp_path / "bot.sqlite3"
    port = free_port()
    bot = webhook_bot(fake, db, port)
    await bot.start(wait_polling=False, wait_webhook=True)
    telegram = TelegramSide(fake, port, SECRET)
    update_id = fake.send_text(USER, QUESTION)
    update = telegram.take(update_id)
    try:
        assert await telegram.post(update) == 200  # answered when handled (and recorded)
        assert await telegram.post(update) == 200  # a retry: answered, not handled again
        statuses = await asyncio.gather(*(telegram.post(update) for _ in range(3)))  # concurrent retries
        assert statuses == [200, 200, 200]
        after = fake.send_text(USER, "/help")
        assert await telegram.deliver(after) == 200
        await fake.wait_message(USER, after=after)
    finally:
        assert await bot.stop() == 0

    again = webhook_bot(fake, db, port)
    await again.start(wait_polling=False, wait_webhook=True)
    try:
        assert await telegram.post(update) == 200  # after a restart: still known
        after = fake.send_text(USER, "/help")
        assert await telegram.deliver(after) == 200
        await fake.wait_message(USER, after=after)
    finally:
        assert await again.stop() == 0
    got = [t for t in answers(fake) if t.startswith(ANSWER_START)]
    assert len(got) == 1, got
    assert "delivered again" in again.stderr.decode(errors="replace")


async def test_polling_redelivery_after_a_crash_is_handled_once(fake, tmp_path):
    db = tmp_path / "bot.sqlite3"
    first = BotProcess(fake, db)
    await first.start()
    update_id = fake.send_text(USER, QUESTION)
    await fake.wait_message(USER, after=update_id)
    # the next getUpdates confirms it: by then its id is written
    await fake.wait_for(lambda f: any(int(c.params.get("offset") or 0) > update_id
                                      for c in f.calls_of("getUpdates")), timeout=10)
    await first.kill()
    fake.redeliver(update_id)  # Telegram delivers it again (the crash came before the offset moved)

    second = BotProcess(fake, db)
    await second.start()
    try:
        after = fake.send_text(USER, "/help")
        await fake.wait_message(USER, after=after)
        await fake.wait_for(lambda f: update_id in f.delivered_update_ids, timeout=5)
    finally:
        assert await second.stop() == 0
    got = [t for t in answers(fake) if t.startswith(ANSWER_START)]
    assert len(got) == 1, got
    assert f"update {update_id} was delivered again" in second.stderr.decode(errors="replace")


async def test_an_update_interrupted_by_a_kill_is_handled_after_the_restart(fake, tmp_path):
    """At least once: a kill while an update is handled loses nothing (Telegram still has it)."""
    db = tmp_path / "bot.sqlite3"
    first = BotProcess(fake, db)
    await first.start()
    fake.delay_next("sendMessage", 3)  # the answer is on its way when the kill comes
    update_id = fake.send_text(USER, QUESTION)
    await fake.wait_for(lambda f: f.calls_of("sendMessage"), timeout=10)
    await first.kill()
    restarted = fake.seq

    second = BotProcess(fake, db)
    await second.start()
    try:
        # the second bot's own answer (the first one's delayed call may still complete: not counted)
        await fake.wait_for(lambda f: any(c.seq > restarted and c.ok and c.params.get("chat_id") == USER
                                          and ANSWER_START in c.params.get("text", "")
                                          for c in f.calls_of("sendMessage")), timeout=10)
        assert update_id in fake.delivered_update_ids
    finally:
        assert await second.stop() == 0


async def test_a_clean_stop_confirms_what_was_handled(fake, tmp_path):
    db = tmp_path / "bot.sqlite3"
    bot = BotProcess(fake, db)
    await bot.start()
    update_id = fake.send_text(USER, QUESTION)
    await fake.wait_message(USER, after=update_id)
    assert await bot.stop() == 0
    assert fake.confirmed_update_id >= update_id and not fake.updates


# ---------------------------------------------------------------------------- start-up


@pytest.mark.parametrize("answer", ["html", "500", "not an api answer"])
async def test_a_bot_api_that_does_not_answer_getme_is_one_line_and_exit_2(fake, tmp_path, answer):
    if answer == "html":
        fake.answer_next("getMe", "<html><body>502 Bad Gateway</body></html>", status=502, count=5)
    elif answer == "500":
        fake.fail_next("getMe", 500, "Internal Server Error", count=5)
    else:
        fake.answer_next("getMe", '{"hello": "world"}', content_type="application/json", count=5)
    bot = BotProcess(fake, tmp_path / "bot.sqlite3")
    await bot.start(wait_polling=False)
    code = await bot.wait_exit(timeout=30)
    stderr = bot.stderr.decode(errors="replace")
    assert code == 2, stderr
    assert len(error_lines(bot.stderr)) == 1 and "TELEGRAM_API_URL" in error_lines(bot.stderr)[0], stderr
    assert "Traceback" not in stderr and fake.token not in stderr
    assert len(fake.calls_of("getMe")) == 3  # a few tries, then the line
    assert not fake.calls_of("getUpdates")


async def test_a_getme_that_fails_once_is_retried_and_the_bot_starts(fake, tmp_path):
    fake.answer_next("getMe", "<html>bad gateway</html>", status=502)
    bot = BotProcess(fake, tmp_path / "bot.sqlite3")
    await bot.start()
    after = fake.send_text(USER, "/help")
    await fake.wait_message(USER, after=after)
    assert await bot.stop() == 0
    assert "Traceback" not in bot.stderr.decode(errors="replace")


async def test_a_failing_set_my_commands_is_a_warning_and_the_bot_goes_on(fake, tmp_path):
    fake.fail_next("setMyCommands", 500, "Internal Server Error", count=10)
    fake.add_chat(-100555, title="Staff")
    bot = BotProcess(fake, tmp_path / "bot.sqlite3", STAFF_CHAT_ID="-100555")
    await bot.start()
    try:
        after = fake.send_text(USER, QUESTION)
        assert (await fake.wait_message(USER, after=after)).text.startswith(ANSWER_START)
    finally:
        code = await bot.stop()
    stderr = bot.stderr.decode(errors="replace")
    assert code == 0, stderr
    assert "WARNING bot.runner: setMyCommands failed" in stderr and "Traceback" not in stderr
    assert not error_lines(bot.stderr)


@pytest.mark.parametrize("mode", ["polling", "webhook"])
async def test_sigterm_while_getme_hangs_stops_cleanly(fake, tmp_path, mode):
    fake.delay_next("getMe", 30)
    bot = (BotProcess(fake, tmp_path / "bot.sqlite3") if mode == "polling"
           else webhook_bot(fake, tmp_path / "bot.sqlite3", free_port()))
    await bot.start(wait_polling=False)
    await fake.wait_for(lambda f: f.calls_of("getMe"), timeout=30)
    code = await bot.stop(signal.SIGTERM, timeout=10)
    stderr = bot.stderr.decode(errors="replace")
    assert code == 0, stderr
    assert "Traceback" not in stderr and "stopped during start-up" in stderr


def _make_read_only(path: Path) -> None:
    """A file even root can't write: `chattr +i` (root ignores `chmod 444`)."""
    if os.geteuid() != 0:
        path.chmod(0o444)
        return
    if shutil.which("chattr") is None:
        pytest.skip("running as root without chattr: can't make a file read-only")
    done = subprocess.run(["chattr", "+i", str(path)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"chattr +i not permitted here: {done.stderr.decode(errors='replace').strip()}")


def _make_writable(path: Path) -> None:
    if os.geteuid() == 0 and shutil.which("chattr"):
        subprocess.run(["chattr", "-i", str(path)], capture_output=True)
    if path.exists():
        path.chmod(0o644)


@pytest.mark.parametrize("case", ["a used database", "an empty file"])
async def test_a_read_only_database_is_one_line_and_exit_2(fake, tmp_path, case):
    db = tmp_path / "bot.sqlite3"
    if case == "a used database":
        bot = BotProcess(fake, db)
        await bot.start()
        assert await bot.stop() == 0
    else:
        db.touch()
    _make_read_only(db)
    try:
        bot = BotProcess(fake, db)
        await bot.start(wait_polling=False)
        code = await bot.wait_exit(timeout=30)  # no hang: nothing is left running
    finally:
        _make_writable(db)
    stderr = bot.stderr.decode(errors="replace")
    assert code == 2, stderr
    errors = error_lines(bot.stderr)
    assert len(errors) == 1 and "DATABASE_PATH" in errors[0] and "readonly" in errors[0], stderr
    assert "Traceback" not in stderr


async def test_webhook_body_that_is_not_an_update_is_refused_quietly(fake, tmp_path):
    port = free_port()
    bot = webhook_bot(fake, tmp_path / "bot.sqlite3", port)
    await bot.start(wait_polling=False, wait_webhook=True)
    try:
        telegram = TelegramSide(fake, port, SECRET)
        async with aiohttp.ClientSession() as http:
            for body in ([1, 2], "text", {"message": {}}, {"update_id": "x"}):
                async with http.post(telegram.url, json=body,
                                     headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}) as resp:
                    assert resp.status == 200, body
        after = fake.send_text(USER, "/help")
        assert await telegram.deliver(after) == 200
        await fake.wait_message(USER, after=after)
    finally:
        code = await bot.stop()
    stderr = bot.stderr.decode(errors="replace")
    assert code == 0 and "Traceback" not in stderr, stderr
