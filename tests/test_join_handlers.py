"""The join dialogue, the staff workflow and hand-offs, through the dispatcher (mocked Bot API).

FSM state is asserted through `dp.fsm.get_context`; the outbox is delivered with
`Delivery.process_due()` so each test decides when "Telegram" receives the staff's messages.
"""

from __future__ import annotations

from aiogram.methods import EditMessageText, SendMessage
from aiogram.types import Chat, Contact, PhotoSize, User, Voice

from bot.callbacks import AppReplyCb, FormCb, HandoffCb, JoinCb, MyAppCb, StaffCb
from bot.i18n import I18n
from bot.services.regions import default_matcher
from handlers.join import JoinForm
from tests.conftest import Chatter, answered, sent_texts
from tests.fake_telegram import parse_html

CONSENT = I18n().get("ru")("consent-version")  # the version applicants agree to now

STAFF_CHAT = -100777
GOOD_INN = "7707083893"


async def state_of(app, chatter: Chatter) -> str | None:
    ctx = app.dp.fsm.get_context(bot=app.bot, chat_id=chatter.chat.id, user_id=chatter.user.id)
    return await ctx.get_state()


async def data_of(app, chatter: Chatter) -> dict:
    ctx = app.dp.fsm.get_context(bot=app.bot, chat_id=chatter.chat.id, user_id=chatter.user.id)
    return await ctx.get_data()


def press(data) -> str:  # noqa: ANN001
    return data.pack()


async def fill_until_summary(app, chatter: Chatter, *, name: str = "ООО «Химпром»", inn: str = GOOD_INN) -> None:
    cluster_id, _ = app.kb.by_slug("cluster", "interregional-chemical")
    await chatter.send("/join")
    assert await state_of(app, chatter) == JoinForm.cluster.state
    await chatter.press(chatter.last_message(), press(FormCb(action="cluster", value=str(cluster_id))))
    await chatter.send(name)
    await chatter.send(inn)
    await chatter.press(chatter.last_message(), press(FormCb(action="skip")))
    await chatter.send("омская")
    index = default_matcher().names().index("Омская область")
    await chatter.press(chatter.last_message(), press(FormCb(action="region", value=str(index))))
    await chatter.send("Растворители и реактивы")
    await chatter.send("20.14, 20.59")
    await chatter.send("Иванова Мария, технолог")
    await chatter.send("+7 912 345-67-89")
    await chatter.send("info@himprom.ru")
    await chatter.press(chatter.last_message(), press(FormCb(action="skip")))
    assert await state_of(app, chatter) == JoinForm.consent.state
    await chatter.press(chatter.last_message(), press(FormCb(action="consent")))
    assert await state_of(app, chatter) == JoinForm.summary.state


async def submit(app, chatter: Chatter, **kw) -> str:  # noqa: ANN003
    await fill_until_summary(app, chatter, **kw)
    calls = await chatter.press(chatter.last_message(), press(FormCb(action="send")))
    text = sent_texts(calls)[-1]
    assert "отправлена" in text
    assert await state_of(app, chatter) is None
    return text


def staff_messages(app) -> list:  # noqa: ANN001
    return [c for c in app.bot.session.calls if isinstance(c, SendMessage) and c.chat_id == STAFF_CHAT]


async def test_happy_path_stores_and_delivers_one_card(app, chatter):
    await submit(app, chatter, name="ООО «Химпром <тест> & Ко»")
    data = await data_of(app, chatter)
    assert data == {}
    row = await app.db.fetchone(
        "SELECT number, org_name, inn, region, okved, phone, email, consent_version, consent_at, status, language"
        " FROM applications"
    )
    assert row[0].endswith("-0001") and row[1] == "ООО «Химпром <тест> & Ко»"
    assert (row[2], row[3], row[4], row[5], row[6]) == (GOOD_INN, "Омская область", "20.14,20.59", "+79123456789", "info@himprom.ru")
    assert row[7] == CONSENT and row[8] and row[9] == "new" and row[10] == "ru"
    assert await app.delivery.process_due() == 1
    cards = staff_messages(app)
    assert len(cards) == 1
    assert "ООО «Химпром &lt;тест&gt; &amp; Ко»" in cards[0].text  # escaped on the wire
    assert await app.delivery.process_due() == 0  # done: never sent twice
    assert len(staff_messages(app)) == 1


async def test_the_longest_answers_fit_in_the_summary_and_the_card(app, chatter):
    """Products and comment of 2,000 characters each (the limits), full of markup characters:
    the summary and the staff card stay within Telegram's 4,096 and their HTML stays whole."""
    await fill_until_summary(app, chatter, name="Я" * 299 + "&")
    for field in ("products", "comment"):
        await chatter.press(chatter.last_message(), press(FormCb(action="edit", value=field)))
        calls = await chatter.send(("<b>&" * 500)[:2000])
        assert await state_of(app, chatter) == JoinForm.summary.state
    summary = sent_texts(calls)[-1]
    assert "Проверьте заявку" in summary and summary.count("&lt;b&gt;") > 100
    await chatter.press(chatter.last_message(), press(FormCb(action="send")))
    await app.delivery.process_due()
    card = staff_messages(app)[-1].text
    plain, _ = parse_html(card)
    assert len(plain) <= 4096 and "Иванова Мария" in plain  # the contact made it onto the card
    row = await app.db.fetchone("SELECT products, comment FROM applications")
    assert len(row[0]) == 2000 and len(row[1]) == 2000  # stored in full (and exported in full)


async def test_a_long_staff_reply_full_of_markup_reaches_the_applicant_whole(app, chatter):
    await submit(app, chatter)
    await app.delivery.process_due()
    card_msg = app.bot.session.messages[(STAFF_CHAT, max(m for c, m in app.bot.session.messages if c == STAFF_CHAT))]
    text = ("Уточните & <проверьте> " * 200)[:2900]
    await staff_chatter(app).send(text, reply_to_message=card_msg)
    mark = len(app.bot.session.calls)
    await app.delivery.process_due()
    to_user = [c for c in app.bot.session.calls[mark:] if isinstance(c, SendMessage) and c.chat_id == chatter.user.id]
    assert len(to_user) == 1
    plain, _ = parse_html(to_user[0].text)
    assert text in plain and "{???}" not in plain


async def test_every_step_refuses_bad_input_and_asks_again(app, chatter):
    cluster_id, _ = app.kb.by_slug("cluster", "interregional-chemical")
    await chatter.send("/join")
    calls = await chatter.send("просто текст")
    assert "кнопкой" in sent_texts(calls)[-1] and await state_of(app, chatter) == JoinForm.cluster.state
    await chatter.press(chatter.last_message(), press(FormCb(action="cluster", value="99999")))
    assert await state_of(app, chatter) == JoinForm.cluster.state
    await chatter.press(chatter.last_message(), press(FormCb(action="cluster", value=str(cluster_id))))
    photo = [PhotoSize(file_id="p", file_unique_id="p", width=1, height=1)]
    calls = await chatter.send(None, photo=photo)
    assert "нужен текст" in sent_texts(calls)[-1] and "Как называется организация" in sent_texts(calls)[-1]
    calls = await chatter.send("Я" * 5000)
    assert "длиннее 300" in sent_texts(calls)[-1]
    calls = await chatter.send(" ")
    assert await state_of(app, chatter) == JoinForm.org_name.state
    await chatter.send("ООО <b>Ромашка</b> & сын")
    assert (await data_of(app, chatter))["org_name"] == "ООО <b>Ромашка</b> & сын"
    for bad, needle in (("1234567895", "контрольные цифры"), ("77070838931", "сейчас 11"), ("ИНН abc", "только из цифр")):
        calls = await chatter.send(bad)
        assert needle in sent_texts(calls)[-1], (bad, sent_texts(calls)[-1])
        assert await state_of(app, chatter) == JoinForm.inn.state
    await chatter.send("7707 083 893")
    assert (await data_of(app, chatter))["inn"] == GOOD_INN
    calls = await chatter.send("1027700132194")
    assert "контрольная цифра" in sent_texts(calls)[-1]
    await chatter.send("1027700132195")
    calls = await chatter.send("Атлантида")
    assert "Не нашёл такой регион" in sent_texts(calls)[-1]
    await chatter.send("Москва")
    index = default_matcher().names().index("Москва")
    await chatter.press(chatter.last_message(), press(FormCb(action="region", value="500")))
    assert await state_of(app, chatter) == JoinForm.region.state  # forged index refused
    await chatter.press(chatter.last_message(), press(FormCb(action="region", value=str(index))))
    calls = await chatter.send("x")
    assert "Слишком коротко" in sent_texts(calls)[-1]
    await chatter.send("Катализаторы")
    calls = await chatter.send("99.99.99.99")
    assert "не код ОКВЭД" in sent_texts(calls)[-1]
    await chatter.send("20.59")
    await chatter.send("Пётр Петров")
    calls = await chatter.send("12")
    assert "номер телефона" in sent_texts(calls)[-1]
    voice = Voice(file_id="v", file_unique_id="v", duration=1)
    calls = await chatter.send(None, voice=voice)
    assert await state_of(app, chatter) == JoinForm.phone.state
    foreign = Contact(phone_number="+79000000001", first_name="X", user_id=12345)
    calls = await chatter.send(None, contact=foreign)
    assert "свой номер" in sent_texts(calls)[-1]
    own = Contact(phone_number="79123456789", first_name="Иван", user_id=chatter.user.id)
    await chatter.send(None, contact=own)
    assert (await data_of(app, chatter))["phone"] == "+79123456789"
    for bad in ("a@", "no at sign", "a b@c.d"):
        calls = await chatter.send(bad)
        assert "электронной почты" in sent_texts(calls)[-1]
    await chatter.send("ok@example.org")
    calls = await chatter.send("/clusters")
    assert "Сначала закончите заявку" in sent_texts(calls)[-1]
    assert await state_of(app, chatter) == JoinForm.comment.state
    await chatter.send("Без комментариев & <пожалуйста>")
    calls = await chatter.send("согласен")  # consent needs the explicit button
    assert "кнопкой" in sent_texts(calls)[-1]
    await chatter.press(chatter.last_message(), press(FormCb(action="send")))
    assert await state_of(app, chatter) == JoinForm.consent.state  # no sending without consent
    assert (await app.db.fetchone("SELECT count(*) FROM applications"))[0] == 0


async def test_back_edit_from_summary_and_cancel(app, chatter):
    await fill_until_summary(app, chatter)
    calls = await chatter.press(chatter.last_message(), press(FormCb(action="edit", value="email")))
    assert await state_of(app, chatter) == JoinForm.email.state
    await chatter.send("new@example.org")
    assert await state_of(app, chatter) == JoinForm.summary.state  # back to the summary
    assert "new@example.org" in chatter.last_message().text
    await chatter.press(chatter.last_message(), press(FormCb(action="edit", value="org_name")))
    await chatter.press(chatter.last_message(), press(FormCb(action="back")))
    assert await state_of(app, chatter) == JoinForm.summary.state
    await chatter.press(chatter.last_message(), press(FormCb(action="back")))
    assert await state_of(app, chatter) == JoinForm.consent.state
    calls = await chatter.send("/cancel")
    assert "отменена" in sent_texts(calls)[0]
    assert await state_of(app, chatter) is None and await data_of(app, chatter) == {}


async def test_start_inside_the_dialogue_offers_continue_or_restart(app, chatter):
    await chatter.send("/join")
    await chatter.press(chatter.last_message(), press(FormCb(action="cluster", value=str(app.kb.accepting_clusters()[0][0]))))
    calls = await chatter.send("/start")
    assert "незаконченная заявка" in sent_texts(calls)[-1]
    await chatter.press(chatter.last_message(), press(FormCb(action="continue")))
    assert await state_of(app, chatter) == JoinForm.org_name.state
    assert "Как называется организация" in chatter.last_message().text
    await chatter.send("/start")
    await chatter.press(chatter.last_message(), press(FormCb(action="restart")))
    assert await state_of(app, chatter) is None
    calls = await chatter.press(chatter.last_message(), press(FormCb(action="send")))
    assert answered(calls)[0].show_alert  # a stale dialogue button is refused


async def test_deep_link_preselects_the_cluster_and_records_the_campaign(app, chatter):
    await chatter.send("/start join_interregional-chemical__spring26")
    assert await state_of(app, chatter) == JoinForm.org_name.state
    data = await data_of(app, chatter)
    assert data["campaign"] == "spring26" and data["cluster_id"] == app.kb.by_slug("cluster", "interregional-chemical")[0]
    calls = await chatter.send("/start join_tver-chemical")
    # inside the dialogue /start asks first; after restarting, the Tver link is refused
    await chatter.press(chatter.last_message(), press(FormCb(action="restart")))
    calls = await chatter.send("/start join_tver-chemical")
    assert "не принимает заявки" in sent_texts(calls)[-1]
    calls = await chatter.send("/start join_no-such-cluster")
    assert "не принимает заявки" in sent_texts(calls)[-1]


async def test_the_preview_link_of_a_campaign_draft_records_no_campaign(app, chatter):
    await chatter.send("/start join_interregional-chemical__preview")
    assert await state_of(app, chatter) == JoinForm.org_name.state
    assert "campaign" not in await data_of(app, chatter)


async def test_cluster_card_join_button_preselects(app, chatter):
    cluster_id, _ = app.kb.by_slug("cluster", "interregional-chemical")
    await chatter.send("/menu")
    await chatter.press(chatter.last_message(), JoinCb(cluster=cluster_id).pack())
    assert await state_of(app, chatter) == JoinForm.org_name.state


async def test_duplicate_inn_of_someone_else_shows_nothing_of_theirs_and_keeps_the_form(app, chatter):
    """Issue 8, defect 3: a stranger typing an ИНН someone applied with was told that person's
    application number and status, and the dialogue ended with what was typed dropped."""
    await submit(app, chatter)  # 501 applies: № 2026-0001
    stranger = Chatter(app, app.bot.session, user_id=502)
    cluster_id, _ = app.kb.by_slug("cluster", "interregional-chemical")
    await stranger.send("/join")
    await stranger.press(stranger.last_message(), press(FormCb(action="cluster", value=str(cluster_id))))
    await stranger.send("Другое название")
    calls = await stranger.send(GOOD_INN)
    text = sent_texts(calls)[-1]
    assert "уже есть открытая заявка" in text
    assert "-0001" not in text and "новая" not in text and "статус" not in text.lower()
    # the form stays: still at the ИНН step, the organization kept, "Ask a person" offered
    assert await state_of(app, stranger) == JoinForm.inn.state
    assert (await data_of(app, stranger))["org_name"] == "Другое название"
    labels = [b.text for row in stranger.last_message().reply_markup.inline_keyboard for b in row]
    assert "🙋 Спросить сотрудника" in labels and "← Назад" in labels
    # another ИНН goes on
    await stranger.send("7736207543")
    assert await state_of(app, stranger) == JoinForm.ogrn.state
    # the ИНН typed again from the summary: the same answer there
    await stranger.press(stranger.last_message(), press(FormCb(action="back")))
    calls = await stranger.send(GOOD_INN)
    assert "-0001" not in sent_texts(calls)[-1]


async def test_duplicate_inn_of_ones_own_application_tells_its_number(app, chatter):
    await submit(app, chatter)
    cluster_id, _ = app.kb.by_slug("cluster", "interregional-chemical")
    await chatter.send("/join")
    await chatter.press(chatter.last_message(), press(FormCb(action="cluster", value=str(cluster_id))))
    await chatter.send("Другое название")
    text = sent_texts(await chatter.send(GOOD_INN))[-1]
    assert "У вас уже есть открытая заявка № 2026-0001" in text and "новая" in text
    assert await state_of(app, chatter) == JoinForm.inn.state


async def test_duplicate_at_send_keeps_the_summary_and_hides_the_other_application(app, chatter):
    """Two dialogues with the same ИНН reach the summary; the first sends. The second's Send is
    refused by the same rule: no number, no status, the summary kept."""
    other = Chatter(app, app.bot.session, user_id=502)
    await fill_until_summary(app, chatter)
    await fill_until_summary(app, other)
    await chatter.press(chatter.last_message(), press(FormCb(action="send")))
    calls = await other.press(other.last_message(), press(FormCb(action="send")))
    text = sent_texts(calls)[-1]
    assert "уже есть открытая заявка" in text and "-0001" not in text and "новая" not in text
    assert await state_of(app, other) == JoinForm.summary.state
    assert (await data_of(app, other))["inn"] == GOOD_INN
    assert (await app.db.fetchone("SELECT count(*) FROM applications"))[0] == 1
    # "Ask a person" from there: a hand-off, then back to the summary with everything kept
    refused = other.last_message()
    await other.press_text(refused, "Спросить сотрудника")
    assert await state_of(app, other) == "Conversation:handoff_text"
    calls = await other.send("Наша компания не подавала заявку, кто её подал?")
    assert "Передал ваш вопрос" in sent_texts(calls)[-1]
    assert await state_of(app, other) == JoinForm.summary.state
    await other.press_text(other.last_message(), "Продолжить заявку")
    assert await state_of(app, other) == JoinForm.summary.state
    assert "Отправить заявку" in str(other.last_message().reply_markup)
    assert (await data_of(app, other))["org_name"] == "ООО «Химпром»"
    assert (await app.db.fetchone("SELECT count(*) FROM handoffs WHERE user_id = 502"))[0] == 1
    # the back button of the hand-off prompt returns too
    await other.press_text(refused, "Спросить сотрудника")
    await other.press_text(other.last_message(), "Вернуться к заявке")
    assert await state_of(app, other) == JoinForm.summary.state


async def test_applicant_buttons_with_someone_elses_ids_show_nothing(app, chatter):
    """Every applicant-side callback carrying an id is checked against the pressing user."""
    await submit(app, chatter)
    await app.delivery.process_due()
    app_id = (await app.db.fetchone("SELECT id FROM applications"))[0]
    await chatter.send("как получить субсидию")
    await chatter.press(chatter.last_message(), HandoffCb(action="ask").pack())
    handoff_id = (await app.db.fetchone("SELECT id FROM handoffs"))[0]
    await app.delivery.process_due()
    stranger = Chatter(app, app.bot.session, user_id=502)
    for data in (MyAppCb(app=app_id), AppReplyCb(app=app_id), HandoffCb(action="reply", id=handoff_id)):
        calls = await stranger.press(chatter.last_message(), data.pack())
        assert answered(calls)[0].show_alert and "устарела" in answered(calls)[0].text
        assert not [t for t in sent_texts(calls) if "2026-0001" in t or "субсид" in t]
    assert await state_of(app, stranger) is None
    # "My applications" lists only one's own
    assert "2026-0001" not in sent_texts(await stranger.send("/applications"))[-1]
    # a stale dialogue state pointing at someone else's application relays nothing
    ctx = app.dp.fsm.get_context(bot=app.bot, chat_id=stranger.chat.id, user_id=stranger.user.id)
    await ctx.set_state("Conversation:answer")
    await ctx.set_data({"app_id": app_id})
    await stranger.send("чужая заявка")
    await ctx.set_state("Conversation:followup")
    await ctx.set_data({"handoff_id": handoff_id})
    await stranger.send("чужой вопрос")
    mark = len(app.bot.session.calls)
    await app.delivery.process_due()
    assert not [c for c in app.bot.session.calls[mark:] if isinstance(c, SendMessage) and c.chat_id == STAFF_CHAT]


def last_staff_message(app):  # noqa: ANN001, ANN201
    """The newest bot message in the staff group (e.g. the prompt after Reject)."""
    return app.bot.session.messages[(STAFF_CHAT, max(m for c, m in app.bot.session.messages if c == STAFF_CHAT))]


def staff_chatter(app, user_id: int = 800) -> Chatter:  # noqa: ANN001
    staff = Chatter(app, app.bot.session, user_id=user_id)
    staff.user = User(id=user_id, is_bot=False, first_name="Сотрудник")
    staff.chat = Chat(id=STAFF_CHAT, type="supergroup", title="Staff")
    return staff


async def test_staff_workflow_with_audit_and_relays(app, chatter):
    await submit(app, chatter)
    await app.delivery.process_due()
    assert len(staff_messages(app)) == 1
    card_msg = app.bot.session.messages[(STAFF_CHAT, max(m for c, m in app.bot.session.messages if c == STAFF_CHAT))]
    app_id = (await app.db.fetchone("SELECT id FROM applications"))[0]
    staff = staff_chatter(app)

    # an outsider can't act, whatever the button says
    outsider = staff_chatter(app, user_id=555)
    calls = await outsider.press(card_msg, StaffCb(action="accept", app=app_id).pack())
    assert answered(calls)[0].show_alert and "только сотрудники" in answered(calls)[0].text
    assert (await app.db.fetchone("SELECT status FROM applications"))[0] == "new"
    applicant_as_staff = Chatter(app, app.bot.session, user_id=chatter.user.id)
    calls = await applicant_as_staff.press(card_msg, StaffCb(action="take", app=app_id).pack())
    assert answered(calls)[0].show_alert

    await staff.press(card_msg, StaffCb(action="take", app=app_id).pack())
    assert (await app.db.fetchone("SELECT status, assignee_id FROM applications"))[:] == ("in_review", 800)
    mark = len(app.bot.session.calls)
    await app.delivery.process_due()
    delivered = app.bot.session.calls[mark:]
    edits = [c for c in delivered if isinstance(c, EditMessageText)]
    assert edits and "на рассмотрении — Сотрудник" in edits[0].text
    to_applicant = [c for c in delivered if isinstance(c, SendMessage) and c.chat_id == chatter.user.id]
    assert "взяли на рассмотрение" in to_applicant[0].text

    # request information: the staff member answers the bot's prompt with the question
    await staff.press(card_msg, StaffCb(action="info", app=app_id).pack())
    await staff.send("Пришлите, пожалуйста, <выписку> из ЕГРЮЛ", reply_to_message=last_staff_message(app))
    assert (await app.db.fetchone("SELECT status FROM applications"))[0] == "info_requested"
    mark = len(app.bot.session.calls)
    await app.delivery.process_due()
    question = [c for c in app.bot.session.calls[mark:] if isinstance(c, SendMessage) and c.chat_id == chatter.user.id][0]
    assert "&lt;выписку&gt;" in question.text
    # the applicant answers through the button
    await chatter.press(chatter.last_message(), AppReplyCb(app=app_id).pack())
    await chatter.send("Выписку отправили на почту")
    assert (await app.db.fetchone("SELECT status FROM applications"))[0] == "in_review"
    mark = len(app.bot.session.calls)
    await app.delivery.process_due()
    relayed = [c for c in app.bot.session.calls[mark:] if isinstance(c, SendMessage) and c.chat_id == STAFF_CHAT]
    assert "Выписку отправили на почту" in relayed[0].text
    assert relayed[0].reply_parameters.message_id == card_msg.message_id

    # a forged application id and a repeated decision are refused
    calls = await staff.press(card_msg, StaffCb(action="accept", app=99999).pack())
    assert answered(calls)[0].show_alert
    await staff.press(card_msg, StaffCb(action="reject", app=app_id).pack())
    await staff.send("Профиль не подходит", reply_to_message=last_staff_message(app))
    calls = await staff.press(card_msg, StaffCb(action="accept", app=app_id).pack())
    assert "уже в статусе" in answered(calls)[0].text
    events = await app.db.fetchall(
        "SELECT actor_id, from_status, to_status FROM application_events ORDER BY id"
    )
    assert [tuple(r) for r in events] == [
        (chatter.user.id, None, "new"),
        (800, "new", "in_review"),
        (800, "in_review", "info_requested"),
        (chatter.user.id, "info_requested", "in_review"),
        (800, "in_review", "rejected"),
    ]
    mark = len(app.bot.session.calls)
    await app.delivery.process_due()
    told = [c for c in app.bot.session.calls[mark:] if isinstance(c, SendMessage) and c.chat_id == chatter.user.id]
    assert "Профиль не подходит" in told[0].text
    # My applications shows the status and the staff's messages
    calls = await chatter.send("/applications")
    assert "отклонена" in sent_texts(calls)[-1]


async def test_staff_reply_to_the_card_reaches_the_applicant_and_back(app, chatter):
    await submit(app, chatter)
    await app.delivery.process_due()
    card_msg = app.bot.session.messages[(STAFF_CHAT, max(m for c, m in app.bot.session.messages if c == STAFF_CHAT))]
    staff = staff_chatter(app)
    await staff.send("Добрый день! Когда удобно созвониться?", reply_to_message=card_msg)
    outsider = staff_chatter(app, user_id=555)
    await outsider.send("я не сотрудник", reply_to_message=card_msg)
    mark = len(app.bot.session.calls)
    await app.delivery.process_due()
    to_user = [c for c in app.bot.session.calls[mark:] if isinstance(c, SendMessage) and c.chat_id == chatter.user.id]
    assert len(to_user) == 1 and "созвониться" in to_user[0].text
    # the applicant answers with Telegram's Reply on that message
    bot_msg = chatter.last_message()
    await chatter.send("Завтра после 10", reply_to_message=bot_msg)
    mark = len(app.bot.session.calls)
    await app.delivery.process_due()
    back = [c for c in app.bot.session.calls[mark:] if isinstance(c, SendMessage) and c.chat_id == STAFF_CHAT]
    assert "Завтра после 10" in back[0].text


async def test_handoff_to_a_person_and_the_answer_back(app, chatter):
    calls = await chatter.send("как приготовить борщ")
    await chatter.press(chatter.last_message(), HandoffCb(action="ask").pack())
    assert "Передал ваш вопрос" in chatter.last_message().text
    await app.delivery.process_due()
    card = staff_messages(app)[-1]
    assert "борщ" in card.text and "Ответьте на это сообщение" in card.text
    card_msg = app.bot.session.messages[(STAFF_CHAT, max(m for c, m in app.bot.session.messages if c == STAFF_CHAT))]
    staff = staff_chatter(app)
    await staff.send("Это не к нам, но рецепт простой", reply_to_message=card_msg)
    await app.delivery.process_due()
    answer = chatter.last_message()
    assert "рецепт простой" in answer.text
    handoff_id = (await app.db.fetchone("SELECT id FROM handoffs"))[0]
    await chatter.press(answer, HandoffCb(action="reply", id=handoff_id).pack())
    await chatter.send("Спасибо, а про субсидии?")
    await app.delivery.process_due()
    assert "про субсидии" in staff_messages(app)[-1].text
    # someone else can't follow up on this hand-off
    other = Chatter(app, app.bot.session, user_id=777)
    calls = await other.press(answer, HandoffCb(action="reply", id=handoff_id).pack())
    assert answered(calls)[0].show_alert


async def test_export_is_for_staff_only_and_neutralizes_formulas(app, chatter):
    await submit(app, chatter, name="=HYPERLINK(\"http://evil\")")
    calls = await chatter.send("/export")
    assert "только сотрудники" in sent_texts(calls)[-1]
    staff = Chatter(app, app.bot.session, user_id=800)
    await staff.send("/export")
    screen = staff.last_message()
    calls = await staff.press(screen, "ex::0:0:1")
    from aiogram.methods import SendDocument

    docs = [c for c in calls if isinstance(c, SendDocument)]
    assert [d.document.filename.rsplit(".", 1)[1] for d in docs] == ["xlsx", "csv"]
    csv_text = docs[1].document.data.decode("utf-8-sig")
    assert "'=HYPERLINK" in csv_text and "Омская область" in csv_text
    import io

    import openpyxl

    sheet = openpyxl.load_workbook(io.BytesIO(docs[0].document.data)).active
    values = [c.value for c in sheet[2]]
    assert '=HYPERLINK("http://evil")' in values
    assert all(c.data_type != "f" for c in sheet[2])
    calls = await chatter.press(screen, "ex::0:0:1")
    assert answered(calls)[0].show_alert  # the applicant can't use the staff's button


async def test_export_by_date_range(app, chatter):
    from aiogram.methods import SendDocument

    await submit(app, chatter)
    staff = Chatter(app, app.bot.session, user_id=900)
    calls = await staff.send("/export 2020-01-01 2020-12-31")
    docs = [c for c in calls if isinstance(c, SendDocument)]
    assert len(docs) == 2 and "Заявок в выгрузке: 0" in docs[0].caption
    calls = await staff.send("/export 2020-01-01")
    docs = [c for c in calls if isinstance(c, SendDocument)]
    assert "Заявок в выгрузке: 1" in docs[0].caption
    calls = await staff.send("/export вчера")
    assert "/export 2026-01-01 2026-03-31" in sent_texts(calls)[-1]


async def test_regions_are_shown_in_english_to_english_users_and_stored_in_russian(app):
    en = Chatter(app, app.bot.session, user_id=4343, language_code="en")
    cluster_id, _ = app.kb.by_slug("cluster", "interregional-chemical")
    await en.send("/join")
    await en.press(en.last_message(), press(FormCb(action="cluster", value=str(cluster_id))))
    await en.send("ACME")
    await en.send(GOOD_INN)
    await en.press(en.last_message(), press(FormCb(action="skip")))
    calls = await en.send("омская")
    offer = [c for c in calls if isinstance(c, SendMessage)][-1]
    assert "Omsk Oblast" in offer.text
    assert any("Omsk Oblast" in b.text for row in offer.reply_markup.inline_keyboard for b in row)
    index = default_matcher().names().index("Омская область")
    await en.press(en.last_message(), press(FormCb(action="region", value=str(index))))
    assert (await data_of(app, en))["region"] == "Омская область"  # staff see the official name


async def test_a_cluster_closed_during_the_dialogue_is_not_applied_to(app, chatter):
    """Content imported while the user fills the form: their cluster stops taking applications."""
    async def reimport(accepting: set[str]) -> None:
        clusters = [c.model_copy(update={"accepts_applications": c.slug in accepting}) for _, c in app.kb.clusters]
        await app.kb.repo.replace_all(clusters, [m for _, m in app.kb.measures], [f for _, f in app.kb.faq])
        assert await app.kb.refresh_if_changed()

    await fill_until_summary(app, chatter)
    await reimport({"tver-chemical"})  # ours closes, another one opens
    calls = await chatter.press(chatter.last_message(), press(FormCb(action="send")))
    assert "больше не принимает заявки" in sent_texts(calls)[-1]
    assert await state_of(app, chatter) == JoinForm.cluster.state
    assert (await app.db.fetchone("SELECT count(*) FROM applications"))[0] == 0
    tver_id, _ = app.kb.by_slug("cluster", "tver-chemical")
    await chatter.press(chatter.last_message(), press(FormCb(action="cluster", value=str(tver_id))))
    assert await state_of(app, chatter) == JoinForm.summary.state  # the rest of the answers kept
    assert (await data_of(app, chatter))["org_name"] == "ООО «Химпром»"

    await reimport(set())  # none takes applications any more
    calls = await chatter.press(chatter.last_message(), press(FormCb(action="send")))
    assert "ни один кластер не принимает" in sent_texts(calls)[-1]
    assert await state_of(app, chatter) is None
    assert (await app.db.fetchone("SELECT count(*) FROM applications"))[0] == 0


async def test_a_town_typed_for_the_region_is_confirmed_like_a_capital(app, chatter):
    """"Стерлитамак" at the region step is asked about as Bashkortostan, as "Уфа" is: the bot
    names the region and marks its button; a town's adjective ("Волжский") is not taken for
    the town."""
    cluster_id, _ = app.kb.by_slug("cluster", "interregional-chemical")
    await chatter.send("/join")
    await chatter.press(chatter.last_message(), press(FormCb(action="cluster", value=str(cluster_id))))
    await chatter.send("ООО «Салаватхим»")
    await chatter.send(GOOD_INN)
    await chatter.press(chatter.last_message(), press(FormCb(action="skip")))
    assert await state_of(app, chatter) == JoinForm.region.state
    index = default_matcher().names().index("Республика Башкортостан")
    for typed in ("Уфа", "Стерлитамак", "Салават"):
        offer = [c for c in await chatter.send(typed) if isinstance(c, SendMessage)][-1]
        assert "Это Республика Башкортостан?" in offer.text, (typed, offer.text)
        buttons = [b for row in offer.reply_markup.inline_keyboard for b in row]
        assert buttons[0].text == "✅ Республика Башкортостан", typed
        assert buttons[0].callback_data == press(FormCb(action="region", value=str(index)))
    offer = [c for c in await chatter.send("Волжский") if isinstance(c, SendMessage)][-1]
    assert "Это " not in offer.text and not any(
        b.text.startswith("✅") for row in offer.reply_markup.inline_keyboard for b in row)
    await chatter.send("Стерлитамак")
    await chatter.press(chatter.last_message(), press(FormCb(action="region", value=str(index))))
    assert (await data_of(app, chatter))["region"] == "Республика Башкортостан"
    assert await state_of(app, chatter) == JoinForm.products.state
