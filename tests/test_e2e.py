"""End to end: the real `python -m bot` process, long polling a fake Bot API over real HTTP.

The fake refuses HTML with unknown tags or unescaped `<` as Telegram does, so any escaping
mistake shows up here as a missing message.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import sys
from pathlib import Path

import pytest
import yaml

from tests.botproc import BotProcess
from tests.fake_telegram import FakeTelegram

USER = 4242
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
async def fake():
    server = FakeTelegram()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def bot(fake, tmp_path):
    proc = BotProcess(fake, tmp_path / "bot.sqlite3")
    await proc.start()
    yield proc
    await proc.kill()


def assert_no_api_errors(fake: FakeTelegram) -> None:
    errors = [c.short() for c in fake.calls if not c.ok and c.method != "getUpdates"]
    assert not errors, errors


async def test_walkthrough_start_browse_paginate_card_back(fake, bot):
    # commands are registered in both languages
    await fake.wait_for(lambda f: f.get_commands("all_private_chats", "en"), timeout=10)
    en = [c["command"] for c in fake.get_commands("all_private_chats", "en")]
    ru = [c["description"] for c in fake.get_commands("all_private_chats", "ru")]
    assert "language" in en and "help" in en and "Кластеры" in ru

    after = fake.send_text(USER, "/start", first_name="<Анна & Co>")
    menu = await fake.wait_message(USER, contains="Здравствуйте", after=after)
    assert "<Анна & Co>" in menu.text  # shown intact, escaped on the wire
    assert "Кластеры" in " ".join(menu.button_texts)

    after = fake.seq
    fake.press_button(USER, menu, "Кластеры")
    listing = await fake.wait_message(USER, contains="Страница 1 из 2", after=after)
    assert listing.message_id == menu.message_id  # edited in place

    after = fake.seq
    fake.press_button(USER, listing, "След.")
    page2 = await fake.wait_message(USER, contains="Страница 2 из 2", after=after)
    assert page2.message_id == menu.message_id

    after = fake.seq
    fake.press_button(USER, page2, "Барнаульский")
    card = await fake.wait_message(USER, contains="Источник:", after=after)
    assert "шины" in card.text and "Алтайский край" in card.text

    after = fake.seq
    fake.press_button(USER, card, "Назад")
    back = await fake.wait_message(USER, contains="Страница 2 из 2", after=after)
    assert back.message_id == menu.message_id

    # every callback query was answered (no endless spinner in the client)
    await fake.wait_for(lambda f: len(f.calls_of("answerCallbackQuery")) == 4, timeout=5)
    assert_no_api_errors(fake)


async def test_questions_language_and_non_text(fake, bot):
    after = fake.send_text(USER, "покрышки для грузовиков")
    answer = await fake.wait_message(USER, after=after)
    assert answer.text.splitlines()[0].startswith("Барнаульский")

    # a list question: every cluster that makes tyres, each with its button
    after = fake.send_text(USER, "кто выпускает шины")
    answer = await fake.wait_message(USER, after=after)
    assert "Барнаульский" in answer.text and "Омской области" in answer.text
    assert sum("кластер" in b for b in answer.button_texts) == 2

    after = fake.send_text(USER, "как вступить")
    answer = await fake.wait_message(USER, after=after)
    assert "вступить" in answer.text.lower()
    assert any("Подать заявку" in b for b in answer.button_texts)

    after = fake.send_text(USER, "какая погода завтра в Сочи")
    answer = await fake.wait_message(USER, after=after)
    assert "Не нашёл" in answer.text

    after = fake.send_text(USER, "<script>alert(1)</script> шины & РТИ")
    answer = await fake.wait_message(USER, after=after)
    assert answer.text  # delivered: nothing unescaped broke the HTML

    after = fake.send_photo(USER)
    answer = await fake.wait_message(USER, after=after)
    assert "только текст" in answer.text
    after = fake.send_sticker(USER)
    assert "только текст" in (await fake.wait_message(USER, after=after)).text

    after = fake.send_text(USER, "/language")
    picker = await fake.wait_message(USER, after=after)
    after = fake.seq
    fake.press_button(USER, picker, "English")
    switched = await fake.wait_message(USER, contains="Main menu", after=after)
    assert switched.message_id == picker.message_id

    after = fake.send_text(USER, "solvents")
    answer = await fake.wait_message(USER, after=after)
    assert "Interregional" in answer.text.splitlines()[0]
    assert "Source:" in answer.text
    assert_no_api_errors(fake)


async def test_sigterm_stops_cleanly_and_data_survives_restart(fake, tmp_path):
    db = tmp_path / "bot.sqlite3"
    first = BotProcess(fake, db)
    await first.start()
    after = fake.send_text(USER, "/language")
    picker = await fake.wait_message(USER, after=after)
    after = fake.seq
    fake.press_button(USER, picker, "English")
    await fake.wait_message(USER, contains="Main menu", after=after)
    assert await first.stop(signal.SIGTERM) == 0
    assert b"Traceback" not in first.stderr
    assert fake.token.encode() not in first.stderr  # the token is never logged

    second = BotProcess(fake, db)
    await second.start()
    try:
        after = fake.send_text(USER, "/help")
        answer = await fake.wait_message(USER, after=after)
        assert "What I can do" in answer.text  # the language choice survived the restart
    finally:
        assert await second.stop(signal.SIGINT) == 0


async def test_rejected_token_is_one_clear_line(fake, tmp_path):
    proc = BotProcess(fake, tmp_path / "bot.sqlite3", BOT_TOKEN="999:wrong")
    await proc.start(wait_polling=False)
    code = await proc.wait_exit()
    assert code == 2
    assert b"BOT_TOKEN" in proc.stderr and b"Traceback" not in proc.stderr


async def test_content_imported_while_the_bot_runs_is_answered(fake, bot, tmp_path):
    """`python -m bot import` in another process; the running bot picks it up by itself."""
    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    faq = yaml.safe_load((content / "faq.yaml").read_text(encoding="utf-8"))
    faq.append({**faq[0], "slug": "tariff-calculator",
                "question": {"ru": "Есть ли калькулятор тарифов?"},
                "answer": {"ru": "Калькулятор тарифов появится в 2027 году."},
                "aliases": ["калькулятор тарифов"]})
    (content / "faq.yaml").write_text(yaml.safe_dump(faq, allow_unicode=True), encoding="utf-8")

    after = fake.send_text(USER, "калькулятор тарифов")
    assert "Калькулятор тарифов появится" not in (await fake.wait_message(USER, after=after)).text

    env = {k: v for k, v in os.environ.items() if not k.endswith(("_IDS", "_TOKEN", "_CHAT_ID"))}
    env.update(DATABASE_PATH=str(bot.db_path), BOT_TOKEN="", WEBHOOK_URL="")
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "import", str(content), cwd=ROOT, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode == 0, err.decode()
    assert "imported" in out.decode()

    for _ in range(30):  # the bot checks every 10 s
        after = fake.send_text(USER, "калькулятор тарифов")
        answer = await fake.wait_message(USER, after=after)
        if "Калькулятор тарифов появится" in answer.text:
            break
        await asyncio.sleep(1)
    else:
        raise AssertionError(f"the running bot still answers the old content: {answer.text[:200]}")
    assert_no_api_errors(fake)
