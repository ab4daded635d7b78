"""End to end: /privacy with the real `python -m bot` process against the fake Bot API over HTTP.

An applicant applies, looks at what is stored, downloads it, withdraws consent; the staff group
gets the card edited and a notice under it (through the durable outbox, also across a restart
while the group is unreachable), and the applicant a confirmation.
"""

from __future__ import annotations

import json
import signal

import pytest

from tests.botproc import BotProcess
from tests.fake_telegram import Call, FakeTelegram, SentMessage
from tests.test_e2e_join import (
    ADMIN,
    ENV,
    INN,
    KICKED,
    STAFF,
    STAFF_CHAT,
    STAFF_NAME,
    USER,
    Person,
    api_errors,
    outbox_drained,
    press,
    read_db,
    stop,
    to_staff_chat,
    wait_card,
    wait_card_edit,
)
from tests.test_join_handlers import CONSENT

PHONE = "+79123456789"  # what Person.fill_from_org types
EMAIL = "info@example.ru"
CONTACT = "Иванов Иван, директор"
COMMENT = "Звоните после 10 <утра> & не раньше"


@pytest.fixture
async def fake():
    server = FakeTelegram()
    await server.start()
    server.add_chat(STAFF_CHAT, "supergroup", title="Сотрудники АКИТ")
    server.add_user(STAFF, STAFF_NAME)
    server.add_user(ADMIN, "Админ")
    server.add_user(USER, "Анна", last_name="Петрова", username="anna_p")
    yield server
    await server.stop()


@pytest.fixture
def db_path(tmp_path):
    return tmp_path / "bot.sqlite3"


async def document_after(fake: FakeTelegram, chat_id: int, mark: int) -> SentMessage:
    ev = await fake.wait_event(chat_id, after=mark, kinds=("sent",), where=lambda e: e.message.kind == "document")
    return ev.message


async def test_apply_download_withdraw_and_the_staff_is_told(fake, db_path):
    bot = BotProcess(fake, db_path, **ENV)
    await bot.start()
    try:
        anna = Person(fake, USER)
        mark = fake.seq
        number = await anna.apply(comment=COMMENT)
        card = await wait_card(fake, number, after=mark)
        assert PHONE in card.text and "Анна Петрова @anna_p" in card.text
        mark = fake.seq
        await press(fake, STAFF, card, card.find_button("Взять")["callback_data"])
        await wait_card_edit(fake, card, "на рассмотрении", after=mark)
        await anna.says("покрышки для грузовиков", "Источник")

        # ---- what is stored
        screen = await anna.says("/privacy", "Ваши данные в боте")
        for part in ("Имя: Анна Петрова @anna_p", f"№ {number} (🔎 на рассмотрении)",
                     f"согласие в редакции {CONSENT} дано", "Вопросов в журнале: 1", "вы подписаны"):
            assert part in screen.text, (part, screen.text)

        # ---- the download: a JSON document in the private chat
        mark = fake.seq
        cq = fake.press_button(USER, screen, "Скачать мои данные")
        assert not (await fake.wait_callback_answer(cq)).get("show_alert")
        doc = await document_after(fake, USER, mark)
        assert doc.document.filename.endswith(".json")
        data = json.loads(doc.document.data.decode("utf-8"))
        [application] = data["applications"]
        assert application["number"] == number and application["inn"] == INN
        assert (application["contact_person"], application["phone"], application["email"]) == (CONTACT, PHONE, EMAIL)
        assert application["comment"] == COMMENT
        assert [q["text"] for q in data["questions_asked"]] == ["покрышки для грузовиков"]

        # ---- withdrawal: asked first, then done
        confirm = await anna.presses(screen, "Отозвать согласие", "Отозвать согласие на обработку")
        assert "Будет отозвано открытых заявок: 1" in confirm.text
        mark = fake.seq
        done = await anna.presses(confirm, "Да, отозвать", "Согласие отозвано")
        assert "Сотрудники ассоциации уведомлены" in done.text

        # ---- the staff group: a notice under the card, and the card without personal data
        notice = await fake.wait_message(STAFF_CHAT, contains=f"Заявка № {number} отозвана", after=mark)
        assert notice.reply_to_message_id == card.message_id
        await wait_card_edit(fake, card, "↩️ отозвана", after=mark)
        for gone in (PHONE, EMAIL, "Иванов Иван", "Звоните после", "anna_p"):
            assert gone not in card.text, gone
        assert "[удалено]" in card.text and INN in card.text and card.buttons == []

        # ---- the database
        await fake.wait_for(lambda f: outbox_drained(db_path), timeout=5)
        assert read_db(db_path, "SELECT status, contact_name, phone, email, comment, erased_at IS NOT NULL"
                                " FROM applications") == [("withdrawn", "", "", "", "", 1)]
        assert read_db(db_path, "SELECT count(*) FROM questions WHERE user_id = ?", (USER,)) == [(0,)]
        assert read_db(db_path, "SELECT first_name, subscribed FROM users WHERE id = ?", (USER,)) == [("", 0)]

        # ---- later: nothing personal left, and a new application works (consent asked again)
        again = await anna.says("/privacy", "Ваши данные в боте")
        assert "Анна" not in again.text and "Вопросов в журнале: 0" in again.text and "вы отписаны" in again.text
        mark = fake.seq
        second = await anna.apply()
        assert second != number
        new_card = await wait_card(fake, second, after=mark)
        assert PHONE in new_card.text
        assert not api_errors(fake)
    finally:
        assert await stop(bot) == 0
    assert b"Traceback" not in bot.stderr, bot.stderr.decode(errors="replace")
    log = bot.stderr.decode(errors="replace")
    for secret in (PHONE, EMAIL, INN, "Иванов Иван"):
        assert secret not in log, secret  # personal data is never logged


async def test_the_notice_survives_an_unreachable_group_and_a_restart(fake, db_path):
    first = BotProcess(fake, db_path, **ENV)
    await first.start()
    try:
        anna = Person(fake, USER)
        mark = fake.seq
        number = await anna.apply()
        card = await wait_card(fake, number, after=mark)
        fake.fail_chat(STAFF_CHAT, 403, KICKED)  # the bot was removed from the group
        screen = await anna.says("/privacy", "Ваши данные в боте")
        confirm = await anna.presses(screen, "Отозвать согласие", "Отозвать согласие на обработку")
        await anna.presses(confirm, "Да, отозвать", "Согласие отозвано")  # the user is not kept waiting
        await fake.wait_for(
            lambda f: any(to_staff_chat(c) and c.status == 403 for c in f.calls), timeout=10
        )
        # the press was handled and confirmed to Telegram: a kill before that would make
        # Telegram deliver it again (at least once), which is not what this test is about
        await fake.wait_for(lambda f: not f.updates, timeout=10)
    finally:
        assert await stop(first, signal.SIGKILL) == -signal.SIGKILL
    assert read_db(db_path, "SELECT count(*) FROM outbox WHERE status = 'pending'")[0][0] >= 2

    fake.clear_failures()
    mark = fake.seq
    second = BotProcess(fake, db_path, **ENV)
    await second.start()
    try:
        notice = await fake.wait_message(STAFF_CHAT, contains=f"Заявка № {number} отозвана", after=mark, timeout=30)
        assert notice.reply_to_message_id == card.message_id
        await wait_card_edit(fake, card, "↩️ отозвана", after=mark)
        assert PHONE not in card.text
        await fake.wait_for(lambda f: outbox_drained(db_path), timeout=10)

        def injected(c: Call) -> bool:
            return to_staff_chat(c) and c.error == KICKED

        assert not api_errors(fake, injected)
    finally:
        assert await stop(second) == 0
