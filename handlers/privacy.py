"""/privacy: what the bot stores about the user, a download of all of it, the subscription, and
the withdrawal of consent that erases their personal data (asked to confirm first).

Everything acts on the user who pressed, in their own private chat: a button whose `uid` is not
theirs, or that comes from another chat, is refused and changes nothing.
"""

from __future__ import annotations

import datetime as dt

from aiogram import F, Router
from aiogram.filters import Command, Filter
from aiogram.fsm.context import FSMContext
from aiogram.types import (
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardMarkup,
    Message,
    ReplyKeyboardRemove,
)

from bot.callbacks import MenuCb, PrivacyCb
from bot.i18n import Translator
from bot.services.privacy import PrivacyService
from bot.settings import Settings
from bot.views import privacy_confirm, privacy_done, privacy_screen
from handlers.common import show
from handlers.keyboards import button, main_menu
from storage.privacy import Overview
from storage.repositories import UserRepository

# the join dialogue's phone step shows a reply keyboard that must go with the dialogue
PHONE_STEP = "JoinForm:phone"


class PrivacyCommand(Filter):
    """Lets every other message skip this router with one check."""

    async def __call__(self, message: Message) -> bool:
        text = message.text
        return message.chat.type == "private" and bool(text) and text.startswith("/privacy")  # type: ignore[union-attr]


def keyboard(t: Translator, user_id: int, overview: Overview) -> InlineKeyboardMarkup:
    subscribed = overview.profile is None or overview.profile.subscribed
    rows = [
        [button(t("privacy-btn-download"), PrivacyCb(action="download", uid=user_id))],
        [button(t("privacy-btn-unsubscribe") if subscribed else t("privacy-btn-subscribe"),
                PrivacyCb(action="unsub" if subscribed else "sub", uid=user_id))],
        [button(t("privacy-btn-withdraw"), PrivacyCb(action="withdraw", uid=user_id))],
        [button(t("btn-menu"), MenuCb(action="main"))],
    ]
    return InlineKeyboardMarkup(inline_keyboard=rows)


def confirm_keyboard(t: Translator, user_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[
        [button(t("privacy-btn-confirm"), PrivacyCb(action="confirm", uid=user_id))],
        [button(t("btn-cancel"), PrivacyCb(action="show", uid=user_id))],
    ])


def is_own(callback: CallbackQuery, data: PrivacyCb) -> bool:
    """The button is the presser's: their id in it, and (if the message is known) their chat."""
    user_id = callback.from_user.id
    message = callback.message
    return data.uid == user_id and (message is None or message.chat.id == user_id)


def create_router() -> Router:
    router = Router(name="privacy")
    router.message.filter(PrivacyCommand())

    async def screen(user_id: int, privacy: PrivacyService, t: Translator,
                     locale: str) -> tuple[str, InlineKeyboardMarkup]:
        overview = await privacy.overview(user_id)
        return privacy_screen(t, overview, locale), keyboard(t, user_id, overview)

    @router.message(Command("privacy"))
    async def privacy_cmd(message: Message, privacy: PrivacyService, t: Translator, locale: str) -> None:
        if message.from_user is None:
            return
        text, markup = await screen(message.from_user.id, privacy, t, locale)
        await message.answer(text, reply_markup=markup)

    @router.callback_query(MenuCb.filter(F.action == "privacy"))
    async def privacy_menu(callback: CallbackQuery, privacy: PrivacyService, t: Translator, locale: str) -> None:
        if callback.message is not None and callback.message.chat.id != callback.from_user.id:
            # only ever in the user's own private chat: never over a message in a group
            await callback.answer(t("error-outdated"), show_alert=True)
            return
        text, markup = await screen(callback.from_user.id, privacy, t, locale)
        await show(callback, text, markup)
        await callback.answer()

    @router.callback_query(PrivacyCb.filter())
    async def pressed(callback: CallbackQuery, callback_data: PrivacyCb, state: FSMContext, settings: Settings,
                      privacy: PrivacyService, user_repo: UserRepository, t: Translator, locale: str) -> None:
        if not is_own(callback, callback_data):  # never trust the button
            await callback.answer(t("error-outdated"), show_alert=True)
            return
        user_id = callback.from_user.id
        action = callback_data.action
        if action in ("sub", "unsub"):
            await user_repo.set_subscribed(user_id, action == "sub")
            await callback.answer(t("privacy-subscribed-now") if action == "sub" else t("privacy-unsubscribed-now"))
            await show(callback, *await screen(user_id, privacy, t, locale))
        elif action == "show":
            await callback.answer()
            await show(callback, *await screen(user_id, privacy, t, locale))
        elif action == "download":
            await callback.answer(t("privacy-download-wait"))
            # an unfinished application is the join dialogue's draft; other dialogues' data isn't
            # the user's personal data (an admin's campaign draft, a reply being written)
            in_join = (await state.get_state() or "").startswith("JoinForm:")
            data = await privacy.export(user_id, t, locale, await state.get_data() if in_join else None)
            name = f"my-data-{dt.datetime.now(dt.UTC):%Y-%m-%d}.json"
            await callback.bot.send_document(
                user_id, BufferedInputFile(data, name), caption=t("privacy-download-caption")
            )
        elif action == "withdraw":
            await callback.answer()
            overview = await privacy.overview(user_id)
            await show(callback, privacy_confirm(t, overview), confirm_keyboard(t, user_id))
        elif action == "confirm":
            was = await state.get_state()
            withdrawal = await privacy.withdraw(user_id)
            await state.clear()
            await callback.answer()
            if was == PHONE_STEP:
                await callback.bot.send_message(user_id, t("privacy-dialogue-closed"), reply_markup=ReplyKeyboardRemove())
            await show(callback, privacy_done(t, withdrawal), main_menu(t, user_id in settings.admin_ids))
        else:
            await callback.answer(t("error-outdated"), show_alert=True)

    return router
