"""Join applications: submit, decide, and relay messages — each change with its outbox jobs.

Texts for the applicant are rendered here in the applicant's language and travel in the job;
the staff card is rendered by the delivery worker at send time, so it always shows the current
status.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiogram.types import User

from bot.callbacks import AppReplyCb
from bot.i18n import I18n
from bot.services.limits import PersonLimits
from bot.views import e
from storage.applications import (
    OPEN_STATUSES,
    Application,
    ApplicationRepository,
    NewApplication,
    StaffPrompt,
    StaffPromptRepository,
    TransitionRefused,
)

TAKE_FROM = ("new",)
DECIDE_FROM = OPEN_STATUSES
INFO_FROM = ("new", "in_review")
# a staff prompt (the reason for a rejection, the question to ask) waits this long for its reply
PROMPT_TTL = 30 * 60
PROMPT_FROM = {"reject": DECIDE_FROM, "info": INFO_FROM}


@dataclass(frozen=True, slots=True)
class Actor:
    id: int
    name: str

    @classmethod
    def of(cls, user: User) -> Actor:
        return cls(user.id, user.full_name)


def now_iso() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")[:-4] + "Z"


class ApplicationService:
    def __init__(self, repo: ApplicationRepository, i18n: I18n, wake: Callable[[], None],
                 limits: PersonLimits | None = None) -> None:
        self.repo = repo
        self.i18n = i18n
        self.wake = wake
        self.limits = limits or PersonLimits()

    # ---- the applicant --------------------------------------------------------------------
    async def find_open(self, inn: str, cluster_id: int) -> Application | None:
        return await self.repo.find_open(inn, cluster_id)

    async def submit(self, user: User, draft: dict[str, Any], locale: str, consent_version: str) -> Application:
        new = NewApplication(
            user_id=user.id,
            cluster_id=int(draft["cluster_id"]),
            org_name=draft["org_name"],
            inn=draft["inn"],
            ogrn=draft.get("ogrn") or None,
            region=draft["region"],
            products=draft["products"],
            okved=",".join(draft.get("okved") or []),
            contact_name=draft["contact_name"],
            phone=draft["phone"],
            email=draft["email"],
            comment=draft.get("comment") or "",
            consent_version=consent_version,
            consent_at=draft["consent_at"],
            language=locale,
            campaign=draft.get("campaign") or None,
            username=user.username,
            full_name=user.full_name,
        )
        app = await self.repo.create(
            new, [("staff_card", {"application_id": "{id}"})],
            check=self.limits.check(user.id, self.limits.applications),
        )  # raises RateLimited past the per-person limit of applications
        self.wake()
        return app

    async def of_user(self, user_id: int) -> list[Application]:
        return await self.repo.of_user(user_id)

    async def applicant_message(self, app: Application, user: User, text: str) -> Application:
        """The applicant answers a request for information (or writes about the application).

        Raises RateLimited (nothing sent) past the per-person limit of messages to the staff."""
        self.limits.relay(user.id)
        staff_text = self.i18n.get(None)(
            "staff-applicant-wrote", number=e(app.number), text=e(text)
        )
        jobs = [("staff_message", {"text": staff_text, "reply_to": ["application", app.id]})]
        try:
            if app.status == "info_requested":
                # the answer puts it back under review: the card shows the new status
                jobs.append(("staff_card_update", {"application_id": app.id}))
                _, after = await self.repo.transition(
                    app.id, ("info_requested",), "in_review", user.id, user.full_name,
                    "answer", jobs, message=("from_applicant", text),
                )
            else:
                await self.repo.add_message(app.id, "from_applicant", user.id, text, jobs)
                after = app
        except BaseException:  # not stored (a full disk): a retry must not use up the allowance
            self.limits.relay_failed(user.id)
            raise
        self.wake()
        return after

    # ---- the staff ------------------------------------------------------------------------
    def _user_job(self, app: Application, key: str, *, reply_button: bool = False, **args: Any) -> tuple[str, dict]:
        t = self.i18n.get(app.language)
        payload: dict[str, Any] = {
            "chat_id": app.user_id,
            "text": t(key, number=e(app.number), **args),
            "thread": ["application", app.id],
        }
        if reply_button:
            payload["buttons"] = [[t("btn-answer"), AppReplyCb(app=app.id).pack()]]
        return ("user_message", payload)

    async def take(self, app_id: int, actor: Actor) -> Application:
        app = await self._get(app_id)
        _, after = await self.repo.transition(
            app_id, TAKE_FROM, "in_review", actor.id, actor.name, None,
            [("staff_card_update", {"application_id": app_id}), self._user_job(app, "applicant-in-review")],
            assign=True,
        )
        self.wake()
        return after

    async def accept(self, app_id: int, actor: Actor) -> Application:
        app = await self._get(app_id)
        _, after = await self.repo.transition(
            app_id, DECIDE_FROM, "accepted", actor.id, actor.name, None,
            [("staff_card_update", {"application_id": app_id}), self._user_job(app, "applicant-accepted")],
            assign=app.assignee_id is None,
        )
        self.wake()
        return after

    async def reject(self, app_id: int, actor: Actor, reason: str,
                     prompt: tuple[int, int] | None = None) -> Application:
        app = await self._get(app_id)
        _, after = await self.repo.transition(
            app_id, DECIDE_FROM, "rejected", actor.id, actor.name, reason,
            [
                ("staff_card_update", {"application_id": app_id}),
                self._user_job(app, "applicant-rejected", reason=e(reason)),
            ],
            assign=app.assignee_id is None,
            message=("to_applicant", reason),
            prompt=prompt,
        )
        self.wake()
        return after

    async def request_info(self, app_id: int, actor: Actor, question: str,
                           prompt: tuple[int, int] | None = None) -> Application:
        app = await self._get(app_id)
        _, after = await self.repo.transition(
            app_id, INFO_FROM, "info_requested", actor.id, actor.name, question,
            [
                ("staff_card_update", {"application_id": app_id}),
                self._user_job(app, "applicant-info-requested", reply_button=True, question=e(question)),
            ],
            assign=app.assignee_id is None,
            message=("to_applicant", question),
            prompt=prompt,
        )
        self.wake()
        return after

    async def staff_message(self, app_id: int, actor: Actor, text: str) -> Application:
        """A staff member replied to the card: relay it to the applicant."""
        app = await self._get(app_id)
        await self.repo.add_message(
            app_id, "to_applicant", actor.id, text,
            [self._user_job(app, "applicant-staff-message", reply_button=True, text=e(text))],
        )
        self.wake()
        return app

    async def _get(self, app_id: int) -> Application:
        app = await self.repo.get(app_id)
        if app is None:
            raise LookupError(app_id)
        return app


class StaffPromptService:
    """A staff member's pending "write the reason / the question" prompt belongs to its card.

    Only a reply to the prompt message, or to a message of its application's thread (the card,
    a relayed message), by the staff member who pressed the button answers it; it expires after
    PROMPT_TTL and can be cancelled. Prompts live in the database, so they survive a restart.
    """

    def __init__(self, repo: StaffPromptRepository, applications: ApplicationService,
                 ttl: float = PROMPT_TTL, clock: Callable[[], float] = time.time) -> None:
        self.repo = repo
        self.applications = applications
        self.ttl = ttl
        self.clock = clock

    def check_allowed(self, app: Application, action: str) -> None:
        if action not in PROMPT_FROM or app.status not in PROMPT_FROM[action]:
            raise TransitionRefused(app)

    async def opened(self, chat_id: int, message_id: int, app_id: int, action: str, staff_id: int) -> StaffPrompt:
        """The bot sent the prompt `message_id` for `action` on the application."""
        prompt = StaffPrompt(chat_id, message_id, app_id, action, staff_id, self.clock() + self.ttl, False)
        await self.repo.add(prompt)
        return prompt

    async def find(self, chat_id: int, staff_id: int, replied_to: int, thread: tuple[str, int] | None) -> StaffPrompt | None:
        """The prompt a staff member's reply to message `replied_to` answers, if any: that
        prompt itself (even expired, or someone else's: the handler says so), or the staff
        member's newest pending prompt on the application whose thread the message is in."""
        prompt = await self.repo.get(chat_id, replied_to)
        if prompt is not None:
            return prompt
        if thread is not None and thread[0] == "application":
            # an expired prompt does not capture a reply to the card: that is a message again
            return await self.repo.latest_for(chat_id, staff_id, thread[1], self.clock())
        return None

    def expired(self, prompt: StaffPrompt) -> bool:
        return prompt.expired(self.clock())

    async def answer(self, prompt: StaffPrompt, actor: Actor, text: str) -> Application:
        """Reject, or ask for information, with `text`: the prompt is closed with the change (in
        its transaction), or when the change is refused (someone acted first)."""
        key = (prompt.chat_id, prompt.message_id)
        try:
            if prompt.action == "reject":
                return await self.applications.reject(prompt.application_id, actor, text, prompt=key)
            return await self.applications.request_info(prompt.application_id, actor, text, prompt=key)
        except (TransitionRefused, LookupError):
            await self.repo.close([prompt])
            raise

    async def cancel(self, prompts: list[StaffPrompt]) -> None:
        await self.repo.close(prompts)

    async def pending(self, chat_id: int, staff_id: int) -> list[StaffPrompt]:
        return await self.repo.pending_of(chat_id, staff_id, self.clock())

    async def hinted(self, prompts: list[StaffPrompt]) -> None:
        await self.repo.mark_hinted(prompts)
