"""Keyboards shared by several routers."""

from __future__ import annotations

from functools import lru_cache

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.callbacks import LangCb, MenuCb
from bot.i18n import Translator


def button(text: str, data: CallbackData) -> InlineKeyboardButton:
    return _button(text, data.pack())


@lru_cache(maxsize=4096)
def _button(text: str, packed: str) -> InlineKeyboardButton:
    """Buttons are validated once and shared (nothing changes a button once built): the same
    few hundred appear under most answers."""
    return InlineKeyboardButton(text=text, callback_data=packed)


def column(buttons: list[InlineKeyboardButton]) -> InlineKeyboardMarkup:
    """One button per row, built directly (the builder deep-copies; this is the hot path)."""
    return InlineKeyboardMarkup(inline_keyboard=[[b] for b in buttons])


_MENUS: dict[tuple[int, bool], InlineKeyboardMarkup] = {}


def main_menu(t: Translator, admin: bool = False) -> InlineKeyboardMarkup:
    cached = _MENUS.get((id(t), admin))
    if cached is None:
        cached = _MENUS[(id(t), admin)] = _build_main_menu(t, admin)
    return cached


def _build_main_menu(t: Translator, admin: bool) -> InlineKeyboardMarkup:
    b = InlineKeyboardBuilder()
    b.button(text=t("menu-clusters"), callback_data=MenuCb(action="clusters"))
    b.button(text=t("menu-measures"), callback_data=MenuCb(action="measures"))
    b.button(text=t("menu-ask"), callback_data=MenuCb(action="ask"))
    b.button(text=t("menu-join"), callback_data=MenuCb(action="join"))
    b.button(text=t("menu-myapps"), callback_data=MenuCb(action="myapps"))
    b.button(text=t("menu-privacy"), callback_data=MenuCb(action="privacy"))
    b.button(text=t("menu-language"), callback_data=MenuCb(action="lang"))
    b.button(text=t("menu-help"), callback_data=MenuCb(action="help"))
    sizes = [2, 2, 2, 2]
    if admin:
        b.button(text=t("menu-broadcast"), callback_data=MenuCb(action="broadcast"))
        sizes.append(1)
    b.adjust(*sizes)
    return b.as_markup()


def back_to_menu(t: Translator) -> InlineKeyboardMarkup:
    b = InlineKeyboardBuilder()
    b.button(text=t("btn-menu"), callback_data=MenuCb(action="main"))
    return b.as_markup()


@lru_cache(maxsize=1)
def language_picker() -> InlineKeyboardMarkup:
    """The same two buttons everywhere: built once (nothing changes a markup once sent)."""
    b = InlineKeyboardBuilder()
    # Language names are shown in their own language on purpose (not translated).
    b.button(text="🇷🇺 Русский", callback_data=LangCb(code="ru"))
    b.button(text="🇬🇧 English", callback_data=LangCb(code="en"))
    b.adjust(2)
    return b.as_markup()
