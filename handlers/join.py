"""Entry points of the join dialogue (the dialogue itself arrives with the join-request issue)."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message

from bot.i18n import Translator
from bot.services.knowledge import KnowledgeBase
from bot.views import e
from handlers.callbacks import MenuCb
from handlers.common import show
from handlers.keyboards import back_to_menu


def _text(kb: KnowledgeBase, t: Translator, locale: str) -> str:
    names = [e(c.name.get(locale)[0]) for _, c in kb.accepting_clusters()]
    return t("join-coming", clusters="\n".join(f"• {n}" for n in names) or "—")


def create_router() -> Router:
    router = Router(name="join")

    @router.message(Command("join"))
    async def join_cmd(message: Message, kb: KnowledgeBase, t: Translator, locale: str) -> None:
        await message.answer(_text(kb, t, locale), reply_markup=back_to_menu(t))

    @router.callback_query(MenuCb.filter(F.action == "join"))
    async def join_cb(callback: CallbackQuery, kb: KnowledgeBase, t: Translator, locale: str) -> None:
        await show(callback, _text(kb, t, locale), back_to_menu(t))
        await callback.answer()

    return router
