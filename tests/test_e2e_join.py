"""End to end: the join dialogue and the staff workflow, with the real `python -m bot` process
long polling the fake Bot API over real HTTP.

The staff group is a supergroup (STAFF_CHAT); 700 is a staff member, 900 an admin, 4242 the
applicant and 555 an outsider who happens to be in the staff group. Every test checks that the
fake saw no API errors other than the ones it injected (the fake refuses bad HTML as Telegram
does, so an escaping mistake shows up as an error and a missing message).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import re
import signal
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.botproc import JOIN_PROMPTS, BotProcess
from tests.fake_telegram import Call, FakeTelegram, SentMessage

STAFF_CHAT = -1001234567890
STAFF = 700
ADMIN = 900
USER = 4242
OUTSIDER = 555
ENV = {"STAFF_CHAT_ID": str(STAFF_CHAT), "STAFF_IDS": str(STAFF), "ADMIN_IDS": str(ADMIN)}

YEAR = dt.datetime.now(dt.UTC).year
INN = "7707083893"
OGRN = "1027700132195"
CLUSTER = "Межрегиональный химический промышленный кластер"
STAFF_NAME = "Пётр <Сидоров & Ко>"  # HTML-looking on purpose: must be escaped everywhere

PROMPT = JOIN_PROMPTS
SENT = re.compile(r"Заявка № (\d{4}-\d{4}) отправлена")
KICKED = "Forbidden: bot was kicked from the supergroup chat"
UNREACHABLE_WARNING = "Не могу писать в группу сотрудников"


# ---------------------------------------------------------------------------------- fixtures


@pytest.fixture
async def fake():
    server = FakeTelegram()
    await server.start()
    server.add_chat(STAFF_CHAT, "supergroup", title="Сотрудники АКИТ")
    server.add_user(STAFF, STAFF_NAME)
    server.add_user(ADMIN, "Админ")
    server.add_user(USER, "Анна", last_name="Петрова", username="anna_p")
    server.add_user(OUTSIDER, "Посторонний")
    yield server
    await server.stop()


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "bot.sqlite3"


@pytest.fixture
async def bot(fake, db_path):
    proc = BotProcess(fake, db_path, **ENV)
    await proc.start()
    yield proc
    await proc.kill()


# ---------------------------------------------------------------------------------- helpers


def api_errors(fake: FakeTelegram, injected: Callable[[Call], bool] | None = None) -> list[str]:
    """Failed API calls (getUpdates aside), except those `injected` says the test caused."""
    return [
        c.short()
        for c in fake.calls
        if c.status is not None
        and not c.ok
        and c.method != "getUpdates"
        and not (injected and injected(c))
    ]


def to_staff_chat(call: Call) -> bool:
    try:
        return int(call.params.get("chat_id")) == STAFF_CHAT
    except (TypeError, ValueError):
        return False


def staff_sends(fake: FakeTelegram, *, ok: bool | None = None, contains: str = "") -> list[Call]:
    return [
        c
        for c in fake.calls
        if c.method == "sendMessage"
        and to_staff_chat(c)
        and c.status is not None
        and (ok is None or c.ok == ok)
        and contains in str(c.params.get("text", ""))
    ]


def at_least(n: int, items: list) -> list | None:
    return items if len(items) >= n else None


def cards(fake: FakeTelegram, number: str | None = None) -> list[SentMessage]:
    """Application cards in the staff group (the first message of each application)."""
    head = f"📝 Заявка № {number} —" if number else "📝 Заявка № "
    return [m for m in fake.sent_to(STAFF_CHAT) if m.text.startswith(head)]


def texts_to(fake: FakeTelegram, chat_id: int, contains: str) -> list[str]:
    return [m.text for m in fake.sent_to(chat_id) if contains in m.text]


async def wait_card(
    fake: FakeTelegram, number: str, after: int = 0, timeout: float = 10
) -> SentMessage:
    ev = await fake.wait_event(
        STAFF_CHAT,
        contains=f"📝 Заявка № {number} —",
        after=after,
        kinds=("sent",),
        timeout=timeout,
    )
    return ev.message


async def wait_card_edit(
    fake: FakeTelegram, card: SentMessage, contains: str, after: int
) -> SentMessage:
    ev = await fake.wait_event(
        STAFF_CHAT,
        contains=contains,
        after=after,
        kinds=("edited",),
        where=lambda e: e.message_id == card.message_id,
    )
    return ev.message


async def press(fake: FakeTelegram, user_id: int, message: SentMessage, data: str) -> dict:
    """Press a (possibly forged) callback on `message` and return the callback's answer."""
    cq = fake.press(user_id, message, data, chat_id=message.chat_id)
    return await fake.wait_callback_answer(cq)


class Person:
    """A user in their private chat with the bot."""

    def __init__(self, fake: FakeTelegram, user_id: int) -> None:
        self.fake = fake
        self.id = user_id

    async def says(self, text: str, expect: str, **kw) -> SentMessage:
        mark = self.fake.send_text(self.id, text, **kw)
        return await self.fake.wait_message(self.id, contains=expect, after=mark)

    async def presses(self, message: SentMessage, button: str, expect: str) -> SentMessage:
        mark = self.fake.seq
        cq = self.fake.press_button(self.id, message, button)
        answer = await self.fake.wait_callback_answer(cq)
        assert not answer.get("show_alert"), answer
        return await self.fake.wait_message(self.id, contains=expect, after=mark)

    async def refused(self, mark: int, error: str, step: str) -> SentMessage:
        """The bot's very next message says what is wrong, then asks the same question."""
        msg = await self.fake.wait_message(self.id, after=mark)
        text = msg.text.replace("\xa0", " ")  # Fluent groups digits with a no-break space
        assert text.startswith("⚠️"), msg
        assert error in text, msg
        assert PROMPT[step] in text, msg
        assert text.index(error) < text.index(PROMPT[step]), msg
        return msg

    async def refused_text(self, text: str, error: str, step: str) -> SentMessage:
        return await self.refused(self.fake.send_text(self.id, text), error, step)

    # ---- the dialogue, step by step with valid answers
    async def start_join(self) -> SentMessage:
        """/join → the cluster → the organization prompt."""
        msg = await self.says("/join", PROMPT["cluster"])
        return await self.presses(msg, CLUSTER[:20], PROMPT["org_name"])

    async def fill_from_org(
        self, *, inn: str = INN, org: str = "ООО «Химпром»", comment: str | None = None
    ) -> SentMessage:
        """From the organization prompt to the summary; returns the summary."""
        await self.says(org, PROMPT["inn"])
        msg = await self.says(inn, PROMPT["ogrn"])
        msg = await self.presses(msg, "Пропустить", PROMPT["region"])
        msg = await self.says("Омская область", "Это Омская область?")
        msg = await self.presses(msg, "✅ Омская область", PROMPT["products"])
        msg = await self.says("Растворители и реактивы", PROMPT["okved"])
        msg = await self.presses(msg, "Пропустить", PROMPT["contact"])
        await self.says("Иванов Иван, директор", PROMPT["phone"])
        msg = await self.says("+7 912 345-67-89", PROMPT["email"])
        if comment is None:
            msg = await self.says("info@example.ru", PROMPT["comment"])
            msg = await self.presses(msg, "Пропустить", PROMPT["consent"])
        else:
            await self.says("info@example.ru", PROMPT["comment"])
            msg = await self.says(comment, PROMPT["consent"])
        return await self.presses(msg, "Я согласен", PROMPT["summary"])

    async def send_application(self, summary: SentMessage) -> str:
        msg = await self.presses(summary, "Отправить заявку", "отправлена")
        found = SENT.search(msg.text)
        assert found, msg
        return found.group(1)

    async def apply(self, **kw) -> str:
        await self.start_join()
        return await self.send_application(await self.fill_from_org(**kw))


def staff_says(fake: FakeTelegram, user_id: int, text: str, *, reply_to: int | None = None) -> int:
    """A message in the staff group (optionally a Reply to one of its messages)."""
    return fake.send_text(user_id, text, chat_id=STAFF_CHAT, reply_to_message_id=reply_to)


def outbox_drained(db_path: Path) -> bool:
    return read_db(db_path, "SELECT count(*) FROM outbox WHERE status = 'pending'") == [(0,)]


async def stop(proc: BotProcess, sig: int = signal.SIGTERM) -> int:
    """Stop the bot; on a hang, show what it logged."""
    try:
        return await proc.stop(sig)
    except AssertionError as exc:
        tail = proc.stderr.decode(errors="replace")[-3000:]
        raise AssertionError(f"{exc}\n--- bot stderr (tail) ---\n{tail}") from None


def slow_staff_sends(fake: FakeTelegram, seconds: float) -> Callable[[], None]:
    """Telegram takes `seconds` to answer sendMessage to the staff group (the message is
    delivered at once; only the answer is late). Returns a function that undoes it."""
    name, handler = fake._handlers["sendmessage"]

    async def slow(call: Call) -> object:
        result = handler(call)
        if to_staff_chat(call):
            await asyncio.sleep(seconds)
        return result

    fake._handlers["sendmessage"] = (name, slow)
    return lambda: fake._handlers.__setitem__("sendmessage", (name, handler))


def user_thread(db_path: Path, message: SentMessage) -> list[tuple]:
    return read_db(
        db_path,
        "SELECT kind, ref_id FROM user_threads WHERE chat_id = ? AND message_id = ?",
        (message.chat_id, message.message_id),
    )


def read_db(db_path: Path, sql: str, params: tuple = ()) -> list[tuple]:
    with sqlite3.connect(db_path) as conn:
        return conn.execute(sql, params).fetchall()


# ---------------------------------------------------------------------------------- 1. happy path


async def test_happy_path_and_the_whole_staff_workflow(fake, bot, db_path):
    anna = Person(fake, USER)
    menu = await anna.says("/start", "Здравствуйте")
    msg = await anna.presses(menu, "📝 Вступить в кластер", PROMPT["cluster"])
    assert "Шаг 1 из 12" in msg.text
    msg = await anna.presses(msg, CLUSTER[:20], PROMPT["org_name"])
    assert "Шаг 2 из 12" in msg.text
    await anna.says("ООО «Химпром»", PROMPT["inn"])
    await anna.says(INN, PROMPT["ogrn"])
    await anna.says(OGRN, PROMPT["region"])
    msg = await anna.says("омская", "Это Омская область?")
    assert "✅ Омская область" in msg.button_texts
    msg = await anna.presses(msg, "✅ Омская область", PROMPT["products"])
    await anna.says("Производим растворители и реактивы, ищем партнёров", PROMPT["okved"])
    await anna.says("20.14, 20.59", PROMPT["contact"])
    phone_prompt = await anna.says("Иванова Мария, главный технолог", PROMPT["phone"])
    keyboard = phone_prompt.reply_markup["keyboard"]
    share = keyboard[0][0]
    assert share["text"] == "📱 Отправить мой номер" and share["request_contact"] is True

    mark = fake.send_contact(USER, "+79123456789")  # the user's own contact
    saved = await fake.wait_message(USER, contains="Телефон: +79123456789 ✓", after=mark)
    assert saved.reply_markup == {"remove_keyboard": True}
    msg = await fake.wait_message(USER, contains=PROMPT["email"], after=saved.seq)
    msg = await anna.says("info@himprom.ru", PROMPT["comment"])
    msg = await anna.presses(msg, "Пропустить", PROMPT["consent"])
    summary = await anna.presses(msg, "✅ Я согласен(на)", PROMPT["summary"])
    for line in (
        f"Кластер: {CLUSTER}",
        "Организация: ООО «Химпром»",
        f"ИНН: {INN}",
        f"ОГРН/ОГРНИП: {OGRN}",
        "Регион: Омская область",
        "Продукция и интерес: Производим растворители и реактивы, ищем партнёров",
        "ОКВЭД: 20.14, 20.59",
        "Контактное лицо: Иванова Мария, главный технолог",
        "Телефон: +79123456789",
        "E-mail: info@himprom.ru",
        "Комментарий: —",
    ):
        assert line in summary.text, (line, summary.text)
    assert "📨 Отправить заявку" in summary.button_texts
    assert {"✏️ Организация", "✏️ ИНН", "✏️ Телефон", "✏️ E-mail"} <= set(summary.button_texts)

    mark = fake.seq
    number = await anna.send_application(summary)
    assert number == f"{YEAR}-0001"

    # ---- exactly one card, with every field and the four buttons
    card = await wait_card(fake, number, after=mark)
    for line in (
        f"📝 Заявка № {number} — {CLUSTER}",
        "Статус: 🆕 новая",
        "Организация: ООО «Химпром»",
        f"ИНН: {INN}  ОГРН: {OGRN}",
        "Регион: Омская область",
        "Продукция и интерес: Производим растворители и реактивы, ищем партнёров",
        "ОКВЭД: 20.14, 20.59",
        "Контактное лицо: Иванова Мария, главный технолог",
        "Телефон: +79123456789  E-mail: info@himprom.ru",
        "Заявитель: Анна Петрова @anna_p · язык: ru",
        "Подана: ",
    ):
        assert line in card.text, (line, card.text)
    assert "Комментарий" not in card.text and "Кампания" not in card.text
    assert card.button_texts == [
        "🔎 Взять",
        "✅ Принять",
        "❌ Отклонить",
        "❓ Запросить информацию",
    ]
    assert card.callback_data == ["st:take:1", "st:accept:1", "st:reject:1", "st:info:1"]
    assert any(e.get("url") == f"tg://user?id={USER}" for e in card.entities)

    # ---- Взять: the card shows the status and who acted; the applicant is told
    mark = fake.seq
    answer = await press(fake, STAFF, card, card.find_button("Взять")["callback_data"])
    assert answer.get("text") == f"Заявка № {number}: на рассмотрении."
    await wait_card_edit(fake, card, f"Статус: 🔎 на рассмотрении — {STAFF_NAME}", after=mark)
    assert card.button_texts == ["✅ Принять", "❌ Отклонить", "❓ Запросить информацию"]
    await fake.wait_message(USER, contains=f"Заявку № {number} взяли на рассмотрение", after=mark)

    # ---- Запросить информацию: the bot asks in the group, the staff member writes the question
    mark = fake.seq
    await press(fake, STAFF, card, card.find_button("Запросить информацию")["callback_data"])
    ask = await fake.wait_message(STAFF_CHAT, contains="какую информацию запросить", after=mark)
    assert ask.text.startswith(f"{STAFF_NAME}, какую информацию запросить по заявке № {number}?")
    assert ask.reply_markup.get("force_reply") is True
    question = "Пришлите выписку из ЕГРЮЛ <за 2026 год> & устав"
    mark = staff_says(fake, STAFF, question, reply_to=ask.message_id)
    done = await fake.wait_message(
        STAFF_CHAT, contains=f"Заявка № {number}: нужна информация", after=mark
    )
    assert done.reply_to_message_id is not None
    asked = await fake.wait_message(USER, contains="нужна дополнительная информация", after=mark)
    assert question in asked.text
    assert asked.button_texts == ["✍️ Ответить"]
    await wait_card_edit(fake, card, f"Статус: ❓ нужна информация — {STAFF_NAME}", after=mark)

    # ---- the applicant answers with the button: the answer goes under the card
    prompt = await anna.presses(asked, "✍️ Ответить", f"Напишите ответ по заявке № {number}")
    answer_text = "Выписку отправили на почту <info@himprom.ru>"
    mark = fake.send_text(USER, answer_text)
    await fake.wait_message(USER, contains=f"Передал ваш ответ по заявке № {number}", after=mark)
    relayed = await fake.wait_message(STAFF_CHAT, contains="Заявитель по заявке", after=mark)
    assert relayed.text == f"💬 Заявитель по заявке № {number}:\n{answer_text}"
    assert relayed.reply_to_message_id == card.message_id
    assert relayed.params["reply_parameters"]["message_id"] == card.message_id
    await wait_card_edit(fake, card, "Статус: 🔎 на рассмотрении", after=mark)
    assert prompt.button_texts == ["✖ Отмена"]

    # ---- a staff reply to the card reaches the applicant; a Telegram "Reply" goes back under it
    mark = staff_says(
        fake, STAFF, "Спасибо, получили. Устав тоже пришлите", reply_to=card.message_id
    )
    await fake.wait_message(STAFF_CHAT, contains=f"Передал заявителю (№ {number})", after=mark)
    staff_msg = await fake.wait_message(
        USER, contains=f"Сообщение по заявке № {number}", after=mark
    )
    assert "Устав тоже пришлите" in staff_msg.text
    # the bot links its message to the application right after Telegram accepted it; a reply
    # within those milliseconds would not find the link (no human is that fast)
    await fake.wait_for(lambda f: user_thread(db_path, staff_msg), timeout=5)
    mark = fake.send_text(USER, "Устав отправили", reply_to_message_id=staff_msg.message_id)
    await fake.wait_message(USER, contains=f"Передал ваш ответ по заявке № {number}", after=mark)
    relayed2 = await fake.wait_message(STAFF_CHAT, contains="Устав отправили", after=mark)
    assert relayed2.reply_to_message_id == card.message_id

    # ---- Отклонить with a reason: the applicant gets the reason, the card says so, no buttons
    mark = fake.seq
    await press(fake, STAFF, card, card.find_button("Отклонить")["callback_data"])
    ask = await fake.wait_message(STAFF_CHAT, contains="напишите причину отказа", after=mark)
    reason = "Профиль <не химия> & не тот регион"
    mark = staff_says(fake, STAFF, reason, reply_to=ask.message_id)
    rejected = await fake.wait_message(USER, contains=f"Заявка № {number} отклонена", after=mark)
    assert f"Причина: {reason}" in rejected.text
    await wait_card_edit(fake, card, f"Статус: ❌ отклонена — {STAFF_NAME}", after=mark)
    assert card.buttons == []

    # ---- My applications
    mine = await anna.says("/applications", "Ваши заявки")
    assert f"№ {number}" in mine.text and "❌ отклонена" in mine.text
    assert f"№ {number}" in mine.button_texts

    assert len(cards(fake)) == 1
    assert not api_errors(fake)
    assert not [t for t in texts_to(fake, USER, "⚠️")]
    await fake.wait_for(lambda f: outbox_drained(db_path), timeout=5)
    assert await stop(bot) == 0
    assert b"Traceback" not in bot.stderr, bot.stderr.decode(errors="replace")

    # ---- the audit trail
    events = read_db(
        db_path,
        "SELECT actor_id, actor_name, from_status, to_status, note FROM application_events"
        " WHERE application_id = 1 ORDER BY id",
    )
    assert [(e[0], e[2], e[3]) for e in events] == [
        (USER, None, "new"),
        (STAFF, "new", "in_review"),
        (STAFF, "in_review", "info_requested"),
        (USER, "info_requested", "in_review"),
        (STAFF, "in_review", "rejected"),
    ]
    assert [e[1] for e in events[1:]] == [STAFF_NAME, STAFF_NAME, "Анна Петрова", STAFF_NAME]
    assert events[2][4] == question and events[4][4] == reason
    messages = read_db(
        db_path,
        "SELECT direction, author_id, text FROM application_messages WHERE application_id = 1 ORDER BY id",
    )
    assert messages == [
        ("to_applicant", STAFF, question),
        ("from_applicant", USER, answer_text),
        ("to_applicant", STAFF, "Спасибо, получили. Устав тоже пришлите"),
        ("from_applicant", USER, "Устав отправили"),
        ("to_applicant", STAFF, reason),
    ]
    app = read_db(db_path, "SELECT number, status, assignee_id, phone, email FROM applications")
    assert app == [(number, "rejected", STAFF, "+79123456789", "info@himprom.ru")]
    assert read_db(db_path, "SELECT kind, status FROM outbox WHERE status != 'done'") == []


async def test_applicant_message_without_status_change_does_not_re_edit_the_card(fake, bot):
    """Writing about an application in review changes no status: no card edit (an identical
    edit is a 400 "message is not modified" and counts against the group's rate limit)."""
    number = await Person(fake, USER).apply()
    card = await wait_card(fake, number)
    mark = fake.seq
    await press(fake, STAFF, card, card.find_button("Взять")["callback_data"])
    await wait_card_edit(fake, card, "на рассмотрении", after=mark)
    mark = staff_says(fake, STAFF, "Уточните объём производства", reply_to=card.message_id)
    staff_msg = await fake.wait_message(USER, contains="Сообщение по заявке", after=mark)
    prompt = await Person(fake, USER).presses(staff_msg, "✍️ Ответить", "Напишите ответ")
    mark = fake.send_text(USER, "10 тысяч тонн в год")
    await fake.wait_message(STAFF_CHAT, contains="10 тысяч тонн в год", after=mark)
    # a barrier: the outbox goes in order, so once a later job is out, the card edit (if any)
    # for the answer has been made
    mark = staff_says(fake, STAFF, "Спасибо, записали", reply_to=card.message_id)
    await fake.wait_message(USER, contains="Спасибо, записали", after=mark)
    assert prompt.button_texts == ["✖ Отмена"]
    assert "на рассмотрении" in card.text
    assert not api_errors(fake)


# ---------------------------------------------------------------------------------- 2. bad inputs


async def test_bad_input_at_every_step_is_explained_and_asked_again(fake, bot):
    anna = Person(fake, USER)
    msg = await anna.says("/join", PROMPT["cluster"])
    await anna.refused_text("хочу вступить", "Выберите вариант кнопкой ниже", "cluster")
    await anna.presses(msg, CLUSTER[:20], PROMPT["org_name"])

    # organization
    await anna.refused(fake.send_photo(USER), "Здесь нужен текст", "org_name")
    await anna.refused_text("Х" * 5000, "Название длиннее 300 символов (5 000)", "org_name")
    await anna.refused_text("Х", "Название слишком короткое", "org_name")
    tricky = "ООО «<Тест> & Ко»"
    await anna.says(tricky, PROMPT["inn"])

    # ИНН
    await anna.refused(fake.send_sticker(USER), "Здесь нужен текст", "inn")
    await anna.refused_text("1234567895", "не сходятся контрольные цифры", "inn")
    await anna.refused_text(
        "12345678901", "должно быть 10 цифр (юрлицо) или 12 (ИП), а сейчас 11", "inn"
    )
    await anna.refused_text("ИНН абвгдежзик", "ИНН состоит только из цифр", "inn")
    await anna.says("ИНН 7707 083 893", PROMPT["ogrn"])

    # ОГРН
    await anna.refused_text("1027700132194", "Не сходится контрольная цифра ОГРН", "ogrn")
    await anna.refused_text("102770013219", "В ОГРН 13 цифр, в ОГРНИП 15, а сейчас 12", "ogrn")
    await anna.says(OGRN, PROMPT["region"])

    # region: nonsense and an overlong text are refused; a typo still finds the region
    await anna.refused_text("Атлантида", "Не нашёл такой регион", "region")
    await anna.refused_text("Хогвартс", "Не нашёл такой регион", "region")
    await anna.refused_text("омская " * 40, "Не нашёл такой регион", "region")
    await anna.refused(fake.send_voice(USER), "Здесь нужен текст", "region")
    msg = await anna.says("Омская обл.", "Это Омская область?")
    await anna.presses(msg, "✅ Омская область", PROMPT["products"])

    # products, ОКВЭД
    await anna.refused_text("ok", "Слишком коротко: нужно хотя бы 3", "products")
    await anna.says("Растворители", PROMPT["okved"])
    await anna.refused_text("20.14, 99.999", "«99.999» — не код ОКВЭД 2", "okved")
    await anna.says("20.14", PROMPT["contact"])
    await anna.says("Иванов Иван", PROMPT["phone"])

    # phone: a bad number, a voice message, somebody else's contact
    bad = await anna.refused_text("12", "Не похоже на номер телефона", "phone")
    assert bad.reply_markup["keyboard"][0][0]["request_contact"] is True
    await anna.refused(
        fake.send_voice(USER), "Нужен номер телефона: нажмите «📱 Отправить мой номер»", "phone"
    )
    await anna.refused(
        fake.send_contact(USER, "+79990001122", "Чужой", contact_user_id=777),
        "Отправьте, пожалуйста, свой номер",
        "phone",
    )
    mark = fake.send_text(USER, "8 (912) 345-67-89")
    await fake.wait_message(USER, contains="Телефон: +79123456789 ✓", after=mark)
    await fake.wait_message(USER, contains=PROMPT["email"], after=mark)

    # e-mail
    await anna.refused_text("a@", "Не похоже на адрес электронной почты", "email")
    await anna.refused_text("no at sign", "Не похоже на адрес электронной почты", "email")
    await anna.says("mailto:info@example.ru", PROMPT["comment"])

    # comment: an HTML-looking comment is kept as plain text
    comment = "Звоните после 10:00 <b>не раньше</b> & не позже 18:00"
    consent = await anna.says(comment, PROMPT["consent"])

    # consent: text instead of the button
    await anna.refused_text("согласен", "Выберите вариант кнопкой ниже", "consent")
    summary = await anna.presses(consent, "Я согласен", PROMPT["summary"])
    assert f"Организация: {tricky}" in summary.text
    assert "E-mail: info@example.ru" in summary.text
    assert f"Комментарий: {comment}" in summary.text

    # the summary: edit a field (a bad value is refused there too), come back to the summary
    await anna.refused_text("всё верно", "Выберите вариант кнопкой ниже", "summary")
    msg = await anna.presses(summary, "✏️ E-mail", PROMPT["email"])
    await anna.refused_text("still@bad", "Не похоже на адрес электронной почты", "email")
    summary = await anna.says("sales@example.ru", PROMPT["summary"])
    assert "E-mail: sales@example.ru" in summary.text

    mark = fake.seq
    number = await anna.send_application(summary)
    card = await wait_card(fake, number, after=mark)
    assert f"Организация: {tricky}" in card.text
    assert "&lt;Тест&gt; &amp; Ко" in card.html  # escaped on the wire, intact on screen
    assert f"Комментарий: {comment}" in card.text
    assert f"ИНН: {INN}  ОГРН: {OGRN}" in card.text
    assert "E-mail: sales@example.ru" in card.text
    assert "ОКВЭД: 20.14" in card.text
    assert len(cards(fake)) == 1
    assert not api_errors(fake)


# ---------------------------------------------------------------------------------- 3. restart


async def test_sigkill_mid_dialogue_then_restart_continues_the_same_step(fake, db_path):
    first = BotProcess(fake, db_path, **ENV)
    await first.start()
    try:
        anna = Person(fake, USER)
        await anna.start_join()
        await anna.says("ООО «Химпром»", PROMPT["inn"])
        mark = fake.send_text(USER, INN)
        await fake.wait_message(USER, contains=PROMPT["ogrn"], after=mark)
        # the ИНН update is confirmed to Telegram (the next getUpdates carries its offset)
        await fake.wait_for(lambda f: f.confirmed_update_id >= mark, timeout=5)
    finally:
        assert await stop(first, signal.SIGKILL) == -signal.SIGKILL

    second = BotProcess(fake, db_path, **ENV)
    await second.start()
    try:
        mark = fake.send_text(USER, OGRN)
        msg = await fake.wait_message(USER, after=mark)
        assert PROMPT["region"] in msg.text and "⚠️" not in msg.text, msg
        msg = await anna.says("Омская область", "Это Омская область?")
        msg = await anna.presses(msg, "✅ Омская область", PROMPT["products"])
        msg = await anna.says("Растворители", PROMPT["okved"])
        msg = await anna.presses(msg, "Пропустить", PROMPT["contact"])
        await anna.says("Иванов Иван", PROMPT["phone"])
        await anna.says("+79123456789", PROMPT["email"])
        msg = await anna.says("info@example.ru", PROMPT["comment"])
        msg = await anna.presses(msg, "Пропустить", PROMPT["consent"])
        summary = await anna.presses(msg, "Я согласен", PROMPT["summary"])
        assert "Организация: ООО «Химпром»" in summary.text  # answers from before the crash
        assert f"ИНН: {INN}" in summary.text and f"ОГРН/ОГРНИП: {OGRN}" in summary.text
        mark = fake.seq
        number = await anna.send_application(summary)
        assert number == f"{YEAR}-0001"
        card = await wait_card(fake, number, after=mark)
        assert f"ИНН: {INN}  ОГРН: {OGRN}" in card.text
        # a barrier: a later staff action is delivered, so a duplicate card would be out by now
        mark = fake.seq
        await press(fake, STAFF, card, card.find_button("Взять")["callback_data"])
        await wait_card_edit(fake, card, "на рассмотрении", after=mark)
        await fake.wait_message(USER, contains="взяли на рассмотрение", after=mark)
        assert len(cards(fake)) == 1
        assert not api_errors(fake)
    finally:
        assert await stop(second) == 0


async def test_sigterm_while_a_card_is_in_flight_does_not_duplicate_it(fake, db_path):
    """A graceful stop lets the delivery in flight finish and be recorded: no second card
    after the restart."""
    first = BotProcess(fake, db_path, **ENV)
    await first.start()
    restore = slow_staff_sends(fake, 1.5)
    try:
        number = await Person(fake, USER).apply()
        await wait_card(fake, number)  # delivered; Telegram's answer is still on its way
        assert await stop(first) == 0
    finally:
        restore()
        await first.kill()
    second = BotProcess(fake, db_path, **ENV)
    await second.start()
    try:
        # a barrier: a later card goes out, so a re-sent first card would be out too
        other = await Person(fake, 4243).apply(inn="7736207543")
        await wait_card(fake, other)
        assert len(cards(fake, number)) == 1
    finally:
        assert await stop(second) == 0


# ---------------------------------------------------------------------------------- 4. staff group failures


async def test_staff_group_500_then_403_cards_arrive_once_admin_warned_once(fake, bot, db_path):
    # ---- 500 on the first three attempts: retried with backoff, delivered once
    fake.fail_chat(STAFF_CHAT, 500, "Internal Server Error")
    first = await Person(fake, USER).apply(inn=INN)
    failed = await fake.wait_for(lambda f: at_least(3, staff_sends(f, ok=False)), timeout=15)
    fake.clear_failures()
    card1 = await wait_card(fake, first, timeout=20)
    assert [c.status for c in failed[:3]] == [500, 500, 500]
    gaps = [b.time - a.time for a, b in zip(failed[:3], failed[1:3], strict=False)]
    assert gaps[0] >= 0.75 and gaps[1] >= 1.5, gaps  # backoff: 1 s, then 2 s (±20 %)
    assert len(cards(fake, first)) == 1
    assert not texts_to(fake, ADMIN, UNREACHABLE_WARNING)  # a 500 is not "unreachable"

    # ---- the bot was kicked from the group: the admin is told once, cards wait
    fake.fail_chat(STAFF_CHAT, 403, KICKED)
    mark = fake.seq
    second = await Person(fake, 4243).apply(inn="7736207543")
    warning = await fake.wait_message(ADMIN, contains=UNREACHABLE_WARNING, after=mark)
    assert str(STAFF_CHAT) in warning.text and "bot was kicked" in warning.text
    third = await Person(fake, 4244).apply(inn="7702070139")
    # while the group refuses, only the oldest card probes it (one request per backoff); the
    # others wait without a request of their own
    await fake.wait_for(
        lambda f: at_least(2, staff_sends(f, ok=False, contains=f"Заявка № {second}")), timeout=15
    )
    assert not staff_sends(fake, contains=f"Заявка № {third}")
    assert not cards(fake, second) and not cards(fake, third)
    fake.clear_failures()
    await wait_card(fake, second, timeout=20)
    await wait_card(fake, third, timeout=20)
    assert cards(fake, second)[0].seq < cards(fake, third)[0].seq  # in their order

    # a barrier: a later staff action goes through, then count
    card3 = cards(fake, third)[0]
    mark = fake.seq
    await press(fake, STAFF, card3, card3.find_button("Взять")["callback_data"])
    await wait_card_edit(fake, card3, "на рассмотрении", after=mark)
    assert len(cards(fake, first)) == 1 == len(cards(fake, second)) == len(cards(fake, third))
    assert len(texts_to(fake, ADMIN, UNREACHABLE_WARNING)) == 1
    assert card1.edited == 0

    def injected(c: Call) -> bool:
        return to_staff_chat(c) and c.error in ("Internal Server Error", KICKED)

    assert not api_errors(fake, injected)
    await fake.wait_for(lambda f: outbox_drained(db_path), timeout=5)
    assert await stop(bot) == 0
    jobs = read_db(
        db_path, "SELECT kind, status, attempts FROM outbox WHERE kind = 'staff_card' ORDER BY id"
    )
    assert [j[:2] for j in jobs] == [("staff_card", "done")] * 3
    assert jobs[0][2] == 4  # three failures and the success
    assert read_db(db_path, "SELECT count(*) FROM kv WHERE key = 'staff_unreachable_notified'") == [
        (0,)
    ]


# ---------------------------------------------------------------------------------- 5. authorization


async def test_only_staff_can_act_and_forged_buttons_are_refused(fake, bot, db_path):
    number = await Person(fake, USER).apply()
    card = await wait_card(fake, number)
    mark = fake.seq

    # an outsider in the group presses Взять / Принять
    for data in ("st:take:1", "st:accept:1"):
        answer = await press(fake, OUTSIDER, card, data)
        assert answer.get("show_alert") is True and "только сотрудники" in answer["text"], answer
    # the applicant presses a staff button, in the group and in their own chat
    answer = await press(fake, USER, card, "st:accept:1")
    assert answer.get("show_alert") is True and "только сотрудники" in answer["text"]
    own = fake.last_message(USER)
    answer = await press(fake, USER, own, "st:accept:1")
    assert answer.get("show_alert") is True and "только сотрудники" in answer["text"]
    # a staff member presses a forged button for an application that does not exist
    answer = await press(fake, STAFF, card, "st:accept:999")
    assert answer.get("show_alert") is True and "устарела" in answer["text"], answer
    # an unknown action on a real application
    answer = await press(fake, STAFF, card, "st:delete:1")
    assert answer.get("show_alert") is True and "устарела" in answer["text"], answer
    # a forged "send" of the dialogue from somebody who is not in it
    menu = await Person(fake, OUTSIDER).says("/start", "Здравствуйте")
    answer = await press(fake, OUTSIDER, menu, "fm:send:")
    assert answer.get("show_alert") is True and "устарела" in answer["text"], answer
    # ... and pressed on the applicant's own message (same chat, another user)
    answer = await press(fake, OUTSIDER, own, "fm:send:")
    assert answer.get("show_alert") is True and "устарела" in answer["text"], answer
    # the outsider replies to the card in the group: not relayed, not answered
    staff_says(fake, OUTSIDER, "Я тоже сотрудник, отклоняю", reply_to=card.message_id)
    staff_says(fake, OUTSIDER, "/cancel")

    # nothing changed: the card is as sent, the applicant heard nothing
    assert card.edited == 0 and card.seq == card.first_seq
    assert fake.find_event(USER, after=mark) is None
    assert fake.find_event(STAFF_CHAT, after=mark) is None

    # a barrier: the admin (also allowed) accepts; only that reaches the applicant and the card
    mark = fake.seq
    reply = "Добро пожаловать"
    staff_says(fake, ADMIN, reply, reply_to=card.message_id)
    relayed = await fake.wait_message(USER, contains="Сообщение по заявке", after=mark)
    assert reply in relayed.text and "отклоняю" not in relayed.text
    answer = await press(fake, ADMIN, card, card.find_button("Принять")["callback_data"])
    assert answer.get("text") == f"Заявка № {number}: принята." and not answer.get("show_alert")
    await wait_card_edit(fake, card, "Статус: ✅ принята — Админ", after=mark)
    await fake.wait_message(USER, contains=f"Заявка № {number} принята", after=mark)
    # a stale button pressed after the decision
    answer = await press(fake, STAFF, card, "st:take:1")
    assert answer.get("show_alert") is True and "уже в статусе «принята»" in answer["text"], answer

    assert texts_to(fake, USER, "Сообщение по заявке") == [relayed.text]
    assert len(texts_to(fake, STAFF_CHAT, "Передал заявителю")) == 1
    assert not [t for t in texts_to(fake, STAFF_CHAT, "отклоняю")]
    assert not api_errors(fake)
    await fake.wait_for(lambda f: outbox_drained(db_path), timeout=5)
    assert await stop(bot) == 0
    events = read_db(
        db_path, "SELECT actor_id, from_status, to_status FROM application_events ORDER BY id"
    )
    assert events == [(USER, None, "new"), (ADMIN, "new", "accepted")]


# ---------------------------------------------------------------------------------- 6. deep link


async def test_deep_link_preselects_the_cluster_and_tags_the_campaign(fake, bot):
    anna = Person(fake, USER)
    for link in ("/start join_no-such-cluster", "/start join_tver-chemical", "/start join_"):
        msg = await anna.says(link, "Ссылка устарела или кластер сейчас не принимает заявки")
        assert "📝 Вступить в кластер" in msg.button_texts  # the menu, to choose another way

    msg = await anna.says("/start join_interregional-chemical__spring2026", PROMPT["org_name"])
    assert "Заявка на вступление в кластер" in msg.text and "Шаг 2 из 12" in msg.text
    summary = await anna.fill_from_org()
    assert f"Кластер: {CLUSTER}" in summary.text
    mark = fake.seq
    number = await anna.send_application(summary)
    card = await wait_card(fake, number, after=mark)
    assert f"— {CLUSTER}" in card.text
    assert "Кампания: spring2026" in card.text
    assert not api_errors(fake)


# ---------------------------------------------------------------------------------- 7. duplicates


async def test_duplicate_inn_in_the_same_cluster_is_stopped(fake, bot):
    number = await Person(fake, USER).apply()
    card = await wait_card(fake, number)

    # a stranger typing that ИНН learns only that the company has an open application (issue 8:
    # never another person's number or status), and the form stays at the ИНН step
    boris = Person(fake, 4243)
    await boris.start_join()
    await boris.says("ООО «Химпром-2»", PROMPT["inn"])
    dup = await boris.says(INN, "уже есть открытая заявка")
    assert number not in dup.text and "статус" not in dup.text and "новая" not in dup.text
    assert PROMPT["inn"] in dup.text and "🙋 Спросить сотрудника" in dup.button_texts
    # still in the form: a corrected ИНН goes on
    await boris.says("7702070139", PROMPT["ogrn"])
    # the applicant themselves is told their own application's number and status
    mark = fake.seq
    await press(fake, STAFF, card, card.find_button("Взять")["callback_data"])
    await wait_card_edit(fake, card, "на рассмотрении", after=mark)
    anna = Person(fake, USER)
    await anna.start_join()
    await anna.says("ООО «Химпром»", PROMPT["inn"])
    own = await anna.says("ИНН 7707083893", "У вас уже есть открытая заявка")
    assert f"№ {number}" in own.text and "🔎 на рассмотрении" in own.text
    await anna.says("/cancel", "отменена")

    # two dialogues with the same new ИНН reach the summary together: the second send is stopped
    inn = "7736207543"
    vera, gleb = Person(fake, 4244), Person(fake, 4245)
    await vera.start_join()
    vera_summary = await vera.fill_from_org(inn=inn)
    await gleb.start_join()
    gleb_summary = await gleb.fill_from_org(inn=inn)
    second = await vera.send_application(vera_summary)
    dup = await gleb.presses(gleb_summary, "Отправить заявку", "уже есть открытая заявка")
    assert second not in dup.text and "новая" not in dup.text
    assert "📨 Отправить заявку" in dup.button_texts  # the summary stays, ready to correct
    await wait_card(fake, second)

    # a different ИНН goes through
    await boris.says("/cancel", "отменена")
    third = await boris.apply(inn="7702070139")
    await wait_card(fake, third)
    assert [len(cards(fake, n)) for n in (number, second, third)] == [1, 1, 1]
    assert len(cards(fake)) == 3
    assert not api_errors(fake)
