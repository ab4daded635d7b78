"""/language: choose Russian or English; stored per user."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message

from bot.callbacks import LangCb
from bot.i18n import I18n, Translator
from bot.services.users import UserService
from handlers.common import show
from handlers.keyboards import language_picker, main_menu


def create_router() -> Router:
    router = Router(name="language")

    @router.message(Command("language"))
    async def language(message: Message, t: Translator) -> None:
        await message.answer(t("language-choose"), reply_markup=language_picker())

    @router.callback_query(LangCb.filter())
    async def chosen(
        callback: CallbackQuery, callback_data: LangCb, i18n: I18n, users: UserService
    ) -> None:
        if callback_data.code not in i18n.translators:
            await callback.answer(i18n.get(None)("error-outdated"), show_alert=True)
            return
        await users.set_locale(callback.from_user.id, callback_data.code)
        t = i18n.get(callback_data.code)
        await show(callback, t("language-set") + "\n\n" + t("menu-title"), main_menu(t))
        await callback.answer()

    return router
