"""Telegram assistant for the industrial clusters of Russia's chemical complex."""

from bot.aiogram_lazy import install as _defer_aiogram_types

_defer_aiogram_types()
