"""End to end (issue 8, defects 7-9): the real `python -m bot` against the fake Bot API while
the Bot API fails. Every update that expects a reply gets one, every press is answered with
something the user can read, a failure is logged once, and no request is refused for length.
"""

from __future__ import annotations

import pytest

from tests.botproc import BotProcess
from tests.fake_telegram import FakeTelegram
from tests.test_e2e_join import ENV, PROMPT, SENT, STAFF, STAFF_CHAT, Person, api_errors, read_db

USERS = (4301, 4302, 4303)
INNS = ("7707083808", "7707083815", "7707083822")  # valid, one company each
TRY_AGAIN = "Что-то пошло не так"
OUTDATED = "Эта кнопка устарела"


@pytest.fixture
async def fake():
    server = FakeTelegram()
    await server.start()
    server.add_chat(STAFF_CHAT, "supergroup", title="Сотрудники")
    server.add_user(STAFF, "Сотрудник")
    for user_id in USERS:
        server.add_user(user_id, f"Заявитель {user_id}")
    yield server
    await server.stop()


@pytest.fixture
async def bot(fake, tmp_path):
    proc = BotProcess(fake, tmp_path / "bot.sqlite3", **ENV)
    await proc.start()
    yield proc
    await proc.kill()


def injected(call) -> bool:  # noqa: ANN001
    return call.status == 500


async def test_presses_and_messages_are_answered_while_the_bot_api_fails(fake, bot):
    a, b, c = (Person(fake, user_id) for user_id in USERS)

    # one 500 is a blip: the reply is sent again and arrives, nobody is told anything
    fake.fail_next("sendMessage", 500, "Internal Server Error")
    mark = fake.send_text(a.id, "/help")
    assert "/clusters" in (await fake.wait_message(a.id, after=mark)).text

    # a reply that keeps failing (the first try and both retries): the error handler writes
    # "try again" (one traceback logged)
    fake.fail_next("sendMessage", 500, "Internal Server Error", count=3)
    mark = fake.send_text(a.id, "/help")
    assert TRY_AGAIN in (await fake.wait_message(a.id, after=mark)).text
    assert (await a.says("/help", "")).text  # and the bot goes on

    # garbage, old-format and forged button data: answered "outdated", every one
    menu = await a.says("/menu", "")
    for data in ("garbage", "st:take:x", "fm", "ma:-1:extra", "cl:zz"):
        answer = await fake.wait_callback_answer(fake.press(a.id, menu, data))
        assert OUTDATED in answer.get("text", ""), (data, answer)

    summaries = {}
    for person, inn in zip((a, b, c), INNS, strict=True):
        await person.start_join()
        summaries[person.id] = await person.fill_from_org(inn=inn)

    # Send while the confirmation can't be sent: the press itself says the application is sent
    fake.fail_chat(a.id, 500, "Internal Server Error")
    mark = fake.seq
    answer = await fake.wait_callback_answer(fake.press_button(a.id, summaries[a.id], "Отправить заявку"))
    await fake.wait_call("sendMessage", after=mark, where=lambda call: call.params.get("chat_id") == a.id)
    fake.clear_failures()
    assert SENT.search(answer.get("text", "")), answer

    # Send while the press can't be answered: the confirmation message says it
    fake.fail_next("answerCallbackQuery", 500, "Internal Server Error")
    mark = fake.seq
    fake.press_button(b.id, summaries[b.id], "Отправить заявку")
    assert SENT.search((await fake.wait_message(b.id, contains="отправлена", after=mark)).text)

    # a 4,097-character answer the bot repeats in its error message: bounded, accepted by Telegram
    await c.presses(summaries[c.id], "ОКВЭД", PROMPT["okved"])
    mark = fake.send_text(c.id, "2" * 4097)
    error = await fake.wait_message(c.id, after=mark)
    assert "не код ОКВЭД" in error.text and len(error.text) < 500

    assert len(read_db(bot.db_path, "SELECT 1 FROM applications")) == 2
    assert await bot.stop() == 0
    log = bot.stderr.decode(errors="replace")
    assert log.count("Traceback") == 1, log[-4000:]
    assert not api_errors(fake, injected)  # nothing refused: HTML, lengths, answers
