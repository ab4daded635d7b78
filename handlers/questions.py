"""Free text is a question: answer with the best match, offer others, or say honestly we don't know."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.i18n import Translator
from bot.services.knowledge import KnowledgeBase
from bot.services.questions import QuestionService
from bot.services.search import Hit, SearchResult
from bot.views import cluster_card, faq_card, measure_card, short
from handlers.callbacks import ClusterCb, FaqCb, MeasureCb, MenuCb
from handlers.keyboards import back_to_menu, main_menu

MAX_QUESTION = 1000
SMALLTALK_KEYS = {"greeting": "smalltalk-greeting", "thanks": "smalltalk-thanks", "help": "help-text"}


def hit_button(b: InlineKeyboardBuilder, hit: Hit) -> None:
    text = "🔎 " + short(hit.title, 55)
    if hit.kind == "cluster":
        b.button(text=text, callback_data=ClusterCb(id=hit.id, src="q"))
    elif hit.kind == "measure":
        b.button(text=text, callback_data=MeasureCb(id=hit.id, src="q"))
    else:
        b.button(text=text, callback_data=FaqCb(id=hit.id))


def render_hit(kb: KnowledgeBase, t: Translator, locale: str, hit: Hit) -> tuple[str, bool]:
    """(card html, accepts applications)."""
    if hit.kind == "cluster":
        c = kb.cluster(hit.id)
        assert c is not None
        return cluster_card(t, c, locale), c.accepts_applications
    if hit.kind == "measure":
        m = kb.measure(hit.id)
        assert m is not None
        return measure_card(t, m, locale), False
    f = kb.faq_entry(hit.id)
    assert f is not None
    return faq_card(t, f, locale), f.intent == "join"


def answer_keyboard(t: Translator, result: SearchResult, offer_join: bool, others: list[Hit]) -> InlineKeyboardMarkup:
    b = InlineKeyboardBuilder()
    if offer_join:
        b.button(text=t("btn-join"), callback_data=MenuCb(action="join"))
    for hit in others:
        hit_button(b, hit)
    b.button(text=t("btn-menu"), callback_data=MenuCb(action="main"))
    b.adjust(1)
    return b.as_markup()


def create_router() -> Router:
    router = Router(name="questions")
    router.message.filter(F.chat.type == "private")

    @router.message(F.text & ~F.text.startswith("/"))
    async def question(
        message: Message, questions: QuestionService, kb: KnowledgeBase, t: Translator, locale: str
    ) -> None:
        text = message.text or ""
        if len(text) > MAX_QUESTION:
            await message.answer(t("question-too-long", limit=MAX_QUESTION))
            return
        result = await questions.ask(message.from_user.id if message.from_user else None, text, locale)
        if result.intent in SMALLTALK_KEYS:
            await message.answer(t(SMALLTALK_KEYS[result.intent]), reply_markup=main_menu(t))
            return
        if result.confident:
            best = result.hits[0]
            card, accepts = render_hit(kb, t, locale, best)
            others = result.alternatives()
            if others:
                card += "\n\n" + t("answer-others")
            offer_join = accepts or result.intent == "join"
            await message.answer(card, reply_markup=answer_keyboard(t, result, offer_join, others))
            return
        maybe = [h for h in result.hits[:4] if h.score >= 0.2]
        reply = t("answer-unknown")
        if maybe:
            reply += "\n\n" + t("answer-maybe")
        await message.answer(reply, reply_markup=answer_keyboard(t, result, False, maybe))

    @router.message(F.text.startswith("/"))
    async def unknown_command(message: Message, t: Translator) -> None:
        await message.answer(t("unknown-command"), reply_markup=back_to_menu(t))

    @router.message()
    async def not_text(message: Message, t: Translator) -> None:
        await message.answer(t("only-text"), reply_markup=back_to_menu(t))

    @router.callback_query(FaqCb.filter())
    async def faq(
        callback: CallbackQuery, callback_data: FaqCb, kb: KnowledgeBase, t: Translator, locale: str
    ) -> None:
        f = kb.faq_entry(callback_data.id)
        if f is None:
            await callback.answer(t("error-outdated"), show_alert=True)
            return
        b = InlineKeyboardBuilder()
        if f.intent == "join":
            b.button(text=t("btn-join"), callback_data=MenuCb(action="join"))
        b.button(text=t("btn-menu"), callback_data=MenuCb(action="main"))
        b.adjust(1)
        target = callback.message.chat.id if callback.message else callback.from_user.id
        await callback.bot.send_message(target, faq_card(t, f, locale), reply_markup=b.as_markup())
        await callback.answer()

    return router
