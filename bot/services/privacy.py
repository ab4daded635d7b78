"""Personal data (/privacy): what the bot stores about a user, a download of all of it, and the
withdrawal of consent that erases it (152-FZ, art. 9 and 14).

The withdrawal is one transaction (storage/privacy.py): the staff group is told through the
durable outbox in the same transaction, so a restart or an unreachable group loses no notice.
Nothing personal is logged here: only user ids and counts.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

from aiogram.fsm.storage.base import BaseStorage

from bot.i18n import I18n, Translator
from bot.services.applications import now_iso
from bot.services.knowledge import KnowledgeBase
from bot.services.questions import QuestionService
from bot.services.users import UserService
from bot.views import e
from storage.applications import OPEN_STATUSES, Jobs
from storage.fsm import SQLiteStorage
from storage.privacy import Overview, PersonalData, PrivacyRepository, Withdrawal

log = logging.getLogger(__name__)

EXPORT_FORMAT = 1


class PrivacyService:
    def __init__(
        self,
        repo: PrivacyRepository,
        i18n: I18n,
        kb: KnowledgeBase,
        questions: QuestionService,
        users: UserService,
        wake: Callable[[], None],
        storage: BaseStorage | None = None,
    ) -> None:
        self.repo = repo
        self.i18n = i18n
        self.kb = kb
        self.questions = questions
        self.users = users
        self.wake = wake
        self.storage = storage

    async def _flush(self) -> None:
        """The question log and "seen" users are written in batches: write what waits first."""
        await self.questions.flush()
        await self.users.flush()

    async def overview(self, user_id: int) -> Overview:
        await self._flush()
        return await self.repo.overview(user_id)

    # ---- the download ---------------------------------------------------------------------------
    async def export(self, user_id: int, t: Translator, locale: str, draft: dict[str, Any] | None = None) -> bytes:
        """Everything stored about the user as UTF-8 JSON, indented, keys in English, values as
        stored (statuses also as words in the user's language)."""
        await self._flush()
        data = await self.repo.personal_data(user_id)
        document = self._document(user_id, data, t, locale, draft or {})
        return json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8")

    def _cluster_name(self, cluster_id: int, locale: str) -> str:
        cluster = self.kb.cluster(cluster_id)
        return cluster.name.get(locale)[0] if cluster else str(cluster_id)

    def _document(self, user_id: int, data: PersonalData, t: Translator, locale: str,
                  draft: dict[str, Any]) -> dict[str, Any]:
        p = data.profile
        profile = None if p is None else {
            "first_name": p.first_name or None,
            "last_name": p.last_name,
            "username": p.username,
            "telegram_language_code": p.language_code,
            "chosen_language": p.locale,
            "subscribed_to_campaigns": p.subscribed,
            "blocked_the_bot": p.blocked,
            "first_seen": p.first_seen,
            "last_seen": p.last_seen,
            "consent_withdrawn_at": p.consent_withdrawn_at,
        }

        def status(code: str | None) -> dict[str, str] | None:
            return None if code is None else {"code": code, "label": t("app-status-" + code)}

        applications = []
        for app in data.applications:
            erased = app.erased_at is not None
            applications.append({
                "number": app.number,
                "cluster": self._cluster_name(app.cluster_id, locale),
                "status": status(app.status),
                "organization": app.org_name,
                "inn": app.inn,
                "ogrn": app.ogrn,
                "region": app.region,
                "products_and_interest": app.products,
                "okved": [c for c in app.okved.split(",") if c],
                "contact_person": None if erased else app.contact_name,
                "phone": None if erased else app.phone,
                "email": None if erased else app.email,
                "comment": None if erased else (app.comment or None),
                "telegram_username": app.username,
                "telegram_name": app.full_name or None,
                "language": app.language,
                "campaign": app.campaign,
                "consent_version": app.consent_version,
                "consent_given_at": app.consent_at,
                "created_at": app.created_at,
                "updated_at": app.updated_at,
                "personal_data_erased_at": app.erased_at,
                # what the applicant sees: statuses and times (not which staff member acted)
                "status_history": [
                    {"at": ev.created_at, "from": status(ev.from_status), "to": status(ev.to_status)}
                    for ev in data.events.get(app.id, [])
                ],
                "messages": [
                    {
                        "at": m.created_at,
                        "from": "staff" if m.direction == "to_applicant" else "you",
                        "text": m.text if m.text or m.direction == "to_applicant" else None,
                    }
                    for m in data.messages.get(app.id, [])
                ],
            })
        return {
            "format": EXPORT_FORMAT,
            "generated_at": now_iso(),
            "telegram_user_id": user_id,
            "profile": profile,
            "applications": applications,
            "questions_asked": [
                {"at": q.created_at, "text": q.text, "language": q.language, "answered": q.answered}
                for q in data.questions
            ],
            "questions_to_staff": [
                {"id": h.id, "at": h.created_at, "text": h.text, "language": h.language, "status": h.status}
                for h in data.handoffs
            ],
            "unfinished_application": draft or None,
        }

    # ---- withdrawal -----------------------------------------------------------------------------
    def _staff_jobs(self, w: Withdrawal) -> Jobs:
        t = self.i18n.get(None)  # the staff group's language
        jobs: Jobs = []
        for app in w.applications:
            jobs.append(("staff_card_update", {"application_id": app.id}))
            key = "staff-app-withdrawn" if app.status in OPEN_STATUSES else "staff-app-erased"
            jobs.append(("staff_message", {"text": t(key, number=e(app.number)), "reply_to": ["application", app.id],
                                            "notice": True}))  # a later withdrawal keeps it
        erased = t("staff-message-erased")
        for m in w.app_messages:
            jobs.append(("staff_edit", {"chat_id": m.chat_id, "message_id": m.message_id, "text": erased}))
        for m in w.handoff_messages:
            text = t("staff-handoff-erased", id=m.ref_id) if m.is_card else erased
            jobs.append(("staff_edit", {"chat_id": m.chat_id, "message_id": m.message_id, "text": text}))
        return jobs

    async def withdraw(self, user_id: int) -> Withdrawal:
        # questions still waiting in the batch are written first, so they are deleted too
        await self._flush()
        self.questions.last.pop(user_id, None)
        withdrawal = await self.repo.withdraw(user_id, self._staff_jobs)
        if isinstance(self.storage, SQLiteStorage):
            self.storage.forget_user(user_id)  # its rows are gone: drop the cached states
        self.wake()
        log.info(
            "user %s withdrew consent: %d applications erased, %d hand-offs and %d questions deleted",
            user_id, len(withdrawal.applications), withdrawal.handoffs, withdrawal.questions,
        )
        return withdrawal
