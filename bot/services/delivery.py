"""The outbox worker: delivers cards and messages to the staff group and to users.

A job is marked done only after Telegram accepted the message. Failures are retried with
backoff (429: after exactly `retry_after`); jobs survive restarts because they live in SQLite.
If the staff group is missing or unreachable, admins are told once and the jobs wait.

Telegram lets a bot post about 20 messages a minute in one group. New messages to the staff
group (cards, notices) are paced to STAFF_MESSAGES_PER_MINUTE in any 60 s; past that they wait
in the outbox while messages to users go on. A 429 for the group holds every staff job for
`retry_after` (one refused request, not one per queued card).

Delivery is at-least-once: if the process dies between Telegram's "ok" and the "done" write
(one database write, milliseconds), that one message is sent again after the restart.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections import deque
from collections.abc import Callable
from typing import Any

from aiogram import Bot
from aiogram.client.session.middlewares.base import BaseRequestMiddleware
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNotFound,
    TelegramRetryAfter,
)
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup, ReplyParameters

from bot.callbacks import StaffCb
from bot.i18n import I18n
from bot.services.knowledge import KnowledgeBase
from bot.services.tasks import finish_or_cancel, own_retries, wait_event
from bot.settings import Settings
from bot.views import application_card, handoff_card
from storage.applications import (
    Application,
    ApplicationRepository,
    HandoffRepository,
    ThreadRepository,
)
from storage.outbox import Job, OutboxRepository
from storage.repositories import UserRepository

log = logging.getLogger(__name__)

STAFF_KINDS = frozenset({"staff_card", "staff_card_update", "staff_message", "handoff_card", "staff_edit"})
STAFF_SEND_KINDS = frozenset({"staff_card", "staff_message", "handoff_card"})  # new messages in the group
STAFF_WINDOW = 61.0  # Telegram's minute, plus a second: it counts from when a request arrives
MAX_BACKOFF = 300.0
IDLE_WAIT = 5.0
UNREACHABLE_KEY = "staff_unreachable_notified"
_UNREACHABLE = (
    "chat not found",
    "bot was kicked",
    "not a member",
    "have no rights",
    "not enough rights",
    "need administrator rights",
    "chat_write_forbidden",
    "group chat was upgraded",
    "bot is not a member",
)


class StaffUnreachable(Exception):
    pass


class CardPending(Exception):
    """A message that belongs under a card whose own delivery is still waiting."""


def staff_keyboard(t, app: Application) -> InlineKeyboardMarkup | None:  # noqa: ANN001
    def b(key: str, action: str) -> InlineKeyboardButton:
        return InlineKeyboardButton(text=t(key), callback_data=StaffCb(action=action, app=app.id).pack())

    if app.status == "new":
        rows = [[b("staff-btn-take", "take"), b("staff-btn-accept", "accept")],
                [b("staff-btn-reject", "reject"), b("staff-btn-info", "info")]]
    elif app.status == "in_review":
        rows = [[b("staff-btn-accept", "accept"), b("staff-btn-reject", "reject")], [b("staff-btn-info", "info")]]
    elif app.status == "info_requested":
        rows = [[b("staff-btn-accept", "accept"), b("staff-btn-reject", "reject")]]
    else:
        return None
    return InlineKeyboardMarkup(inline_keyboard=rows)


class GroupPacer:
    """At most `per_minute` new messages in any `STAFF_WINDOW` seconds (0: no pacing). Every
    message the bot sends to the group counts (cards, notices, and the replies of handlers to
    staff actions): `StaffSendCounter` records them when Telegram has accepted them."""

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_minute = per_minute
        self.clock = clock
        self._sent: deque[float] = deque()

    def ready_at(self, now: float) -> float:
        """When the next message may go: `now`, or when the oldest of the window expires."""
        if self.per_minute <= 0:
            return now
        while self._sent and self._sent[0] <= now - STAFF_WINDOW:
            self._sent.popleft()
        if len(self._sent) < self.per_minute:
            return now
        return self._sent[-self.per_minute] + STAFF_WINDOW

    def full(self) -> bool:
        now = self.clock()
        return self.ready_at(now) > now

    def record(self) -> None:
        if self.per_minute > 0:
            self._sent.append(self.clock())


class StaffSendCounter(BaseRequestMiddleware):
    """A Bot API request middleware: counts every message accepted in the staff group."""

    def __init__(self, pacer: GroupPacer, staff_chat_id: int | None) -> None:
        self.pacer = pacer
        self.staff_chat_id = staff_chat_id

    async def __call__(self, make_request, bot, method):  # noqa: ANN001, ANN204
        response = await make_request(bot, method)
        name = getattr(method, "__api_method__", "")
        if (
            self.staff_chat_id is not None
            and (name.startswith("send") or name in ("copyMessage", "forwardMessage"))
            and str(getattr(method, "chat_id", "")) == str(self.staff_chat_id)
        ):
            self.pacer.record()
        return response


class Delivery:
    def __init__(
        self,
        bot: Bot,
        settings: Settings,
        i18n: I18n,
        kb: KnowledgeBase,
        outbox: OutboxRepository,
        applications: ApplicationRepository,
        handoffs: HandoffRepository,
        threads: ThreadRepository,
        users: UserRepository,
    ) -> None:
        self.bot = bot
        self.settings = settings
        self.i18n = i18n
        self.kb = kb
        self.outbox = outbox
        self.applications = applications
        self.handoffs = handoffs
        self.threads = threads
        self.users = users
        self._wake = asyncio.Event()
        self._task: asyncio.Task | None = None
        self._stopping = False
        self.backoff_base = 1.0
        self.staff_pacer = GroupPacer(settings.staff_messages_per_minute)
        self._staff_hold_until = 0.0  # the pacer's clock: a 429 for the group holds its jobs

    def _held(self) -> tuple[frozenset[str], float]:
        """The job kinds on hold now, and when the hold ends (the pacer's clock)."""
        now = self.staff_pacer.clock()
        if now < self._staff_hold_until:
            return STAFF_KINDS, self._staff_hold_until
        ready = self.staff_pacer.ready_at(now)
        if ready > now:
            return STAFF_SEND_KINDS, ready
        return frozenset(), now

    # ---- running -----------------------------------------------------------------------------
    def wake(self) -> None:
        self._wake.set()

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="outbox")

    async def stop(self, timeout: float = 10.0) -> None:
        """Let the job being delivered finish (so a message Telegram accepted is marked done),
        then stop; cancel only if that takes longer than `timeout`."""
        if self._task is not None:
            self._stopping = True
            self._wake.set()
            await finish_or_cancel(self._task, timeout)
            self._task = None
            self._stopping = False

    async def _run(self) -> None:
        while not self._stopping:
            try:
                processed = await self.process_due()
            except Exception:
                log.exception("outbox worker error")
                processed = 0
            if processed:
                continue
            held, until = self._held()
            next_at = await self.outbox.next_due_at(exclude_kinds=held)
            wait = IDLE_WAIT if next_at is None else max(0.05, min(IDLE_WAIT, next_at - time.time()))
            if held:  # the held jobs may go when the hold ends
                wait = max(0.05, min(wait, until - self.staff_pacer.clock()))
            await wait_event(self._wake, wait)
            self._wake.clear()

    async def process_due(self, limit: int = 50) -> int:
        """Deliver the jobs that are due now, oldest first, except those on hold (the staff
        group's pace or its 429). Returns how many were attempted."""
        held, _ = self._held()
        jobs = await self.outbox.due(limit=limit, exclude_kinds=held)
        blocked_staff = False
        attempted = 0
        for job in jobs:
            if self._stopping:
                break
            if job.kind in STAFF_KINDS:
                if blocked_staff:
                    continue  # the group refused one: the rest of its jobs wait with it
                if job.kind in STAFF_SEND_KINDS and self.staff_pacer.full():
                    continue  # this minute's messages to the group are used up
            attempted += 1
            ok = await self._attempt(job)
            if not ok and job.kind in STAFF_KINDS:
                blocked_staff = True
        return attempted

    async def _attempt(self, job: Job) -> bool:
        try:
            with own_retries():  # a failed job is retried with the outbox's backoff
                await self._deliver(job)
        except TelegramRetryAfter as exc:
            if job.kind in STAFF_KINDS:  # the group's limit: its other jobs wait too
                self._staff_hold_until = max(self._staff_hold_until, self.staff_pacer.clock() + exc.retry_after)
                log.warning("429 from the staff group: its messages wait %s s", exc.retry_after)
            await self.outbox.retry_later(job.id, time.time() + exc.retry_after, f"429 retry after {exc.retry_after}", count_attempt=False)
            return False
        except CardPending:
            await self.outbox.retry_later(job.id, time.time() + 2.0, "waiting for the card", count_attempt=False)
            return False
        except StaffUnreachable as exc:
            await self._staff_unreachable(str(exc))
            await self._hold_staff(job, str(exc))
            return False
        except (TelegramForbiddenError, TelegramNotFound) as exc:
            if job.kind in STAFF_KINDS:
                await self._staff_unreachable(exc.message)
                await self._hold_staff(job, exc.message)
                return False
            # the user blocked the bot or deleted the account: nobody to deliver to
            await self.users.set_blocked(int(job.payload["chat_id"]), True)
            await self.outbox.mark_failed(job.id, exc.message)
            log.info("outbox job %s: recipient unreachable (%s)", job.id, exc.message)
            return False
        except TelegramBadRequest as exc:
            lowered = exc.message.lower()
            if job.kind in STAFF_KINDS and any(s in lowered for s in _UNREACHABLE):
                await self._staff_unreachable(exc.message)
                await self._hold_staff(job, exc.message)
                return False
            if "chat not found" in lowered:
                await self.outbox.mark_failed(job.id, exc.message)
                return False
            # a request Telegram will never accept (a bug): keep it for inspection, don't loop
            log.error("outbox job %s (%s) refused: %s", job.id, job.kind, exc.message)
            await self.outbox.mark_failed(job.id, exc.message)
            return False
        except Exception as exc:  # network errors, 5xx: try again later
            delay = self._backoff(job.attempts)
            log.warning("outbox job %s (%s) failed (%s), retrying in %.0f s", job.id, job.kind, type(exc).__name__, delay)
            await self.outbox.retry_later(job.id, time.time() + delay, f"{type(exc).__name__}: {exc}")
            return False
        await self.outbox.mark_done(job.id)
        if job.kind in STAFF_KINDS and await self.outbox.get_kv(UNREACHABLE_KEY):
            await self.outbox.set_kv(UNREACHABLE_KEY, None)
            log.info("the staff group is reachable again")
        return True

    async def _hold_staff(self, job: Job, error: str) -> None:
        """The group can't be reached: this job probes it again after the backoff, and every
        other staff job waits as long (one request per backoff, not one per card), so that
        when the group is back they all go in their order."""
        delay = self._backoff(job.attempts)
        self._staff_hold_until = max(self._staff_hold_until, self.staff_pacer.clock() + delay)
        await self.outbox.retry_later(job.id, time.time() + delay, error)

    def _backoff(self, attempts: int) -> float:
        return min(MAX_BACKOFF, self.backoff_base * 2 ** min(attempts, 12)) * random.uniform(0.8, 1.2)

    async def _staff_unreachable(self, reason: str) -> None:
        if await self.outbox.get_kv(UNREACHABLE_KEY):
            return
        await self.outbox.set_kv(UNREACHABLE_KEY, reason[:200])
        if self.settings.staff_chat_id is None:
            log.error("STAFF_CHAT_ID is not set: application and question cards wait in the outbox until it is")
        else:
            log.error("the staff group %s is unreachable (%s): cards wait in the outbox",
                      self.settings.staff_chat_id, reason)
        for admin in self.settings.admin_ids:
            t = self.i18n.get(None)
            try:
                await self.bot.send_message(
                    admin, t("admin-staff-unreachable", chat=str(self.settings.staff_chat_id), reason=reason[:200])
                )
            except Exception as exc:  # an admin who never started the bot can't be told
                log.warning("could not tell admin %s about the staff group: %s", admin, type(exc).__name__)

    async def check_staff_chat(self) -> bool:
        """At start: can the bot reach the staff group? Logs and tells admins (once) if not."""
        if self.settings.staff_chat_id is None:
            await self._staff_unreachable("STAFF_CHAT_ID is not set")
            return False
        try:
            await self.bot.get_chat(self.settings.staff_chat_id)
        except Exception as exc:  # any refusal means cards can't go out now
            await self._staff_unreachable(getattr(exc, "message", type(exc).__name__))
            return False
        log.info("staff group %s is reachable", self.settings.staff_chat_id)
        return True

    def _staff_chat(self) -> int:
        if self.settings.staff_chat_id is None:
            raise StaffUnreachable("STAFF_CHAT_ID is not set")
        return self.settings.staff_chat_id

    # ---- the kinds of jobs -------------------------------------------------------------------
    async def _deliver(self, job: Job) -> None:
        handler = getattr(self, f"_job_{job.kind}", None)
        if handler is None:
            raise TelegramBadRequest(method=None, message=f"unknown job kind {job.kind}")  # type: ignore[arg-type]
        await handler(job.payload)

    def _staff_t(self):  # noqa: ANN202
        return self.i18n.get(self.settings.default_locale)

    def _cluster_name(self, cluster_id: int) -> str:
        cluster = self.kb.cluster(cluster_id)
        return cluster.name.ru if cluster else f"#{cluster_id}"

    async def _job_staff_card(self, payload: dict[str, Any]) -> None:
        app = await self.applications.get(int(payload["application_id"]))
        if app is None or app.staff_message_id is not None:
            return  # gone, or already delivered (a repeat after a crash)
        t = self._staff_t()
        chat = self._staff_chat()
        message = await self.bot.send_message(
            chat,
            application_card(t, app, self._cluster_name(app.cluster_id), self.settings.default_locale),
            reply_markup=staff_keyboard(t, app),
        )
        await self.applications.set_card(app.id, chat, message.message_id)

    async def _job_staff_card_update(self, payload: dict[str, Any]) -> None:
        app = await self.applications.get(int(payload["application_id"]))
        if app is None or app.staff_message_id is None or app.staff_chat_id is None:
            return  # the card is not out yet: when it goes, it shows the current status
        t = self._staff_t()
        try:
            await self.bot.edit_message_text(
                text=application_card(t, app, self._cluster_name(app.cluster_id), self.settings.default_locale),
                chat_id=app.staff_chat_id,
                message_id=app.staff_message_id,
                reply_markup=staff_keyboard(t, app),
            )
        except TelegramBadRequest as exc:
            if "message is not modified" in exc.message:
                return
            if "message to edit not found" in exc.message:
                log.warning("the card of %s was deleted in the staff group", app.number)
                return
            raise

    async def _job_staff_message(self, payload: dict[str, Any]) -> None:
        chat = self._staff_chat()
        reply_to = None
        kind, ref = payload.get("reply_to") or (None, None)
        if kind == "application":
            app = await self.applications.get(int(ref))
            if app is not None and app.staff_message_id is None:
                raise CardPending
            reply_to = app.staff_message_id if app else None
        elif kind == "handoff":
            handoff = await self.handoffs.get(int(ref))
            if handoff is not None and handoff.staff_message_id is None:
                raise CardPending
            reply_to = handoff.staff_message_id if handoff else None
        message = await self.bot.send_message(
            chat,
            payload["text"],
            reply_parameters=ReplyParameters(message_id=reply_to, allow_sending_without_reply=True) if reply_to else None,
        )
        if kind:
            await self.threads.remember("staff_threads", chat, message.message_id, kind, int(ref))

    async def _job_staff_edit(self, payload: dict[str, Any]) -> None:
        """Replace the text of one of the bot's messages in the staff group (and drop its
        buttons): personal data erased after a withdrawal of consent."""
        try:
            await self.bot.edit_message_text(
                text=payload["text"], chat_id=int(payload["chat_id"]), message_id=int(payload["message_id"])
            )
        except TelegramBadRequest as exc:
            if "message is not modified" in exc.message or "message to edit not found" in exc.message:
                return
            raise

    async def _job_handoff_card(self, payload: dict[str, Any]) -> None:
        handoff = await self.handoffs.get(int(payload["handoff_id"]))
        if handoff is None or handoff.staff_message_id is not None:
            return
        chat = self._staff_chat()
        message = await self.bot.send_message(chat, handoff_card(self._staff_t(), handoff, self.settings.default_locale))
        await self.handoffs.set_card(handoff.id, chat, message.message_id)

    async def _job_user_message(self, payload: dict[str, Any]) -> None:
        markup = None
        if payload.get("buttons"):
            markup = InlineKeyboardMarkup(
                inline_keyboard=[[InlineKeyboardButton(text=text, callback_data=data)] for text, data in payload["buttons"]]
            )
        message = await self.bot.send_message(int(payload["chat_id"]), payload["text"], reply_markup=markup)
        thread = payload.get("thread")
        if thread:
            await self.threads.remember("user_threads", message.chat.id, message.message_id, thread[0], int(thread[1]))
