"""Free text is a question: answer with the best match, offer others, or say honestly we don't know."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Filter
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.callbacks import ClusterCb, FaqCb, HandoffCb, JoinCb, MeasureCb, MenuCb
from bot.i18n import Translator
from bot.services.knowledge import KnowledgeBase
from bot.services.questions import QuestionService
from bot.services.search import Hit, SearchResult
from bot.views import cluster_card, faq_card, measure_card, short, utf16_len
from handlers.filters import CommandText, PrivateChat, QuestionText
from handlers.keyboards import back_to_menu, button, column, main_menu

MAX_QUESTION = 1000
RENDER_CACHE_SIZE = 4096
SMALLTALK_KEYS = {"greeting": "smalltalk-greeting", "thanks": "smalltalk-thanks", "help": "help-text"}


def hit_button(hit: Hit) -> InlineKeyboardButton:
    text = "🔎 " + short(hit.title, 55)
    if hit.kind == "cluster":
        return button(text, ClusterCb(id=hit.id, src="q"))
    if hit.kind == "measure":
        return button(text, MeasureCb(id=hit.id, src="q"))
    return button(text, FaqCb(id=hit.id))


def render_hit(kb: KnowledgeBase, t: Translator, locale: str, hit: Hit) -> tuple[str, JoinCb | None]:
    """(card html, where its "Join" button leads — None when there is none)."""
    if hit.kind == "cluster":
        c = kb.cluster(hit.id)
        assert c is not None
        return cluster_card(t, c, locale), JoinCb(cluster=hit.id) if c.accepts_applications else None
    if hit.kind == "measure":
        m = kb.measure(hit.id)
        assert m is not None
        return measure_card(t, m, locale), None
    f = kb.faq_entry(hit.id)
    assert f is not None
    return faq_card(t, f, locale), JoinCb() if f.intent == "join" else None


def answer_keyboard(t: Translator, join: JoinCb | None, others: list[Hit]) -> InlineKeyboardMarkup:
    buttons = []
    if join is not None:
        buttons.append(button(t("btn-join"), join))
    buttons.extend(hit_button(hit) for hit in others)
    buttons.append(button(t("btn-ask-person"), HandoffCb(action="ask")))
    buttons.append(button(t("btn-menu"), MenuCb(action="main")))
    return column(buttons)


def render_answer(
    kb: KnowledgeBase, t: Translator, locale: str, result: SearchResult
) -> tuple[str, InlineKeyboardMarkup]:
    if result.confident:
        best = result.hits[0]
        card, join = render_hit(kb, t, locale, best)
        if join is None and result.intent == "join":
            join = JoinCb()
        others = result.alternatives()
        if others:
            card += "\n\n" + t("answer-others")
        return card, answer_keyboard(t, join, others)
    maybe = [h for h in result.hits[:4] if h.score >= 0.2]
    reply = t("answer-unknown")
    if maybe:
        reply += "\n\n" + t("answer-maybe")
    return reply, answer_keyboard(t, None, maybe)


class PlainQuestion(Filter):
    """Private text, not a command, not a reply, and the user in no dialogue: a question and
    nothing else can want it, so it may skip every other router."""

    async def __call__(self, message: Message, raw_state: str | None = None) -> bool:
        text = message.text
        return (
            raw_state is None
            and bool(text)
            and text[0] != "/"  # type: ignore[index]
            and message.reply_to_message is None
            and message.chat.type == "private"
        )


def add_question_handler(router: Router, *filters: Filter) -> None:
    rendered_cache: dict[tuple[int, str, int], tuple[SearchResult, str, InlineKeyboardMarkup]] = {}

    @router.message(*filters)
    async def question(
        message: Message, questions: QuestionService, kb: KnowledgeBase, t: Translator, locale: str
    ) -> None:
        text = message.text or ""
        if utf16_len(text) > MAX_QUESTION:
            await message.answer(t("question-too-long", limit=MAX_QUESTION))
            return
        result = await questions.ask(message.from_user.id if message.from_user else None, text, locale)
        if result.intent in SMALLTALK_KEYS:
            await message.answer(t(SMALLTALK_KEYS[result.intent]), reply_markup=main_menu(t))
            return
        # the same answer for the same result: rendered once per content version
        key = (id(result), locale, kb.index.version)
        rendered = rendered_cache.get(key)
        if rendered is None or rendered[0] is not result:
            rendered = (result, *render_answer(kb, t, locale, result))
            rendered_cache[key] = rendered
            if len(rendered_cache) > RENDER_CACHE_SIZE:
                rendered_cache.pop(next(iter(rendered_cache)))
        await message.answer(rendered[1], reply_markup=rendered[2])


def create_fast_router() -> Router:
    """First in the dispatcher: plain questions (most updates) are answered without passing
    through the dialogue, staff and campaign routers."""
    router = Router(name="questions-fast")
    router.message.filter(PlainQuestion())
    add_question_handler(router)
    return router


def create_router() -> Router:
    """Last in the dispatcher: text nobody else wanted (e.g. a reply to an ordinary message),
    unknown commands, non-text messages, and the answers' buttons."""
    router = Router(name="questions")
    router.message.filter(PrivateChat())
    add_question_handler(router, QuestionText())

    @router.message(CommandText())
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
            b.button(text=t("btn-join"), callback_data=JoinCb())
        b.button(text=t("btn-menu"), callback_data=MenuCb(action="main"))
        b.adjust(1)
        target = callback.message.chat.id if callback.message else callback.from_user.id
        await callback.bot.send_message(target, faq_card(t, f, locale), reply_markup=b.as_markup())
        await callback.answer()

    return router
