"""Small helpers for handlers: show a screen by editing in place when possible."""

from __future__ import annotations

from aiogram.exceptions import TelegramBadRequest
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message


async def show(
    callback: CallbackQuery, text: str, markup: InlineKeyboardMarkup | None = None
) -> None:
    """Edit the message the button belongs to; send a new one if it can't be edited."""
    message = callback.message
    if isinstance(message, Message) and message.text is not None:
        if _unchanged(message, text, markup):
            return  # the same screen pressed again: Telegram would refuse the edit
        try:
            await message.edit_text(text, reply_markup=markup)
            return
        except TelegramBadRequest as exc:
            if "message is not modified" in exc.message:
                return
            if "message to edit not found" not in exc.message and "can't be edited" not in exc.message:
                raise
    if callback.message is not None:
        await callback.bot.send_message(callback.message.chat.id, text, reply_markup=markup)
    else:
        await callback.bot.send_message(callback.from_user.id, text, reply_markup=markup)


def _unchanged(message: Message, text: str, markup: InlineKeyboardMarkup | None) -> bool:
    """Whether the message already shows this text and these buttons (as far as the update
    tells: its text rendered back to HTML; a formatting difference just means an edit)."""
    try:
        same_text = message.html_text == text
    except (TypeError, ValueError, IndexError):  # entities that don't fit the text
        return False
    if not same_text:
        return False
    current = message.reply_markup.inline_keyboard if message.reply_markup else []
    wanted = markup.inline_keyboard if markup else []
    return [[b.model_dump(exclude_none=True) for b in row] for row in current] == [
        [b.model_dump(exclude_none=True) for b in row] for row in wanted
    ]
