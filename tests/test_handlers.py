"""Handler tests: the dispatcher fed with updates through aiogram's feed_update, mocked Bot API."""

from __future__ import annotations

from aiogram.methods import EditMessageText, SendMessage
from aiogram.types import PhotoSize, Sticker

from bot.callbacks import ClusterCb, ClusterListCb, LangCb, MeasureCb, MenuCb
from tests.conftest import answered, sent_texts


def buttons(message) -> list[str]:
    return [b.text for row in message.reply_markup.inline_keyboard for b in row]


async def test_start_greets_and_shows_menu(chatter):
    calls = await chatter.send("/start")
    sends = [c for c in calls if isinstance(c, SendMessage)]
    assert len(sends) == 1
    assert "Иван" in sends[0].text
    labels = buttons(chatter.last_message())
    for expected in ("Кластеры", "Меры поддержки", "Задать вопрос", "Вступить в кластер", "Язык", "Помощь"):
        assert any(expected in label for label in labels), (expected, labels)


async def test_start_greeting_escapes_the_users_name(app, chatter):
    chatter.user = chatter.user.model_copy(update={"first_name": "<b>Bob & Co</b>"})
    calls = await chatter.send("/start")
    assert "&lt;b&gt;Bob &amp; Co&lt;/b&gt;" in calls[-1].text


async def test_english_user_gets_english(app, chatter):
    chatter.user = chatter.user.model_copy(update={"language_code": "en-US"})
    calls = await chatter.send("/start")
    assert "Hello" in calls[-1].text
    assert any("Clusters" in b for b in buttons(chatter.last_message()))


async def test_clusters_list_paginates_in_place(app, chatter):
    await chatter.send("/start")
    menu = chatter.last_message()
    calls = await chatter.press(menu, MenuCb(action="clusters").pack())
    edits = [c for c in calls if isinstance(c, EditMessageText)]
    assert len(edits) == 1 and edits[0].message_id == menu.message_id
    first_page = chatter.last_message().text
    assert "Страница 1 из 2" in first_page
    calls = await chatter.press_text(chatter.last_message(), "След.")
    second = chatter.last_message()
    assert second.message_id == menu.message_id  # the same message, edited
    assert "Страница 2 из 2" in second.text
    assert second.text != first_page
    assert answered(calls), "the callback query must be answered"


async def test_cluster_card_shows_source_and_join_where_accepted(app, chatter):
    await chatter.send("/clusters")
    listing = chatter.last_message()
    id_, cluster = app.kb.by_slug("cluster", "interregional-chemical")
    await chatter.press(listing, ClusterCb(id=id_, src="l").pack())
    card = chatter.last_message()
    assert cluster.name.ru in card.text
    assert "Источник:" in card.text and "сведения на" in card.text
    labels = buttons(card)
    assert any("Подать заявку" in b for b in labels)
    assert any("Назад" in b for b in labels)
    # a cluster that does not accept applications has no Join button
    tver_id, _ = app.kb.by_slug("cluster", "tver-chemical")
    await chatter.press(card, ClusterCb(id=tver_id, src="l").pack())
    assert not any("Подать заявку" in b for b in buttons(chatter.last_message()))


async def test_status_filter(app, chatter):
    await chatter.send("/clusters")
    calls = await chatter.press(chatter.last_message(), ClusterListCb(status="creating").pack())
    text = sent_texts(calls)[-1]
    creating = [c.name.ru for _, c in app.kb.clusters if c.status == "creating"]
    active = [c.name.ru for _, c in app.kb.clusters if c.status == "active"]
    assert creating and all(name in text for name in creating)
    assert not any(name in text for name in active)


async def test_region_filter(app, chatter):
    await chatter.send("/clusters")
    regions = app.kb.regions("ru")
    index = regions.index("Тверская область")
    await chatter.press(chatter.last_message(), ClusterListCb(region=index).pack())
    text = chatter.last_message().text
    assert "Тверская область" in text
    assert "Тверской области" in text
    assert "Барнаульский" not in text


async def test_forged_callbacks_are_refused_or_clamped(app, chatter):
    await chatter.send("/clusters")
    listing = chatter.last_message()
    calls = await chatter.press(listing, ClusterCb(id=99999, src="l").pack())
    alerts = answered(calls)
    assert alerts and alerts[0].show_alert and "устарела" in alerts[0].text
    calls = await chatter.press(listing, ClusterListCb(page=500, status="nonsense", region=77).pack())
    assert "Страница 2 из 2" in chatter.last_message().text  # clamped to the last page, filters reset
    calls = await chatter.press(listing, "c:not-a-number:l:0::-1")
    assert not any(isinstance(c, SendMessage) for c in calls)
    calls = await chatter.press(listing, LangCb(code="de").pack())
    assert answered(calls)[0].show_alert


async def test_measures_by_kind_and_card(app, chatter):
    await chatter.send("/support")
    overview = chatter.last_message()
    assert any("Субсидии" in b for b in buttons(overview))
    await chatter.press_text(overview, "Субсидии")
    listing = chatter.last_message()
    assert "Субсидии" in listing.text
    id_, measure = app.kb.measures_of_kind("subsidy")[0]
    await chatter.press(listing, MeasureCb(id=id_).pack())
    card = chatter.last_message()
    assert measure.title.ru in card.text
    assert "Кто может получить" in card.text and "Источник:" in card.text


async def test_question_answers_with_best_match_first(app, chatter):
    calls = await chatter.send("покрышки для грузовиков")
    text = sent_texts(calls)[-1]
    assert "Барнаульский" in text.split("\n")[0]
    row = await app.db.fetchone("SELECT text, best_slug, answered FROM questions ORDER BY id DESC LIMIT 1")
    assert tuple(row) == ("покрышки для грузовиков", "barnaul", 1)


async def test_a_list_question_lists_every_cluster_that_matches(app, chatter):
    calls = await chatter.send("кто выпускает шины")
    text = sent_texts(calls)[-1]
    assert "Барнаульский" in text and "Омской области" in text
    row = await app.db.fetchone("SELECT answered FROM questions ORDER BY id DESC LIMIT 1")
    assert row[0] == 1


async def test_join_question_offers_the_join_button(app, chatter):
    await chatter.send("как вступить")
    answer = chatter.last_message()
    assert "вступить" in answer.text.lower()
    assert any("Подать заявку" in b for b in buttons(answer))


async def test_unknown_question_is_answered_honestly(app, chatter):
    calls = await chatter.send("как приготовить борщ со сметаной")
    assert "Не нашёл" in sent_texts(calls)[-1]
    row = await app.db.fetchone("SELECT answered FROM questions ORDER BY id DESC LIMIT 1")
    assert row[0] == 0


async def test_markup_in_question_is_harmless(app, chatter):
    calls = await chatter.send("<b>шины</b> & <script>")
    text = sent_texts(calls)[-1]
    assert "<script>" not in text


async def test_too_long_question(app, chatter):
    calls = await chatter.send("шины " * 1000)
    assert "слишком длинный" in sent_texts(calls)[-1]


async def test_non_text_messages_get_a_friendly_reply(app, chatter):
    photo = [PhotoSize(file_id="p", file_unique_id="p", width=10, height=10)]
    calls = await chatter.send(None, photo=photo)
    assert "только текст" in sent_texts(calls)[-1]
    sticker = Sticker(file_id="s", file_unique_id="s", type="regular", width=1, height=1, is_animated=False, is_video=False)
    calls = await chatter.send(None, sticker=sticker)
    assert "только текст" in sent_texts(calls)[-1]


async def test_language_switch_is_stored(app, chatter):
    await chatter.send("/language")
    picker = chatter.last_message()
    await chatter.press(picker, LangCb(code="en").pack())
    assert "Main menu" in chatter.last_message().text
    record = await app.users.repo.get(chatter.user.id)
    assert record.locale == "en"
    calls = await chatter.send("/help")
    assert "What I can do" in sent_texts(calls)[-1]


async def test_messages_in_groups_are_not_treated_as_questions(app, chatter):
    from aiogram.types import Chat

    chatter.chat = Chat(id=-100123, type="supergroup", title="Staff")
    calls = await chatter.send("шины")
    assert not [c for c in calls if isinstance(c, SendMessage)]


async def test_user_row_is_upserted_cheaply(app, chatter):
    await chatter.send("/start")
    first = await app.db.fetchone("SELECT last_seen FROM users WHERE id = ?", (chatter.user.id,))
    await chatter.send("/menu")
    second = await app.db.fetchone("SELECT last_seen FROM users WHERE id = ?", (chatter.user.id,))
    assert first[0] == second[0]  # no write within a minute when nothing changed
    chatter.user = chatter.user.model_copy(update={"username": "ivan_new"})
    await chatter.send("/menu")
    row = await app.db.fetchone("SELECT username FROM users WHERE id = ?", (chatter.user.id,))
    assert row[0] == "ivan_new"


async def test_small_talk_is_answered_kindly_and_not_logged(app, chatter):
    calls = await chatter.send("Привет!")
    assert "Чем могу помочь" in sent_texts(calls)[-1]
    calls = await chatter.send("спасибо большое")
    assert "Пожалуйста" in sent_texts(calls)[-1]
    calls = await chatter.send("помощь")
    assert "Что я умею" in sent_texts(calls)[-1]
    row = await app.db.fetchone("SELECT count(*) FROM questions")
    assert row[0] == 0


async def test_questions_asked_while_the_content_reloads_get_the_answer(app):
    """A reload (content imported while the bot runs) rewrites the stored index on the shared
    connection; searches during it are answered from the previous index in memory until the new
    one is swapped in whole, never from half of one."""
    import asyncio

    app.questions.cache_size = 0
    assert (await app.search.search("кто выпускает шины")).confident
    stop = False
    results: list[tuple[bool, str | None]] = []

    async def asker() -> None:
        while not stop:
            found = await app.search.search("кто выпускает шины")
            results.append((found.confident, found.best.slug if found.best else None))
            await asyncio.sleep(0)  # (a search itself needs no database: let the reload run)

    askers = [asyncio.create_task(asker()) for _ in range(4)]
    for _ in range(3):
        await app.kb.reload()
        await asyncio.sleep(0.01)
    stop = True
    await asyncio.gather(*askers)
    assert len(results) > 20
    assert {r for r in results} == {(True, "barnaul")}


async def test_the_cancel_button_under_a_handoff_prompt_ends_it(app, chatter):
    """"Ask a person" with no question yet asks for the text; its Cancel button ends that
    prompt, so the next message is an ordinary question, not a question to staff."""
    from bot.callbacks import HandoffCb

    await chatter.send("/start")
    await chatter.press(chatter.last_message(), HandoffCb(action="ask").pack())
    prompt = chatter.last_message()
    calls = await chatter.press_text(prompt, "Отмен")
    assert len(answered(calls)) == 1
    key = app.dp.fsm.resolve_context(app.bot, chatter.chat.id, chatter.user.id).key
    assert await app.dp.storage.get_state(key) is None
    await chatter.send("какие кластеры есть")
    assert tuple(await app.db.fetchone("SELECT count(*) FROM handoffs")) == (0,)


async def test_pressing_the_same_screen_again_sends_no_edit():
    """Telegram refuses an edit that changes nothing ("message is not modified"): `show` on a
    message that already shows the screen (text and entities as Telegram sends them back)
    makes no request; a different screen is edited."""
    import datetime as dt
    from unittest.mock import AsyncMock

    from aiogram.types import (
        CallbackQuery,
        Chat,
        InlineKeyboardButton,
        InlineKeyboardMarkup,
        Message,
        MessageEntity,
        User,
    )

    from handlers.common import show
    from tests.fake_telegram import parse_html

    text = "<b>Что я умею</b>\n• <i>Кластеры</i> &amp; меры — «Ask» <a href=\"https://example.com\">ссылка</a>"
    markup = InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text="⬅️ Меню", callback_data="m:main")]])
    plain, entities = parse_html(text)
    message = Message(
        message_id=5, date=dt.datetime.now(dt.UTC), chat=Chat(id=1, type="private"), text=plain,
        entities=[MessageEntity(**e) for e in entities], reply_markup=markup,
    )
    bot = AsyncMock()
    message = message.as_(bot)
    callback = CallbackQuery(id="1", from_user=User(id=1, is_bot=False, first_name="A"), chat_instance="c",
                             message=message, data="m:help").as_(bot)
    await show(callback, text, markup)
    assert not bot.mock_calls  # nothing sent: the screen is already shown
    await show(callback, text + " ", markup)
    assert bot.mock_calls  # a different text is an edit
    bot.reset_mock()
    other = InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text="⬅️ Назад", callback_data="m:main")]])
    await show(callback, text, other)
    assert bot.mock_calls  # different buttons: an edit
