"""Questions handed to a person: to the staff group as a card, answers back, follow-ups threaded."""

from __future__ import annotations

from collections.abc import Callable

from aiogram.types import User

from bot.callbacks import HandoffCb
from bot.i18n import I18n
from bot.services.applications import Actor
from bot.services.limits import PersonLimits
from bot.views import e
from storage.applications import Handoff, HandoffRepository

MAX_TEXT = 3000


class HandoffService:
    def __init__(self, repo: HandoffRepository, i18n: I18n, wake: Callable[[], None],
                 limits: PersonLimits | None = None) -> None:
        self.repo = repo
        self.i18n = i18n
        self.wake = wake
        self.limits = limits or PersonLimits()

    async def create(self, user: User, text: str, found: str, locale: str) -> Handoff:
        """Raises RateLimited (nothing stored or sent) past the per-person limit of hand-offs."""
        handoff = await self.repo.create(
            user.id, locale, text[:MAX_TEXT], found, user.username, user.full_name,
            [("handoff_card", {"handoff_id": "{id}"})],
            check=self.limits.check(user.id, self.limits.handoffs),
        )
        self.wake()
        return handoff

    async def get(self, handoff_id: int) -> Handoff | None:
        return await self.repo.get(handoff_id)

    async def staff_answer(self, handoff: Handoff, actor: Actor, text: str) -> None:
        t = self.i18n.get(handoff.language)
        await self.repo.mark_answered(
            handoff.id,
            [(
                "user_message",
                {
                    "chat_id": handoff.user_id,
                    "text": t("handoff-answer", text=e(text)),
                    "buttons": [[t("btn-answer"), HandoffCb(action="reply", id=handoff.id).pack()]],
                    "thread": ["handoff", handoff.id],
                },
            )],
        )
        self.wake()

    async def user_followup(self, handoff: Handoff, user: User, text: str) -> None:
        """Raises RateLimited (nothing sent) past the per-person limit of messages to the staff."""
        self.limits.relay(user.id)
        staff_text = self.i18n.get(None)("staff-user-followup", id=handoff.id, text=e(text[:MAX_TEXT]))
        try:
            await self.repo.mark_answered(
                handoff.id, [("staff_message", {"text": staff_text, "reply_to": ["handoff", handoff.id]})],
                status="open",
            )
        except BaseException:  # not stored: it doesn't count against the limit
            self.limits.relay_failed(user.id)
            raise
        self.wake()
