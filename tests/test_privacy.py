"""/privacy through the dispatcher (mocked Bot API): what is stored, the download, the withdrawal
of consent (confirm / cancel), forged buttons, the staff group's notices through the outbox, the
database afterwards, a new application afterwards, the staff export; and migration 0005."""

from __future__ import annotations

import csv
import io
import json
import sqlite3

import openpyxl
from aiogram.methods import EditMessageText, SendDocument, SendMessage

from bot.callbacks import AppReplyCb, FormCb, HandoffCb, MenuCb, PrivacyCb, StaffCb
from bot.services.regions import default_matcher
from handlers.join import JoinForm
from storage.db import Database, list_migrations
from tests.conftest import Chatter, answered, sent_texts
from tests.test_join_handlers import (
    CONSENT,
    STAFF_CHAT,
    data_of,
    staff_chatter,
    staff_messages,
    state_of,
)

INN_A = "7707083893"
INN_A2 = "7728168971"
INN_A3 = "7736050003"
INN_B = "7702070139"
CONTACT_A = "Иванова Мария, главный технолог"
PHONE_A = "+79123456789"
EMAIL_A = "maria@himprom.ru"
COMMENT_A = "Позвоните после обеда <пожалуйста> & спасибо"
QUESTION_A = "кто выпускает шины"
HANDOFF_A = "как приготовить борщ по-химически"


def buttons(message) -> list[str]:  # noqa: ANN001
    return [b.text for row in message.reply_markup.inline_keyboard for b in row]


async def until_phone(app, chatter: Chatter, *, org: str, inn: str) -> None:  # noqa: ANN001
    cluster_id, _ = app.kb.by_slug("cluster", "interregional-chemical")
    await chatter.send("/join")
    await chatter.press(chatter.last_message(), FormCb(action="cluster", value=str(cluster_id)).pack())
    await chatter.send(org)
    await chatter.send(inn)
    await chatter.press(chatter.last_message(), FormCb(action="skip").pack())
    await chatter.send("омская")
    index = default_matcher().names().index("Омская область")
    await chatter.press(chatter.last_message(), FormCb(action="region", value=str(index)).pack())
    await chatter.send("Растворители и реактивы")
    await chatter.send("20.14, 20.59")


async def apply(app, chatter: Chatter, *, org: str = "ООО «Химпром»", inn: str = INN_A,  # noqa: ANN001
                contact: str = CONTACT_A, phone: str = PHONE_A, email: str = EMAIL_A,
                comment: str | None = COMMENT_A) -> int:
    """The whole join dialogue (consent included); returns the application's id."""
    await until_phone(app, chatter, org=org, inn=inn)
    await chatter.send(contact)
    await chatter.send(phone)
    await chatter.send(email)
    if comment is None:
        await chatter.press(chatter.last_message(), FormCb(action="skip").pack())
    else:
        await chatter.send(comment)
    assert await state_of(app, chatter) == JoinForm.consent.state  # consent is asked every time
    await chatter.press(chatter.last_message(), FormCb(action="consent").pack())
    calls = await chatter.press(chatter.last_message(), FormCb(action="send").pack())
    assert "отправлена" in sent_texts(calls)[-1]
    row = await app.db.fetchone("SELECT max(id) FROM applications WHERE user_id = ?", (chatter.user.id,))
    return row[0]


async def card_message(app, app_id: int):  # noqa: ANN001, ANN201
    row = await app.db.fetchone("SELECT staff_chat_id, staff_message_id FROM applications WHERE id = ?", (app_id,))
    assert row[1] is not None, "the card was not delivered"
    return app.bot.session.messages[(row[0], row[1])]


def in_staff_chat(app, contains: str) -> int:  # noqa: ANN001
    """The id of the one bot message in the staff group whose text contains `contains`."""
    [found] = [m for (chat, m), msg in app.bot.session.messages.items()
               if chat == STAFF_CHAT and msg.text and contains in msg.text]
    return found


async def open_privacy(chatter: Chatter):  # noqa: ANN201
    calls = await chatter.send("/privacy")
    return calls, chatter.last_message()


async def withdraw(chatter: Chatter) -> list:
    await chatter.send("/privacy")
    await chatter.press(chatter.last_message(), PrivacyCb(action="withdraw", uid=chatter.user.id).pack())
    return await chatter.press(chatter.last_message(), PrivacyCb(action="confirm", uid=chatter.user.id).pack())


async def row(app, sql: str, params: tuple = ()) -> tuple:  # noqa: ANN001
    found = await app.db.fetchone(sql, params)
    return tuple(found) if found is not None else ()


async def user_snapshot(app, user_id: int) -> tuple:  # noqa: ANN001
    """Everything withdrawal would change, to show that a refused button changed nothing."""
    return (
        await row(app, "SELECT first_name, subscribed, consent_withdrawn_at FROM users WHERE id = ?", (user_id,)),
        [tuple(r) for r in await app.db.fetchall(
            "SELECT status, contact_name, phone, email, comment, erased_at FROM applications WHERE user_id = ?",
            (user_id,))],
        await row(app, "SELECT count(*) FROM questions WHERE user_id = ?", (user_id,)),
        await row(app, "SELECT count(*) FROM handoffs WHERE user_id = ?", (user_id,)),
    )


# ---- the screen --------------------------------------------------------------------------------


async def test_privacy_shows_what_is_stored(app, chatter):
    app_id = await apply(app, chatter)
    number = (await row(app, "SELECT number FROM applications WHERE id = ?", (app_id,)))[0]
    await chatter.send(QUESTION_A)
    await chatter.send(HANDOFF_A)
    await chatter.press(chatter.last_message(), HandoffCb(action="ask").pack())
    calls, screen = await open_privacy(chatter)
    text = sent_texts(calls)[-1]
    for part in (
        "Ваши данные в боте",
        "Имя: Иван",
        "Язык: русский",
        "вы подписаны",
        "<b>Заявки</b>: 1",
        f"№ {number} (🆕 новая) — согласие в редакции {CONSENT} дано ",
        "<b>Вопросов в журнале</b>: 2",
        "<b>Вопросов сотрудникам</b>: 1, из них ждут ответа: 1",
    ):
        assert part in text, (part, text)
    assert PHONE_A not in text and EMAIL_A not in text  # the screen lists, it doesn't show contacts
    assert buttons(screen) == [
        "📥 Скачать мои данные", "🔕 Отписаться от рассылок", "🗑 Отозвать согласие и удалить данные", "☰ Меню",
    ]
    assert PrivacyCb(action="withdraw", uid=chatter.user.id).pack() in [
        b.callback_data for r in screen.reply_markup.inline_keyboard for b in r
    ]


async def test_privacy_from_the_menu_and_my_applications_and_in_english(app, chatter):
    await chatter.send("/start")
    menu = chatter.last_message()
    assert "🔐 Мои данные" in buttons(menu)
    calls = await chatter.press(menu, MenuCb(action="privacy").pack())
    edits = [c for c in calls if isinstance(c, EditMessageText)]
    assert edits and edits[0].message_id == menu.message_id and "Ваши данные в боте" in edits[0].text
    assert "<b>Заявки</b>: 0" in edits[0].text
    await chatter.send("/applications")
    assert "🔐 Мои данные" in buttons(chatter.last_message())
    await apply(app, chatter)
    await chatter.send("/applications")
    assert "🔐 Мои данные" in buttons(chatter.last_message())

    english = Chatter(app, app.bot.session, user_id=777, language_code="en")
    calls = await english.send("/privacy")
    text = sent_texts(calls)[-1]
    assert "Your data in the bot" in text and "Language: English" in text and "subscribed" in text
    assert "📥 Download my data" in buttons(english.last_message())


async def test_privacy_works_inside_the_join_dialogue(app, chatter):
    await until_phone(app, chatter, org="ООО «Химпром»", inn=INN_A)
    await chatter.send(CONTACT_A)
    assert await state_of(app, chatter) == JoinForm.phone.state
    calls = await chatter.send("/privacy")
    assert "Ваши данные в боте" in sent_texts(calls)[-1]
    assert await state_of(app, chatter) == JoinForm.phone.state  # looking changes nothing


async def test_subscription_buttons_reflect_and_change_the_state(app, chatter):
    _, screen = await open_privacy(chatter)
    calls = await chatter.press(screen, PrivacyCb(action="unsub", uid=chatter.user.id).pack())
    assert answered(calls)[0].text == "Вы отписались от рассылок."
    assert (await app.users.repo.get(chatter.user.id)).subscribed is False
    screen = chatter.last_message()
    assert "вы отписаны" in screen.text and "🔔 Подписаться на рассылки" in buttons(screen)
    await chatter.press(screen, PrivacyCb(action="sub", uid=chatter.user.id).pack())
    assert (await app.users.repo.get(chatter.user.id)).subscribed is True
    assert "🔕 Отписаться от рассылок" in buttons(chatter.last_message())
    await chatter.send("/unsubscribe")  # the command and the screen share one state
    _, screen = await open_privacy(chatter)
    assert "вы отписаны" in screen.text


# ---- the download ------------------------------------------------------------------------------


async def test_download_has_everything_of_this_user_and_nothing_of_others(app, chatter):
    app_id = await apply(app, chatter)
    await app.delivery.process_due()
    card = await card_message(app, app_id)
    staff = staff_chatter(app)
    await staff.press(card, StaffCb(action="info", app=app_id).pack())
    await staff.send("Пришлите выписку из ЕГРЮЛ", reply_to_message=card)  # answers the prompt
    await app.delivery.process_due()
    await chatter.press(chatter.last_message(), AppReplyCb(app=app_id).pack())
    await chatter.send("Выписку отправили на почту")
    await chatter.send(QUESTION_A)
    await chatter.send(HANDOFF_A)
    await chatter.press(chatter.last_message(), HandoffCb(action="ask").pack())

    other = Chatter(app, app.bot.session, user_id=502)
    await apply(app, other, org="АО «Чужой завод»", inn=INN_B, contact="Сидоров Олег, директор",
                phone="+79001112233", email="oleg@other.ru", comment="чужой комментарий")
    await other.send("растворители для лаков чужие")

    _, screen = await open_privacy(chatter)
    calls = await chatter.press(screen, PrivacyCb(action="download", uid=chatter.user.id).pack())
    docs = [c for c in calls if isinstance(c, SendDocument)]
    assert len(docs) == 1 and docs[0].chat_id == chatter.user.id
    assert docs[0].document.filename.startswith("my-data-") and docs[0].document.filename.endswith(".json")
    raw = docs[0].document.data
    text = raw.decode("utf-8")
    assert "Иванова Мария" in text and "\n  " in text  # UTF-8 as is, indented: readable
    data = json.loads(text)
    assert data["telegram_user_id"] == chatter.user.id
    assert data["profile"]["first_name"] == "Иван" and data["profile"]["subscribed_to_campaigns"] is True
    [application] = data["applications"]
    assert application["organization"] == "ООО «Химпром»" and application["inn"] == INN_A
    assert application["region"] == "Омская область" and application["okved"] == ["20.14", "20.59"]
    assert application["contact_person"] == CONTACT_A and application["phone"] == PHONE_A
    assert application["email"] == EMAIL_A and application["comment"] == COMMENT_A
    assert application["consent_version"] == CONSENT and application["consent_given_at"]
    assert application["status"] == {"code": "in_review", "label": "на рассмотрении"}
    assert application["cluster"] == app.kb.by_slug("cluster", "interregional-chemical")[1].name.ru
    history = [(h["from"] and h["from"]["code"], h["to"]["code"]) for h in application["status_history"]]
    assert history == [(None, "new"), ("new", "info_requested"), ("info_requested", "in_review")]
    assert [(m["from"], m["text"]) for m in application["messages"]] == [
        ("staff", "Пришлите выписку из ЕГРЮЛ"), ("you", "Выписку отправили на почту"),
    ]
    assert "Сотрудник" not in text  # which staff member acted is not the applicant's data
    assert [q["text"] for q in data["questions_asked"]] == [QUESTION_A, HANDOFF_A]
    assert [(h["text"], h["status"]) for h in data["questions_to_staff"]] == [(HANDOFF_A, "open")]
    for foreign in ("Чужой", "Сидоров", "+79001112233", "oleg@other.ru", INN_B, "чужие"):
        assert foreign not in text, foreign


async def test_download_includes_an_unfinished_application(app, chatter):
    await until_phone(app, chatter, org="ООО «Черновик»", inn=INN_A)
    await chatter.send("/privacy")
    calls = await chatter.press(chatter.last_message(), PrivacyCb(action="download", uid=chatter.user.id).pack())
    data = json.loads([c for c in calls if isinstance(c, SendDocument)][0].document.data)
    assert data["unfinished_application"]["org_name"] == "ООО «Черновик»"
    assert data["applications"] == []


# ---- withdrawal --------------------------------------------------------------------------------


async def test_withdraw_asks_first_and_cancel_changes_nothing(app, chatter):
    await apply(app, chatter)
    before = await user_snapshot(app, chatter.user.id)
    _, screen = await open_privacy(chatter)
    calls = await chatter.press(screen, PrivacyCb(action="withdraw", uid=chatter.user.id).pack())
    confirm = chatter.last_message()
    assert confirm.message_id == screen.message_id  # edited in place
    assert "Отозвать согласие на обработку персональных данных?" in sent_texts(calls)[-1]
    assert "Будет отозвано открытых заявок: 1" in confirm.text
    assert "нельзя отменить" in confirm.text
    assert buttons(confirm) == ["✅ Да, отозвать и удалить", "✖ Отмена"]
    assert await user_snapshot(app, chatter.user.id) == before
    await chatter.press(confirm, PrivacyCb(action="show", uid=chatter.user.id).pack())
    back = chatter.last_message()
    assert back.message_id == screen.message_id and "Ваши данные в боте" in back.text
    assert await user_snapshot(app, chatter.user.id) == before


async def test_withdraw_erases_personal_data_in_one_go_and_tells_the_staff(app, chatter):
    # an accepted application (closed), and an open one with the applicant's answer relayed
    closed_id = await apply(app, chatter, inn=INN_A, comment=None)
    open_id = await apply(app, chatter, org="ООО «Химпром-2»", inn=INN_A2)
    await app.delivery.process_due()
    staff = staff_chatter(app)
    closed_card = await card_message(app, closed_id)
    open_card = await card_message(app, open_id)
    await staff.press(closed_card, StaffCb(action="accept", app=closed_id).pack())
    await staff.press(open_card, StaffCb(action="info", app=open_id).pack())
    await staff.send("Пришлите выписку", reply_to_message=open_card)  # answers the prompt
    await app.delivery.process_due()
    await chatter.press(chatter.last_message(), AppReplyCb(app=open_id).pack())
    await chatter.send("Выписка во вложении, звоните +79123456789")
    # questions, one handed to a person (its card delivered), one waiting in the outbox
    await chatter.send(QUESTION_A)
    await chatter.send(HANDOFF_A)
    await chatter.press(chatter.last_message(), HandoffCb(action="ask").pack())
    await app.delivery.process_due()
    assert HANDOFF_A in staff_messages(app)[-1].text
    handoff_card_id = in_staff_chat(app, HANDOFF_A)
    relayed_id = in_staff_chat(app, "Выписка во вложении")
    # another user's data must survive untouched
    other = Chatter(app, app.bot.session, user_id=502)
    other_id = await apply(app, other, org="АО «Чужой»", inn=INN_B, contact="Сидоров Олег", phone="+79001112233",
                           email="oleg@other.ru", comment=None)
    await other.send("растворители")
    await app.delivery.process_due()
    other_before = await user_snapshot(app, other.user.id)
    # the user is in the middle of a third application, at the phone step (a reply keyboard)
    await until_phone(app, chatter, org="ООО «Черновик»", inn=INN_A3)
    await chatter.send(CONTACT_A)
    assert await state_of(app, chatter) == JoinForm.phone.state
    events_before = await row(app, "SELECT count(*) FROM application_events")

    calls = await withdraw(chatter)
    texts = sent_texts(calls)
    assert "Согласие отозвано, персональные данные удалены." in texts[-1]
    assert "Заявок с удалёнными данными: 2, из них отозвано: 1.\nУдалено вопросов: 3." in texts[-1]
    assert "Сотрудники ассоциации уведомлены" in texts[-1]
    removed = [c for c in calls if isinstance(c, SendMessage) and c.reply_markup is not None
               and getattr(c.reply_markup, "remove_keyboard", False)]
    assert removed, "the phone step's reply keyboard must go"

    # ---- the database
    closed = await row(app, "SELECT status, contact_name, phone, email, comment, username, full_name, erased_at,"
                            " org_name, inn, region, products, okved, number FROM applications WHERE id = ?", (closed_id,))
    assert closed[:7] == ("accepted", "", "", "", "", None, "")
    assert closed[7] is not None
    assert closed[8:13] == ("ООО «Химпром»", INN_A, "Омская область", "Растворители и реактивы", "20.14,20.59")
    opened = await row(app, "SELECT status, contact_name, phone, email, comment, erased_at, org_name, inn"
                            " FROM applications WHERE id = ?", (open_id,))
    assert opened[:5] == ("withdrawn", "", "", "", "") and opened[5] and opened[6:] == ("ООО «Химпром-2»", INN_A2)
    events = [tuple(r) for r in await app.db.fetchall(
        "SELECT application_id, actor_id, actor_name, from_status, to_status FROM application_events"
        " WHERE to_status = 'withdrawn'")]
    assert events == [(open_id, chatter.user.id, None, "in_review", "withdrawn")]
    assert (await row(app, "SELECT count(*) FROM application_events"))[0] == events_before[0] + 1  # trail kept
    assert await row(app, "SELECT count(*) FROM application_events WHERE actor_name IS NOT NULL AND actor_id = ?",
                     (chatter.user.id,)) == (0,)
    messages = [tuple(r) for r in await app.db.fetchall(
        "SELECT direction, text FROM application_messages WHERE application_id = ? ORDER BY id", (open_id,))]
    assert messages == [("to_applicant", "Пришлите выписку"), ("from_applicant", "")]
    assert await row(app, "SELECT count(*) FROM questions WHERE user_id = ?", (chatter.user.id,)) == (0,)
    assert await row(app, "SELECT count(*) FROM questions WHERE text LIKE ?", ("%" + HANDOFF_A + "%",)) == (0,)
    assert await row(app, "SELECT count(*) FROM handoffs WHERE user_id = ?", (chatter.user.id,)) == (0,)
    user = await row(app, "SELECT first_name, last_name, username, subscribed, consent_withdrawn_at FROM users WHERE id = ?",
                     (chatter.user.id,))
    assert user[:4] == ("", None, None, 0) and user[4]
    assert await row(app, "SELECT count(*) FROM fsm_states WHERE user_id = ?", (chatter.user.id,)) == (0,)
    assert await state_of(app, chatter) is None and await data_of(app, chatter) == {}
    # the outbox keeps none of the applicant's words
    leftovers = await app.db.fetchall("SELECT payload FROM outbox WHERE payload LIKE ?", ("%Выписка во вложении%",))
    assert not leftovers
    assert await user_snapshot(app, other.user.id) == other_before
    assert (await row(app, "SELECT phone FROM applications WHERE id = ?", (other_id,)))[0] == "+79001112233"

    # ---- the staff group, through the outbox (durable: the jobs are rows until delivered)
    kinds = sorted(r[0] for r in await app.db.fetchall("SELECT kind FROM outbox WHERE status = 'pending'"))
    assert kinds == sorted(["staff_card_update"] * 2 + ["staff_message"] * 2 + ["staff_edit"] * 2)
    mark = len(app.bot.session.calls)
    await app.delivery.process_due()
    delivered = app.bot.session.calls[mark:]
    notices = [c for c in delivered if isinstance(c, SendMessage) and c.chat_id == STAFF_CHAT]
    numbers = {i: (await row(app, "SELECT number FROM applications WHERE id = ?", (i,)))[0] for i in (closed_id, open_id)}
    assert any(f"Заявка № {numbers[open_id]} отозвана" in n.text
               and n.reply_parameters.message_id == open_card.message_id for n in notices)
    assert any(f"Заявитель по заявке № {numbers[closed_id]} отозвал согласие" in n.text
               and n.reply_parameters.message_id == closed_card.message_id for n in notices)
    open_card = await card_message(app, open_id)
    assert "↩️ отозвана" in open_card.text and "[удалено]" in open_card.text
    assert PHONE_A not in open_card.text and EMAIL_A not in open_card.text and "Иванова" not in open_card.text
    assert "Персональные данные заявителя удалены" in open_card.text
    assert open_card.reply_markup is None  # no more buttons
    assert "ООО «Химпром-2»" in open_card.text and INN_A2 in open_card.text
    closed_card = await card_message(app, closed_id)
    assert "✅ принята" in closed_card.text and PHONE_A not in closed_card.text
    handoff_card = app.bot.session.messages[(STAFF_CHAT, handoff_card_id)]
    assert HANDOFF_A not in handoff_card.text and "пользователь отозвал согласие" in handoff_card.text
    relayed_now = app.bot.session.messages[(STAFF_CHAT, relayed_id)]
    assert "Выписка во вложении" not in relayed_now.text and "Сообщение удалено" in relayed_now.text
    assert await app.delivery.process_due() == 0  # everything done, nothing twice

    # ---- /privacy afterwards: nothing personal left, even when the profile is seen again
    app.users._seen.clear()  # the next update writes the "seen" row (Telegram still sends the name)
    await chatter.send(QUESTION_A)  # asked after withdrawing: logged without the user's id
    calls, screen = await open_privacy(chatter)
    text = sent_texts(calls)[-1]
    assert "Иван" not in text and "Имя: <i>[удалено]</i>" in text
    assert "вы отписаны" in text and "<b>Вопросов в журнале</b>: 0" in text
    assert "<b>Вопросов сотрудникам</b>: 0\n" in text and "персональные данные удалены" in text
    assert "согласие в редакции" not in text and "отозвано" in text
    assert (await row(app, "SELECT first_name FROM users WHERE id = ?", (chatter.user.id,)))[0] == ""
    assert await row(app, "SELECT count(*) FROM questions WHERE user_id IS NULL AND text = ?", (QUESTION_A,)) == (1,)
    calls = await chatter.press(screen, PrivacyCb(action="download", uid=chatter.user.id).pack())
    data = json.loads([c for c in calls if isinstance(c, SendDocument)][0].document.data)
    assert data["questions_asked"] == [] and data["questions_to_staff"] == []
    assert data["profile"]["first_name"] is None and data["profile"]["consent_withdrawn_at"]
    for application in data["applications"]:
        assert application["phone"] is None and application["email"] is None
        assert application["contact_person"] is None and application["personal_data_erased_at"]
    raw = json.dumps(data, ensure_ascii=False)
    assert PHONE_A not in raw and EMAIL_A not in raw and "Выписка во вложении" not in raw
    # the applicant's own view of an application
    await chatter.send("/applications")
    calls = await chatter.press(chatter.last_message(), f"ma:{open_id}")
    assert "данные и сообщения в этой заявке удалены" in sent_texts(calls)[-1]
    assert "<i>[удалено]</i>" in sent_texts(calls)[-1]


async def test_withdrawing_twice_is_harmless(app, chatter):
    await apply(app, chatter)
    await withdraw(chatter)
    await app.delivery.process_due()
    jobs = (await row(app, "SELECT count(*) FROM outbox"))[0]
    calls = await withdraw(chatter)
    assert "Согласие отозвано" in sent_texts(calls)[-1]
    assert "Заявок" not in sent_texts(calls)[-1] and "уведомлены" not in sent_texts(calls)[-1]
    assert (await row(app, "SELECT count(*) FROM outbox"))[0] == jobs  # no second notice


async def test_a_second_withdrawal_keeps_the_first_ones_staff_notice(app, chatter):
    """The staff group is unreachable (or paced) when the user withdraws twice: the notice
    queued by the first withdrawal still goes out afterwards."""
    await apply(app, chatter)
    await app.delivery.process_due()  # the card is in the group
    await withdraw(chatter)
    await withdraw(chatter)  # before the notice went out
    await app.delivery.process_due()
    notices = [c.text for c in app.bot.session.calls
               if isinstance(c, SendMessage) and c.chat_id == STAFF_CHAT and "отозвал" in c.text]
    assert len(notices) == 1, notices


async def test_the_download_holds_only_the_join_dialogues_draft(app, chatter):
    await apply(app, chatter)
    await chatter.send("/applications")
    app_id = (await row(app, "SELECT id FROM applications"))[0]
    await chatter.press(chatter.last_message(), AppReplyCb(app=app_id).pack())
    assert await state_of(app, chatter) is not None  # writing a message to the staff
    _, screen = await open_privacy(chatter)
    calls = await chatter.press(screen, PrivacyCb(action="download", uid=chatter.user.id).pack())
    document = [c for c in calls if isinstance(c, SendDocument)][0]
    data = json.loads(document.document.data)
    assert not data.get("unfinished_application"), data.get("unfinished_application")


async def test_after_withdrawal_a_question_to_staff_carries_no_name(app, chatter):
    await apply(app, chatter)
    await withdraw(chatter)
    await app.delivery.process_due()
    await chatter.send("как приготовить борщ")
    await chatter.press(chatter.last_message(), HandoffCb(action="ask").pack())
    await app.delivery.process_due()
    assert tuple(await row(app, "SELECT full_name, username FROM handoffs")) == ("", None)
    card = [c.text for c in app.bot.session.calls
            if isinstance(c, SendMessage) and c.chat_id == STAFF_CHAT and "борщ" in c.text][-1]
    assert chatter.user.first_name not in card and str(chatter.user.id) in card  # reachable by id


async def test_forged_buttons_of_another_user_do_nothing(app, chatter):
    victim_app = await apply(app, chatter)
    _, victim_screen = await open_privacy(chatter)
    mallory = Chatter(app, app.bot.session, user_id=666)
    await mallory.send("/privacy")
    own_screen = mallory.last_message()
    before = await user_snapshot(app, chatter.user.id)
    mallory_before = await user_snapshot(app, mallory.user.id)
    jobs_before = await row(app, "SELECT count(*) FROM outbox")
    victim = chatter.user.id
    for data, message in (
        (PrivacyCb(action="confirm", uid=victim), own_screen),  # someone else's id in the button
        (PrivacyCb(action="download", uid=victim), own_screen),
        (PrivacyCb(action="unsub", uid=victim), own_screen),
        (PrivacyCb(action="withdraw", uid=victim), own_screen),
        (PrivacyCb(action="confirm", uid=mallory.user.id), victim_screen),  # their id, another chat
        (PrivacyCb(action="download", uid=mallory.user.id), victim_screen),
        (PrivacyCb(action="explode", uid=mallory.user.id), own_screen),  # an unknown action
    ):
        calls = await mallory.press(message, data.pack())
        assert answered(calls) and answered(calls)[0].show_alert, data
        assert not [c for c in calls if isinstance(c, SendDocument | SendMessage | EditMessageText)], data
    # the menu's "My data" button over a message in another chat (e.g. a card in the staff group)
    calls = await mallory.press(victim_screen, MenuCb(action="privacy").pack())
    assert answered(calls)[0].show_alert and not [c for c in calls if isinstance(c, EditMessageText)]
    calls = await mallory.press(own_screen, "pv:confirm:not-a-number")  # malformed: nobody's button
    assert not [c for c in calls if isinstance(c, SendDocument)]
    assert await user_snapshot(app, victim) == before
    assert await user_snapshot(app, mallory.user.id) == mallory_before
    assert await row(app, "SELECT count(*) FROM outbox") == jobs_before  # nobody was told anything
    assert (await row(app, "SELECT status FROM applications WHERE id = ?", (victim_app,)))[0] == "new"


async def test_a_new_application_after_withdrawal_works(app, chatter):
    first = await apply(app, chatter)
    await withdraw(chatter)
    # the same ИНН and cluster again: the withdrawn application is no longer open
    second = await apply(app, chatter, contact="Петров Пётр, директор", phone="+79998887766", email="new@himprom.ru")
    assert second != first
    new = await row(app, "SELECT status, contact_name, phone, email, erased_at, consent_version FROM applications"
                         " WHERE id = ?", (second,))
    assert new == ("new", "Петров Пётр, директор", "+79998887766", "new@himprom.ru", None, CONSENT)
    assert await row(app, "SELECT consent_withdrawn_at FROM users WHERE id = ?", (chatter.user.id,)) == (None,)
    assert (await row(app, "SELECT status FROM applications WHERE id = ?", (first,)))[0] == "withdrawn"
    mark = len(app.bot.session.calls)
    await app.delivery.process_due()
    cards = [c for c in app.bot.session.calls[mark:] if isinstance(c, SendMessage) and c.chat_id == STAFF_CHAT
             and c.text.startswith("📝")]
    assert len(cards) == 2  # the first card (withdrawn, erased) and the new one
    assert any("+79998887766" in c.text for c in cards)
    _, screen = await open_privacy(chatter)
    assert f"согласие в редакции {CONSENT} дано" in screen.text and "Заявки: 2" in screen.text


async def test_staff_cannot_relay_to_an_applicant_who_withdrew(app, chatter):
    app_id = await apply(app, chatter)
    await app.delivery.process_due()
    card = await card_message(app, app_id)
    await withdraw(chatter)
    await app.delivery.process_due()
    staff = staff_chatter(app)
    calls = await staff.send("Когда удобно созвониться?", reply_to_message=card)
    assert "передать сообщение нельзя" in sent_texts(calls)[-1]
    assert await row(app, "SELECT count(*) FROM outbox WHERE status = 'pending'") == (0,)
    calls = await staff.press(card, StaffCb(action="accept", app=app_id).pack())
    assert "отозвана" in answered(calls)[0].text  # no decisions on a withdrawn application
    # the applicant's "write to the staff" button of a withdrawn application is refused
    calls = await chatter.press(chatter.last_message(), AppReplyCb(app=app_id).pack())
    assert answered(calls)[0].show_alert and await state_of(app, chatter) is None


async def test_export_after_withdrawal_shows_the_erased_marker(app, chatter):
    erased_id = await apply(app, chatter)
    other = Chatter(app, app.bot.session, user_id=502)
    await apply(app, other, org="АО «Другой»", inn=INN_B, contact="Сидоров Олег", phone="+79001112233",
                email="oleg@other.ru", comment=None)
    await withdraw(chatter)
    number = (await row(app, "SELECT number FROM applications WHERE id = ?", (erased_id,)))[0]
    staff = Chatter(app, app.bot.session, user_id=800)
    await staff.send("/export")
    calls = await staff.press(staff.last_message(), "ex::0:0:1")
    xlsx, csv_doc = [c for c in calls if isinstance(c, SendDocument)]
    rows = list(csv.reader(io.StringIO(csv_doc.document.data.decode("utf-8-sig")), delimiter=";"))
    header = rows[0]
    by_number = {r[0]: dict(zip(header, r, strict=True)) for r in rows[1:]}
    erased = by_number[number]
    for column in ("Контактное лицо", "Телефон", "E-mail", "Комментарий", "Telegram"):
        assert erased[column] == "[удалено]", column
    assert erased["Статус"] == "отозвана" and erased["Организация"] == "ООО «Химпром»" and erased["ИНН"] == INN_A
    kept = next(r for n, r in by_number.items() if n != number)
    assert kept["Телефон"] == "+79001112233" and kept["Комментарий"] == ""
    assert "None" not in csv_doc.document.data.decode("utf-8-sig")
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.document.data)).active
    values = {c.value for c in sheet[2]}
    assert "[удалено]" in values and PHONE_A not in values and None not in {c.value for c in sheet[2][10:13]}
    # the status filter knows the new status
    await staff.send("/export")
    assert any("отозвана" in b for b in buttons(staff.last_message()))


async def test_set_commands_include_privacy_in_both_languages(app):
    from aiogram.methods import SetMyCommands

    await app.set_commands()
    calls = [c for c in app.bot.session.calls if isinstance(c, SetMyCommands)]
    descriptions = {(c.language_code, cmd.command): cmd.description for c in calls for cmd in c.commands}
    assert descriptions[("ru", "privacy")] == "Мои данные и согласие"
    assert descriptions[("en", "privacy")] == "My data and consent"


# ---- migration 0005 ----------------------------------------------------------------------------


async def test_migration_0005_keeps_data_and_allows_withdrawn(tmp_path):
    path = tmp_path / "v4.sqlite3"
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA foreign_keys=ON")
    for version, _, sql in list_migrations()[:4]:
        conn.executescript(sql)
        conn.execute(f"PRAGMA user_version = {version}")
    conn.executescript("""
        INSERT INTO clusters (id, slug, status, data) VALUES (1, 'c', 'active', '{}');
        INSERT INTO users (id, first_name) VALUES (501, 'Иван');
        INSERT INTO applications (id, number, user_id, cluster_id, org_name, inn, region, products, contact_name,
            phone, email, consent_version, consent_at, language, campaign, status)
            VALUES (7, '2026-0007', 501, 1, 'ООО «Тест»', '7707083893', 'Омская область', 'лаки', 'Иван',
            '+79123456789', 'a@b.ru', 'v1', '2026-01-01T00:00:00Z', 'ru', 'spring', 'in_review');
        INSERT INTO application_events (application_id, actor_id, to_status) VALUES (7, 501, 'new');
        INSERT INTO application_messages (application_id, direction, text) VALUES (7, 'from_applicant', 'привет');
    """)
    conn.commit()
    conn.close()

    db = Database(path)
    await db.open()
    try:
        assert await db.schema_version() == len(list_migrations())  # 0005 and any later one
        assert tuple(await db.fetchone("SELECT number, status, phone, erased_at FROM applications WHERE id = 7")) == (
            "2026-0007", "in_review", "+79123456789", None)
        assert (await db.fetchone("SELECT count(*) FROM application_events WHERE application_id = 7"))[0] == 1
        assert (await db.fetchone("SELECT text FROM application_messages WHERE application_id = 7"))[0] == "привет"
        assert await db.fetchall("PRAGMA foreign_key_check") == []
        assert (await db.fetchone("SELECT consent_withdrawn_at FROM users WHERE id = 501"))[0] is None
        indexes = {r[0] for r in await db.fetchall("SELECT name FROM sqlite_master WHERE type = 'index'")}
        assert {"applications_user", "applications_status", "applications_open_inn", "applications_campaign",
                "application_events_app", "application_messages_app"} <= indexes
        await db.write("UPDATE applications SET status = 'withdrawn' WHERE id = 7")
        # withdrawn is not open: the same ИНН and cluster can apply again
        await db.write(
            "INSERT INTO applications (number, user_id, cluster_id, org_name, inn, region, products, contact_name,"
            " phone, email, consent_version, consent_at, language) VALUES ('2026-0008', 501, 1, 'x', '7707083893',"
            " 'r', 'p', 'c', '+7', 'e', 'v', 't', 'ru')"
        )
        # foreign keys still point at the rebuilt table
        try:
            await db.write("INSERT INTO application_events (application_id, to_status) VALUES (999, 'new')")
        except sqlite3.IntegrityError:
            pass
        else:
            raise AssertionError("the foreign key to applications was lost")
        schema = (await db.fetchone("SELECT sql FROM sqlite_master WHERE name = 'application_events'"))[0]
        assert '"applications"' in schema and "applications_new" not in schema
    finally:
        await db.close()
