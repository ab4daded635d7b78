"""Support measures: an overview by kind, a list per kind, a card per measure."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.callbacks import MeasureCb, MeasureListCb, MenuCb
from bot.i18n import Translator
from bot.services.knowledge import MEASURE_KINDS, KnowledgeBase
from bot.views import e, measure_card, short
from handlers.common import show


def kinds_screen(kb: KnowledgeBase, t: Translator) -> tuple[str, InlineKeyboardMarkup]:
    b = InlineKeyboardBuilder()
    counts = kb.measure_kind_counts()
    for kind in MEASURE_KINDS:
        if counts[kind]:
            b.button(
                text=f"{t('measure-kind-' + kind)} ({counts[kind]})",
                callback_data=MeasureListCb(kind=kind),
            )
    b.button(text=t("btn-menu"), callback_data=MenuCb(action="main"))
    b.adjust(1)
    return t("measures-title", count=len(kb.measures)), b.as_markup()


def kind_screen(kb: KnowledgeBase, t: Translator, locale: str, kind: str) -> tuple[str, InlineKeyboardMarkup]:
    items = kb.measures_of_kind(kind)
    lines = [f"<b>{t('measure-kind-' + kind)}</b>", ""]
    b = InlineKeyboardBuilder()
    for id_, m in items:
        title = m.title.get(locale)[0]
        lines.append(f"• <b>{e(title)}</b>\n  {e(short(m.summary.get(locale)[0], 160))}")
        b.button(text=short(title), callback_data=MeasureCb(id=id_, src="l"))
    b.button(text=t("btn-back"), callback_data=MeasureListCb(kind=""))
    b.button(text=t("btn-menu"), callback_data=MenuCb(action="main"))
    b.adjust(1)
    return "\n".join(lines), b.as_markup()


def card_keyboard(t: Translator, kind: str | None) -> InlineKeyboardMarkup:
    b = InlineKeyboardBuilder()
    if kind is not None:
        b.button(text=t("btn-back"), callback_data=MeasureListCb(kind=kind))
    b.button(text=t("btn-menu"), callback_data=MenuCb(action="main"))
    b.adjust(1)
    return b.as_markup()


def create_router() -> Router:
    router = Router(name="measures")

    @router.message(Command("support"))
    async def measures_cmd(message: Message, kb: KnowledgeBase, t: Translator) -> None:
        text, markup = kinds_screen(kb, t)
        await message.answer(text, reply_markup=markup)

    @router.callback_query(MenuCb.filter(F.action == "measures"))
    async def measures_menu(callback: CallbackQuery, kb: KnowledgeBase, t: Translator) -> None:
        text, markup = kinds_screen(kb, t)
        await show(callback, text, markup)
        await callback.answer()

    @router.callback_query(MeasureListCb.filter())
    async def measures_list(
        callback: CallbackQuery, callback_data: MeasureListCb, kb: KnowledgeBase, t: Translator, locale: str
    ) -> None:
        if callback_data.kind in MEASURE_KINDS:
            text, markup = kind_screen(kb, t, locale, callback_data.kind)
        else:
            text, markup = kinds_screen(kb, t)
        await show(callback, text, markup)
        await callback.answer()

    @router.callback_query(MeasureCb.filter())
    async def measure(
        callback: CallbackQuery, callback_data: MeasureCb, kb: KnowledgeBase, t: Translator, locale: str
    ) -> None:
        m = kb.measure(callback_data.id)
        if m is None:
            await callback.answer(t("error-outdated"), show_alert=True)
            return
        text = measure_card(t, m, locale)
        if callback_data.src == "l":
            await show(callback, text, card_keyboard(t, m.kind))
        else:
            target = callback.message.chat.id if callback.message else callback.from_user.id
            await callback.bot.send_message(target, text, reply_markup=card_keyboard(t, None))
        await callback.answer()

    return router
