"""Asking: search, and remember what was asked (the source of "what we can't answer yet")."""

from __future__ import annotations

from bot.services.search import SearchResult, SearchService
from storage.repositories import QuestionRepository


class QuestionService:
    def __init__(self, search: SearchService, repo: QuestionRepository) -> None:
        self.search = search
        self.repo = repo

    async def ask(self, user_id: int | None, text: str, locale: str) -> SearchResult:
        result = await self.search.search(text, locale=locale)
        if result.intent in ("greeting", "thanks", "help"):
            return result  # small talk is not a question to learn from
        best = result.best
        await self.repo.add(
            user_id,
            text,
            locale,
            best.kind if best else None,
            best.slug if best else None,
            best.score if best else 0.0,
            result.confident,
        )
        return result
