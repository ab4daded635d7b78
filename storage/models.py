"""Validated knowledge-base entries (pydantic); the content files and the database hold these."""

from __future__ import annotations

import datetime as dt
import re
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,47}$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class LText(_Strict):
    """Localized text: Russian is required, English optional (falls back to Russian)."""

    ru: str = Field(min_length=1, max_length=3000)
    en: str | None = Field(default=None, max_length=3000)

    def get(self, locale: str) -> tuple[str, bool]:
        """(text, is_fallback)."""
        if locale == "en":
            if self.en:
                return self.en, False
            return self.ru, True
        return self.ru, False

    def all_texts(self) -> list[str]:
        return [t for t in (self.ru, self.en) if t]


class LList(_Strict):
    ru: list[str] = Field(min_length=1)
    en: list[str] | None = None

    def get(self, locale: str) -> tuple[list[str], bool]:
        if locale == "en":
            if self.en:
                return self.en, False
            return self.ru, True
        return self.ru, False

    def all_texts(self) -> list[str]:
        return [*self.ru, *(self.en or [])]

    @field_validator("ru", "en")
    @classmethod
    def _no_empty_items(cls, value: list[str] | None) -> list[str] | None:
        if value is not None and any(not item.strip() for item in value):
            raise ValueError("list items must not be empty")
        return value


class _Entry(_Strict):
    slug: str
    aliases: list[str] = Field(default_factory=list)
    source: str = Field(min_length=3, max_length=1000)
    as_of: dt.date

    @field_validator("slug")
    @classmethod
    def _slug_shape(cls, value: str) -> str:
        if not SLUG.match(value):
            raise ValueError("slug: lowercase latin letters, digits and hyphens, up to 48 chars")
        return value


class Cluster(_Entry):
    entry_kind: ClassVar[str] = "cluster"
    name: LText
    status: Literal["active", "creating"]
    accepts_applications: bool = False
    regions: LList
    products: LList
    participants: LText
    organization: LText | None = None
    description: LText


class Measure(_Entry):
    entry_kind: ClassVar[str] = "measure"
    kind: Literal["subsidy", "tax", "loan", "other"]
    title: LText
    summary: LText
    eligibility: LText
    terms: LText
    legal_basis: LText
    how_to_apply: LText
    link: str | None = None

    @field_validator("link")
    @classmethod
    def _link_shape(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("https://", "http://")):
            raise ValueError("link must be a full http(s) URL")
        return value


class Faq(_Entry):
    entry_kind: ClassVar[str] = "faq"
    question: LText
    answer: LText
    intent: Literal["join", "count"] | None = None  # the kind of question it answers


Entry = Cluster | Measure | Faq
