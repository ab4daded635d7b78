"""Fluent catalogs under `locales/<lang>/*.ftl`; one Translator per locale."""

from __future__ import annotations

from collections import OrderedDict
from pathlib import Path

from fluent.runtime import FluentBundle, FluentResource, resolver

from bot.settings import SUPPORTED_LOCALES

# Fluent refuses a placeable longer than 2,500 characters (a guard against runaway nesting) and
# renders "{???}" instead. User texts inserted into messages are limited well below Telegram's
# 4,096 but may exceed 2,500 once escaped ("&" -> "&amp;"): allow what a message can hold, x4.
resolver.MAX_PART_LENGTH = max(resolver.MAX_PART_LENGTH, 4 * 4096)

LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
FORMATTED_SIZE = 2048  # formatted messages kept per locale (the latest used)


class Translator:
    def __init__(self, locale: str, bundle: FluentBundle, fallback: Translator | None = None):
        self.locale = locale
        self._bundle = bundle
        self._fallback = fallback
        # a message comes out the same for the same arguments: the buttons and fixed lines
        # under every answer, a list's heading, are formatted once (an LRU of FORMATTED_SIZE)
        self._formatted: OrderedDict[object, str] = OrderedDict()

    def has(self, key: str) -> bool:
        return self._bundle.has_message(key)

    def __call__(self, key: str, **args: object) -> str:
        # (the type too: 1, 1.0 and True are equal keys but not the same text)
        memo = (key, *((name, type(value), value) for name, value in args.items())) if args else key
        try:
            text = self._formatted.get(memo)
        except TypeError:  # an unhashable argument: formatted every time
            return self._format(key, args)
        if text is None:
            text = self._formatted[memo] = self._format(key, args)
            if len(self._formatted) > FORMATTED_SIZE:
                self._formatted.popitem(last=False)
        else:
            self._formatted.move_to_end(memo)
        return text

    def _format(self, key: str, args: dict[str, object]) -> str:
        if not self._bundle.has_message(key):
            if self._fallback is not None:
                return self._fallback(key, **args)
            return key
        message = self._bundle.get_message(key)
        if message.value is None:
            return key
        text, errors = self._bundle.format_pattern(message.value, args)
        if errors and self._fallback is not None and self._fallback is not self:
            return self._fallback(key, **args)
        return text


def load_bundle(locale: str, directory: Path = LOCALES_DIR) -> FluentBundle:
    bundle = FluentBundle([locale], use_isolating=False)
    files = sorted((directory / locale).glob("*.ftl"))
    if not files:
        raise RuntimeError(f"no Fluent catalog for locale {locale!r} in {directory}")
    for file in files:
        bundle.add_resource(FluentResource(file.read_text(encoding="utf-8")))
    return bundle


class I18n:
    """All translators; `get(locale)` never fails (unknown locales get the default)."""

    def __init__(self, default_locale: str = "ru", directory: Path = LOCALES_DIR) -> None:
        self.default_locale = default_locale
        ru = Translator("ru", load_bundle("ru", directory))
        self.translators: dict[str, Translator] = {"ru": ru}
        for locale in SUPPORTED_LOCALES:
            if locale != "ru":
                self.translators[locale] = Translator(locale, load_bundle(locale, directory), ru)

    def get(self, locale: str | None) -> Translator:
        return self.translators.get(locale or "", self.translators[self.default_locale])

    def pick_locale(self, stored: str | None, telegram_code: str | None) -> str:
        if stored in self.translators:
            return stored
        code = (telegram_code or "").split("-")[0].lower()
        if code in self.translators:
            return code
        if code:
            # Russian speakers' neighbours mostly read Russian; everyone else gets English.
            return "ru" if code in {"uk", "be", "kk", "ky", "uz", "tg", "hy", "az"} else "en"
        return self.default_locale
