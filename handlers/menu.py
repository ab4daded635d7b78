"""/start, /menu, /help and the main menu's buttons."""

from __future__ import annotations

from html import escape

from aiogram import F, Router
from aiogram.filters import Command, CommandStart
from aiogram.types import CallbackQuery, Message

from bot.callbacks import MenuCb
from bot.i18n import Translator
from bot.settings import Settings
from handlers.common import show
from handlers.keyboards import back_to_menu, language_picker, main_menu


def create_router() -> Router:
    router = Router(name="menu")

    @router.message(CommandStart())
    async def start(message: Message, t: Translator, settings: Settings) -> None:
        name = escape(message.from_user.first_name if message.from_user else "", quote=False)
        admin = message.chat.id in settings.admin_ids
        await message.answer(t("start-greeting", name=name), reply_markup=main_menu(t, admin))

    @router.message(Command("menu"))
    async def menu(message: Message, t: Translator, settings: Settings) -> None:
        await message.answer(t("menu-title"), reply_markup=main_menu(t, message.chat.id in settings.admin_ids))

    @router.message(Command("cancel"))
    async def cancel(message: Message, t: Translator) -> None:
        await message.answer(t("nothing-to-cancel"), reply_markup=main_menu(t))

    @router.message(Command("help"))
    async def help_(message: Message, t: Translator) -> None:
        await message.answer(t("help-text"), reply_markup=back_to_menu(t))

    @router.callback_query(MenuCb.filter(F.action == "main"))
    async def menu_cb(callback: CallbackQuery, t: Translator, settings: Settings) -> None:
        await show(callback, t("menu-title"), main_menu(t, callback.from_user.id in settings.admin_ids))
        await callback.answer()

    @router.callback_query(MenuCb.filter(F.action == "help"))
    async def help_cb(callback: CallbackQuery, t: Translator) -> None:
        await show(callback, t("help-text"), back_to_menu(t))
        await callback.answer()

    @router.callback_query(MenuCb.filter(F.action == "ask"))
    async def ask_cb(callback: CallbackQuery, t: Translator) -> None:
        await show(callback, t("ask-prompt"), back_to_menu(t))
        await callback.answer()

    @router.callback_query(MenuCb.filter(F.action == "lang"))
    async def lang_cb(callback: CallbackQuery, t: Translator) -> None:
        await show(callback, t("language-choose"), language_picker())
        await callback.answer()

    return router
