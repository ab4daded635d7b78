"""Free text is a question: answer with the best match, offer others, or say honestly we don't know."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Filter
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.callbacks import FaqCb, JoinCb, MenuCb, MoreCb
from bot.i18n import Translator
from bot.services.applications import ApplicationService
from bot.services.knowledge import KnowledgeBase
from bot.services.questions import QuestionService
from bot.settings import Settings
from bot.views import faq_card, utf16_len
from handlers.answers import answer_key, feature_answer, render_answer, render_card, without_more
from handlers.common import show
from handlers.filters import CommandText, PrivateChat, QuestionText
from handlers.keyboards import back_to_menu, column, main_menu
from handlers.keyboards import button as make_button
from storage.repositories import UserRepository

MAX_QUESTION = 1000
RENDER_CACHE_SIZE = 4096
SMALLTALK_KEYS = {"greeting": "smalltalk-greeting", "thanks": "smalltalk-thanks", "help": "help-text"}


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
    rendered_cache: dict[tuple[tuple, str, int], tuple[str, InlineKeyboardMarkup]] = {}

    @router.message(*filters)
    async def question(
        message: Message, questions: QuestionService, kb: KnowledgeBase, t: Translator, locale: str,
        settings: Settings, user_repo: UserRepository, applications: ApplicationService,
    ) -> None:
        text = message.text or ""
        if utf16_len(text) > MAX_QUESTION:
            await message.answer(t("question-too-long", limit=MAX_QUESTION))
            return
        user_id = message.from_user.id if message.from_user else None
        result = await questions.ask(user_id, text, locale)
        if result.intent in SMALLTALK_KEYS:
            await message.answer(t(SMALLTALK_KEYS[result.intent]), reply_markup=main_menu(t))
            return
        if result.feature is not None and user_id is not None:
            # the function itself: depends on the user (their applications, subscription), not cached
            answer = await feature_answer(
                result.feature, user_id=user_id, kb=kb, t=t, locale=locale, admin=user_id in settings.admin_ids,
                user_repo=user_repo, applications=applications, questions=questions,
            )
            if answer is not None:
                await message.answer(answer[0], reply_markup=answer[1])
                return
        # the same answer for the same result: rendered once per content version
        key = (answer_key(result), locale, kb.generation)
        rendered = rendered_cache.get(key)
        if rendered is None:
            rendered = render_answer(kb, t, locale, result)
            rendered_cache[key] = rendered
            if len(rendered_cache) > RENDER_CACHE_SIZE:
                rendered_cache.pop(next(iter(rendered_cache)))
        await message.answer(rendered[0], reply_markup=rendered[1])


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

    @router.callback_query(MoreCb.filter())
    async def more(
        callback: CallbackQuery, callback_data: MoreCb, kb: KnowledgeBase, t: Translator, locale: str
    ) -> None:
        """"Подробнее": the full card in place of the short answer, its other buttons kept."""
        rendered = render_card(kb, t, locale, callback_data.kind, callback_data.id)
        if rendered is None:  # a forged id, or the entry went with a content update
            await callback.answer(t("error-outdated"), show_alert=True)
            return
        card, join = rendered
        message = callback.message if isinstance(callback.message, Message) else None
        markup = without_more(message.reply_markup) if message is not None else None
        if markup is None or not markup.inline_keyboard:
            buttons = [make_button(t("btn-join"), join)] if join is not None else []
            markup = column([*buttons, make_button(t("btn-menu"), MenuCb(action="main"))])
        await show(callback, card, markup)
        await callback.answer()

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
