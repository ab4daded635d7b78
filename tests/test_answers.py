"""Issue 9, the rendering side: short answers with "Подробнее", list answers built from the data,
the bot's own functions answered with the function, through the dispatcher.

The search is stubbed (`SearchService.search` returns the result a test builds), so these
tests depend on how answers are shown, not on how well the search understands a question."""

from __future__ import annotations

import datetime as dt

import pytest
from aiogram.methods import EditMessageText, SendMessage
from aiogram.types import User

from bot.callbacks import ClusterCb, JoinCb, LangCb, MenuCb, MoreCb, PrivacyCb, SubCb
from bot.services.search import Hit, Listing, SearchResult
from bot.views import first_sentences, short, utf16_len, visible_length
from handlers.answers import LIST_SHOWN
from handlers.applicant import Conversation
from handlers.join import JoinForm
from storage.models import LList, LText
from tests.conftest import Chatter, answered, sent_texts
from tests.fake_telegram import parse_html

OTHER_USER = 777
GOOD_INN = "7707083893"


def hit(app, kind: str, slug: str, score: float = 0.9) -> Hit:
    id_, entry = app.kb.by_slug(kind, slug)
    title = entry.name.ru if kind == "cluster" else entry.title.ru if kind == "measure" else entry.question.ru
    return Hit(kind, id_, slug, title, score)


def answer_with(app, build) -> None:  # noqa: ANN001
    """Every question is answered with `build(text)` (a SearchResult) instead of searching."""

    async def search(text: str, *, locale: str = "ru", limit: int = 5) -> SearchResult:
        return build(text)

    app.search.search = search  # the QuestionService's search: logging and "last" stay real
    app.questions.cache_size = 0


def buttons(message) -> list[tuple[str, str]]:  # noqa: ANN001
    return [(b.text, b.callback_data) for row in message.reply_markup.inline_keyboard for b in row]


def labels(message) -> list[str]:  # noqa: ANN001
    return [text for text, _ in buttons(message)]


def plain(html: str) -> str:
    return parse_html(html)[0]


async def state_of(app, chatter: Chatter) -> str | None:  # noqa: ANN001
    ctx = app.dp.fsm.get_context(bot=app.bot, chat_id=chatter.chat.id, user_id=chatter.user.id)
    return await ctx.get_state()


def draft(app, **kw) -> dict:  # noqa: ANN001, ANN003
    cluster_id, _ = app.kb.by_slug("cluster", "interregional-chemical")
    return {
        "cluster_id": cluster_id, "org_name": "ООО «Химпром»", "inn": GOOD_INN, "region": "Омская область",
        "products": "Растворители", "contact_name": "Иванова Мария", "phone": "+79123456789",
        "email": "info@himprom.ru", "consent_at": dt.datetime.now(dt.UTC).isoformat(), **kw,
    }


# ---- short answers -------------------------------------------------------------------------------

async def test_a_short_answer_first_and_the_full_card_behind_more(app, chatter):
    barnaul, omsk = hit(app, "cluster", "barnaul"), hit(app, "cluster", "omsk-petrochemical", 0.6)
    answer_with(app, lambda text: SearchResult(text, hits=[barnaul, omsk]))
    calls = await chatter.send("кто делает шины")
    short_answer = chatter.last_message()
    text = short_answer.text
    cluster = app.kb.cluster(barnaul.id)
    assert text.splitlines()[0] == cluster.name.ru
    assert "действующий" in text and "заявки через этот бот не принимает" in text
    assert "Алтайский край" in text and "шины" in text
    assert "Источник:" in text and "по данным на " + cluster.as_of.strftime("%d.%m.%Y") in text
    assert cluster.description.ru[:60] not in text  # the description is the full card's
    assert len(text.splitlines()) <= 7  # 5 lines and "see also"
    assert visible_length(sent_texts(calls)[-1]) < 700
    assert labels(short_answer)[0] == "📄 Подробнее"
    assert any(label.startswith("🔎 Нефтехимический") for label in labels(short_answer))  # see also
    assert labels(short_answer)[-2:] == ["🙋 Спросить сотрудника", "☰ Меню"]

    calls = await chatter.press(short_answer, MoreCb(kind="cluster", id=barnaul.id).pack())
    edits = [c for c in calls if isinstance(c, EditMessageText)]
    assert len(edits) == 1 and edits[0].message_id == short_answer.message_id  # in place
    full = chatter.last_message()
    assert cluster.description.ru[:60] in full.text and "Участники:" in full.text
    assert "📄 Подробнее" not in labels(full)  # the other buttons stay
    assert any(label.startswith("🔎 Нефтехимический") for label in labels(full))
    assert labels(full)[-2:] == ["🙋 Спросить сотрудника", "☰ Меню"]
    assert len(answered(calls)) == 1


async def test_the_join_button_stays_where_the_cluster_takes_applications(app, chatter):
    inter = hit(app, "cluster", "interregional-chemical")
    answer_with(app, lambda text: SearchResult(text, hits=[inter]))
    await chatter.send("растворители")
    short_answer = chatter.last_message()
    assert "принимает заявки" in short_answer.text
    assert ("📝 Подать заявку на вступление", JoinCb(cluster=inter.id).pack()) in buttons(short_answer)
    await chatter.press(short_answer, MoreCb(kind="cluster", id=inter.id).pack())
    assert ("📝 Подать заявку на вступление", JoinCb(cluster=inter.id).pack()) in buttons(chatter.last_message())


async def test_a_faq_answer_is_its_first_sentences_cut_at_a_sentence_end(app, chatter):
    faq = hit(app, "faq", "what-is-industrial-cluster")
    answer_with(app, lambda text: SearchResult(text, hits=[faq]))
    await chatter.send("что такое кластер")
    text = chatter.last_message().text
    answer = app.kb.faq_entry(faq.id).answer.ru
    body = text.splitlines()[1]
    assert answer.startswith(body) and body.endswith(".") and len(body) < len(answer)
    assert "Источник:" in text.splitlines()[-1]


async def test_a_measure_answer_says_what_it_gives_to_whom_and_on_what_basis(app, chatter):
    measure = hit(app, "measure", "pp41-joint-projects")
    answer_with(app, lambda text: SearchResult(text, hits=[measure]))
    await chatter.send("субсидия на совместные проекты")
    message = chatter.last_message()
    lines = message.text.splitlines()
    assert "Субсидии" in lines[0]
    assert any(line.startswith("Кто может получить:") for line in lines)
    assert any(line.startswith("Основание:") for line in lines)
    assert lines[-1].startswith("Источник:")
    await chatter.press(message, MoreCb(kind="measure", id=measure.id).pack())
    assert "Как получить:" in chatter.last_message().text  # the full card


@pytest.mark.parametrize("data", [
    MoreCb(kind="cluster", id=99999).pack(),
    MoreCb(kind="faq", id=-1).pack(),
    MoreCb(kind="users", id=1).pack(),
    "mo:cluster:not-a-number",
    "mo:" + "x" * 60,
])
async def test_a_forged_more_press_is_answered_outdated_and_shows_nothing(app, chatter, data):
    answer_with(app, lambda text: SearchResult(text, hits=[hit(app, "cluster", "barnaul")]))
    await chatter.send("шины")
    calls = await chatter.press(chatter.last_message(), data)
    assert not [c for c in calls if isinstance(c, SendMessage | EditMessageText)]
    (reply,) = answered(calls)
    assert "устарела" in reply.text and reply.show_alert


async def test_more_for_an_entry_removed_meanwhile_is_outdated(app, chatter):
    faq = hit(app, "faq", "contacts")
    answer_with(app, lambda text: SearchResult(text, hits=[faq]))
    await chatter.send("как связаться с ассоциацией")
    message = chatter.last_message()
    async with app.db.transaction() as conn:  # the entry is deleted from the knowledge base
        await conn.execute("DELETE FROM faq WHERE slug = 'contacts'")
    await app.kb.reload()
    calls = await chatter.press(message, MoreCb(kind="faq", id=faq.id).pack())
    assert "устарела" in answered(calls)[0].text


async def test_the_contacts_entry_offers_a_person_and_invents_nothing(app, chatter):
    found = app.kb.by_slug("faq", "contacts")
    assert found is not None
    entry = found[1]
    for text in (entry.answer.ru, entry.answer.en):
        assert "@" not in text and "+7" not in text and "http" not in text  # no unsourced contact
    answer_with(app, lambda text: SearchResult(text, hits=[hit(app, "faq", "contacts")]))
    await chatter.send("как связаться с ассоциацией")
    message = chatter.last_message()
    assert "Спросить сотрудника" in message.text and "🙋 Спросить сотрудника" in labels(message)


# ---- list answers --------------------------------------------------------------------------------

async def test_a_list_question_lists_every_match_with_a_button_each(app, chatter):
    barnaul, omsk = hit(app, "cluster", "barnaul"), hit(app, "cluster", "omsk-petrochemical")
    listing = Listing("cluster", "product", "шины", hits=[barnaul, omsk])
    answer_with(app, lambda text: SearchResult(text, hits=[barnaul, omsk], listing=listing))
    await chatter.send("кто делает шины")
    message = chatter.last_message()
    lines = message.text.splitlines()
    assert lines[0] == "Кластеры, выпускающие шины: 2"
    assert any(barnaul.title in line and "шины" in line and "🟢" in line for line in lines)
    assert any(omsk.title in line and "шины" in line for line in lines)
    cards = [data for _, data in buttons(message) if data.startswith("c:")]
    assert cards == [ClusterCb(id=barnaul.id, src="q").pack(), ClusterCb(id=omsk.id, src="q").pack()]
    assert not any("Подать заявку" in label for label in labels(message))  # neither takes applications
    calls = await chatter.press(message, cards[1])
    assert app.kb.cluster(omsk.id).description.ru[:50] in sent_texts(calls)[-1]  # its full card
    assert len(answered(calls)) == 1


async def test_a_listing_counts_every_match_though_it_holds_the_best_only(app, chatter):
    """A big catalogue's listing holds its best entries (bot.services.search.LISTING_KEEP);
    the heading and the "…and N more" line count every match."""
    barnaul, omsk = hit(app, "cluster", "barnaul"), hit(app, "cluster", "omsk-petrochemical")
    listing = Listing("cluster", "product", "шины", hits=[barnaul, omsk], total=40)
    answer_with(app, lambda text: SearchResult(text, hits=[barnaul, omsk], listing=listing))
    await chatter.send("кто делает шины")
    lines = chatter.last_message().text.splitlines()
    assert lines[0] == "Кластеры, выпускающие шины: 40"
    assert "…и ещё 28 — полный список по кнопке ниже." in lines


async def test_an_empty_listing_says_none_where_the_clusters_are_and_the_closest_with_join(app, chatter):
    inter = hit(app, "cluster", "interregional-chemical")
    listing = Listing("cluster", "region", "Республика Татарстан", closest=[inter])
    answer_with(app, lambda text: SearchResult(text, listing=listing))
    await chatter.send("кластер в Татарстане есть?")
    message = chatter.last_message()
    text = message.text
    assert text.splitlines()[0] == "В регионе «Республика Татарстан» кластеров в каталоге нет."
    for region in ("Алтайский край", "Тверская область", "Омская область"):
        assert region in text  # where the clusters are
    assert inter.title in text and "принимает заявки" in text
    assert ("📝 Подать заявку на вступление", JoinCb(cluster=inter.id).pack()) in buttons(message)
    calls = await chatter.press(message, JoinCb(cluster=inter.id).pack())
    assert await state_of(app, chatter) is not None and len(answered(calls)) == 1  # the form began


async def test_the_closest_gets_no_join_button_unless_the_data_says_it_takes_applications(app, chatter):
    tver = hit(app, "cluster", "tver-chemical")
    listing = Listing("cluster", "product", "удобрения", closest=[tver])
    answer_with(app, lambda text: SearchResult(text, listing=listing))
    await chatter.send("кто делает удобрения")
    message = chatter.last_message()
    assert message.text.splitlines()[0] == "Кластеров, выпускающих удобрения, в каталоге нет."
    assert tver.title in message.text and "принимает заявки через этот бот" not in message.text
    assert not any("Подать заявку" in label for label in labels(message))
    assert ClusterCb(id=tver.id, src="q").pack() in [data for _, data in buttons(message)]


async def test_a_status_listing(app, chatter):
    tver, inter = hit(app, "cluster", "tver-chemical"), hit(app, "cluster", "interregional-chemical")
    answer_with(app, lambda text: SearchResult(text, listing=Listing("cluster", "status", "creating", hits=[tver])))
    await chatter.send("какие кластеры создаются")
    assert chatter.last_message().text.splitlines()[0] == "Создаваемые кластеры: 1"
    answer_with(app, lambda text: SearchResult(text, listing=Listing("cluster", "accepting", "", hits=[inter])))
    await chatter.send("куда можно подать заявку")
    message = chatter.last_message()
    assert message.text.splitlines()[0] == "Кластеры, которые принимают заявки через этот бот: 1"
    assert "принимает заявки" in message.text.splitlines()[2]


async def test_the_makers_of_a_product_that_take_applications(app, chatter):
    inter, barnaul = hit(app, "cluster", "interregional-chemical"), hit(app, "cluster", "barnaul")
    listing = Listing("cluster", "accepting", "шины", closest=[inter])
    answer_with(app, lambda text: SearchResult(text, listing=listing))
    await chatter.send("В какие из шинных кластеров можно подать заявку через этот бот?")
    message = chatter.last_message()
    assert message.text.splitlines()[0] == (
        "Среди кластеров, выпускающих шины, заявки через этот бот сейчас не принимает ни один.")
    assert inter.title in message.text
    assert ("📝 Подать заявку на вступление", JoinCb(cluster=inter.id).pack()) in buttons(message)
    listing = Listing("cluster", "accepting", "шины", hits=[barnaul])
    answer_with(app, lambda text: SearchResult(text, listing=listing))
    await chatter.send("какие шинные кластеры принимают заявки")
    lines = chatter.last_message().text.splitlines()
    assert lines[0] == "Кластеры, выпускающие шины и принимающие заявки через этот бот: 1"
    assert "шины" in lines[2]  # the line names what the cluster makes


async def test_measure_listings_are_grouped_by_kind(app, chatter):
    subsidies = [hit(app, "measure", "pp41-joint-projects"), hit(app, "measure", "pp41-starter-batches")]
    loan, tax = hit(app, "measure", "frp-development-projects"), hit(app, "measure", "insurance-contributions-64fz")
    answer_with(app, lambda text: SearchResult(text, listing=Listing("measure", "measure-kind", "subsidy", hits=subsidies)))
    await chatter.send("какие есть субсидии")
    message = chatter.last_message()
    assert message.text.splitlines()[0] == "Субсидии: 2"
    assert all(h.title in message.text for h in subsidies)
    assert [data for _, data in buttons(message) if data.startswith("me:")] == [f"me:{h.id}:q" for h in subsidies]

    answer_with(app, lambda text: SearchResult(text, listing=Listing("measure", "all", "", hits=[loan, tax, *subsidies])))
    await chatter.send("какие есть меры поддержки")
    lines = chatter.last_message().text.splitlines()
    assert lines[0] == "Меры поддержки: 4"
    headings = [line for line in lines if line in ("Субсидии", "Налоги и взносы", "Займы")]
    assert headings == ["Субсидии", "Налоги и взносы", "Займы"]  # by kind, in the catalogue's order

    answer_with(app, lambda text: SearchResult(
        text, listing=Listing("measure", "measure-kind", "loan+subsidy", hits=[loan, *subsidies])))
    await chatter.send("какие есть займы и субсидии")  # several kinds: the measures' heading, by kind
    lines = chatter.last_message().text.splitlines()
    assert lines[0] == "Меры поддержки: 3"
    assert [line for line in lines if line in ("Субсидии", "Займы")] == ["Субсидии", "Займы"]

    answer_with(app, lambda text: SearchResult(text, listing=Listing("measure", "measure-kind", "loan")))
    await chatter.send("какие есть займы")
    text = chatter.last_message().text
    assert text.splitlines()[0] == "Займы: таких мер в каталоге нет."
    assert "В каталоге есть: Субсидии (2)" in text


async def test_hostile_titles_and_asked_values_are_escaped_and_long_listings_fit(app, chatter):
    clusters = [c for _, c in app.kb.clusters]
    base = clusters[0]
    evil = "<b>Кластер</b> & <script>x</script> «Х» " + "слово " * 60
    many = [
        base.model_copy(update={
            "slug": f"evil-{i}", "accepts_applications": False,
            "name": LText(ru=f"{i} {evil}"[:3000]),
            "regions": LList(ru=[f"Регион <{i}> & " + "р" * 200]),
            "products": LList(ru=["шины <i>&amp;</i> " + "п" * 300]),
        })
        for i in range(40)
    ]
    await app.kb.repo.replace_all([*clusters, *many], [m for _, m in app.kb.measures], [f for _, f in app.kb.faq])
    await app.kb.reload()
    hits = [hit(app, "cluster", c.slug) for c in many]
    value = "<b>шины</b> & <script>"
    answer_with(app, lambda text: SearchResult(text, hits=hits[:2], listing=Listing("cluster", "product", value, hits=hits)))
    calls = await chatter.send("кто делает шины")  # Chatter checks every text as Telegram would
    html = sent_texts(calls)[-1]
    assert "<script>" not in html and "&lt;script&gt;" in html and "&lt;b&gt;Кластер" in html
    assert visible_length(html) <= 4096
    message = chatter.last_message()
    entry_buttons = [b for b in buttons(message) if b[1].startswith("c:")]
    assert len(entry_buttons) == LIST_SHOWN
    assert f"…и ещё {40 - LIST_SHOWN}" in message.text
    for text, data in buttons(message):
        assert utf16_len(text) <= 60 and len(data.encode()) <= 64
        assert not text.endswith(" …")

    answer_with(app, lambda text: SearchResult(text, hits=hits[:3]))  # a short answer and see-also
    calls = await chatter.send("шины")
    html = sent_texts(calls)[-1]
    assert "<script>" not in html and visible_length(html) < 1200
    for text, _ in buttons(chatter.last_message()):
        assert utf16_len(text) <= 60


# ---- the bot's own functions ---------------------------------------------------------------------

def feature(name: str):  # noqa: ANN201
    return lambda text: SearchResult(text, feature=name)


async def test_unsubscribe_asked_in_words_really_unsubscribes(app, chatter):
    answer_with(app, feature("unsubscribe"))
    await chatter.send("/start")
    await chatter.send("как отписаться от рассылки")
    message = chatter.last_message()
    assert "отписаться" in message.text
    assert ("🔕 Отписаться от рассылок", SubCb(on=0).pack()) in buttons(message)
    calls = await chatter.press(message, SubCb(on=0).pack())
    assert (await app.users.repo.get(chatter.user.id)).subscribed is False
    assert len(answered(calls)) == 1

    await chatter.send("отпишите меня")  # again: already unsubscribed, and the way back
    message = chatter.last_message()
    assert "уже отписаны" in message.text
    answer_with(app, feature("subscribe"))
    await chatter.send("хочу получать рассылку")
    message = chatter.last_message()
    assert ("🔔 Подписаться на рассылки", SubCb(on=1).pack()) in buttons(message)
    await chatter.press(message, SubCb(on=1).pack())
    assert (await app.users.repo.get(chatter.user.id)).subscribed is True


async def test_my_applications_lists_the_users_own_and_never_anyone_elses(app, chatter):
    other = User(id=OTHER_USER, is_bot=False, first_name="Пётр")
    others = await app.applications.submit(other, draft(app, org_name="ООО «Чужое»"), "ru", "v1")
    answer_with(app, feature("applications"))
    await chatter.send("где моя заявка")
    message = chatter.last_message()
    assert "нет заявок" in message.text and others.number not in message.text
    assert ("📝 Подать заявку на вступление", JoinCb().pack()) in buttons(message)

    me = User(id=chatter.user.id, is_bot=False, first_name="Иван")
    mine = await app.applications.submit(me, draft(app, inn="7830002293"), "ru", "v1")
    await chatter.send("какой статус моей заявки")
    message = chatter.last_message()
    assert mine.number in message.text and others.number not in message.text
    assert f"ma:{others.id}" not in [data for _, data in buttons(message)]
    calls = await chatter.press(message, f"ma:{mine.id}")
    assert mine.number in chatter.last_message().text and len(answered(calls)) == 1
    calls = await chatter.press(message, f"ma:{others.id}")  # a forged press for another's
    assert "устарела" in answered(calls)[0].text and "Чужое" not in chatter.last_message().text


async def test_language_asked_in_words_switches_it(app, chatter):
    answer_with(app, feature("language"))
    await chatter.send("как поменять язык")
    message = chatter.last_message()
    assert LangCb(code="en").pack() in [data for _, data in buttons(message)]
    await chatter.press(message, LangCb(code="en").pack())
    assert (await app.users.repo.get(chatter.user.id)).locale == "en"


async def test_privacy_asked_in_words_shows_what_is_kept_and_the_way_to_delete(app, chatter):
    answer_with(app, feature("privacy"))
    await chatter.send("удалите мои данные")
    message = chatter.last_message()
    assert "хранит" in message.text and "Отзыв согласия" in message.text
    data = [d for _, d in buttons(message)]
    assert PrivacyCb(action="withdraw", uid=chatter.user.id).pack() in data
    await chatter.press(message, MenuCb(action="privacy").pack())
    assert "Ваши данные в боте" in chatter.last_message().text
    await chatter.send("удалите мои данные")
    calls = await chatter.press(chatter.last_message(), PrivacyCb(action="withdraw", uid=chatter.user.id).pack())
    assert "Отозвать" in sent_texts(calls)[-1] or "отозвать" in sent_texts(calls)[-1]  # confirmation first
    assert (await app.users.repo.get(chatter.user.id)).subscribed is True  # nothing deleted yet


async def test_a_person_asked_for_hands_off_the_question_asked_before(app, chatter):
    answer_with(app, lambda text: SearchResult(text, feature="human") if "человек" in text else SearchResult(text))
    await chatter.send("позовите человека")  # nothing asked before: the button asks for the question
    message = chatter.last_message()
    assert "напишите вопрос" in message.text
    await chatter.press(message, "ho:ask:0")
    assert await state_of(app, chatter) == Conversation.handoff_text.state
    await chatter.send("/cancel")

    await chatter.send("нужна субсидия на <b>оборудование</b> & сырьё")
    await chatter.send("можно с человеком поговорить?")
    message = chatter.last_message()
    assert "нужна субсидия на &lt;b&gt;оборудование" in message.html_text
    calls = await chatter.press(message, "ho:ask:0")
    row = await app.db.fetchone("SELECT text FROM handoffs WHERE user_id = ?", (chatter.user.id,))
    assert row[0] == "нужна субсидия на <b>оборудование</b> & сырьё"  # not "можно с человеком…"
    assert len(answered(calls)) == 1


async def test_help_and_join_asked_in_words(app, chatter):
    answer_with(app, feature("help"))
    await chatter.send("что ты умеешь")
    assert "Что я умею" in chatter.last_message().text
    answer_with(app, feature("join"))
    await chatter.send("хочу вступить")
    message = chatter.last_message()
    assert ("📝 Подать заявку на вступление", JoinCb().pack()) in buttons(message)
    more = [d for text, d in buttons(message) if text == "📄 Подробнее"]
    assert more
    calls = await chatter.press(message, more[0])
    assert "Как вступить" in chatter.last_message().text and len(answered(calls)) == 1
    await chatter.press(chatter.last_message(), JoinCb().pack())
    assert await state_of(app, chatter) == JoinForm.cluster.state


async def test_an_unknown_feature_falls_back_to_the_answer(app, chatter):
    answer_with(app, lambda text: SearchResult(text, feature="teleport"))
    calls = await chatter.send("телепортируй меня")
    assert "Не нашёл" in sent_texts(calls)[-1]


async def test_every_answer_press_is_answered_once(app, chatter):
    inter = hit(app, "cluster", "interregional-chemical")
    answer_with(app, lambda text: SearchResult(text, hits=[inter, hit(app, "faq", "how-to-join", 0.5)]))
    await chatter.send("растворители")
    message = chatter.last_message()
    for _, data in buttons(message):
        calls = await chatter.press(message, data)
        assert len(answered(calls)) == 1, data


# ---- the helpers ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "limit", "expected"), [
    ("Нефтехимический промышленный кластер Омской области", 30, "Нефтехимический промышленный…"),
    ("Кластер, который делает шины", 17, "Кластер, который…"),
    ("Кластер, который делает шины", 16, "Кластер…"),
    ("Кластер: шины", 11, "Кластер…"),  # no dangling punctuation before "…"
    ("Коротко", 60, "Коротко"),
    ("Сверхдлинноесловобезпробелов", 10, "Сверхдлин…"),  # one long word: cut inside, no other way
])
def test_short_cuts_at_a_word_boundary(text, limit, expected):
    assert short(text, limit) == expected


def test_short_counts_utf16_and_never_splits_an_emoji():
    family = "👨\u200d👩\u200d👧"  # one emoji of 5 code points, 8 UTF-16 units
    assert utf16_len(short("🏭" * 40, 11)) <= 11 and short("🏭" * 40, 11) == "🏭" * 5 + "…"
    cut = short(family * 5, 12)
    assert cut == family + "…"  # the second family would not fit whole: not half of it
    assert short("Шины 🇷🇺🇷🇺🇷🇺 и резина", 9) == "Шины…"
    accented = "e\u0301" * 20  # é as e + combining accent
    assert not short(accented, 6)[:-1].endswith("e")
    assert utf16_len(short("x" * 100, 64)) == 64


def test_first_sentences_stop_at_a_sentence_not_an_abbreviation():
    text = "Директор — М. Лабудин. По ст. 20 закона меры действуют. Третье предложение."
    assert first_sentences(text, 300, 1) == "Директор — М. Лабудин."
    assert first_sentences(text, 300, 2) == "Директор — М. Лабудин. По ст. 20 закона меры действуют."
    assert first_sentences(text, 30, 2) == "Директор — М. Лабудин."
    long = "Очень " * 100 + "длинное предложение."
    cut = first_sentences(long, 50)
    assert utf16_len(cut) <= 50 and cut.endswith("…") and not cut.endswith(" …")
