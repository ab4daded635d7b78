"""Invitation campaigns: a paced, durable sender with live progress for the admin.

Pacing: one message every 1/BROADCAST_RATE seconds on a fixed grid of time slots (no bursts).
Every recipient's state is written as it goes (pending → sending → sent / blocked / failed, or
pending → skipped when they unsubscribe before their turn), so
after a crash or restart the campaign resumes by itself and a recipient marked sent is never
sent again. The window: messages that were in flight at the moment of a hard kill are marked
"sending" and are sent again after the restart — at most `IN_FLIGHT` messages (Telegram may or
may not have delivered them before the kill).

More than one sender on a database (a second bot process by mistake; the single-instance lock
normally stops it) never sends a recipient twice: `claim()` takes only a "pending" recipient of
a running campaign, atomically, so exactly one sender gets each; pause/cancel pressed in another
process stops this sender at its next claim; and `finish()` (running → done, once nobody is
pending or in flight) is true for one sender only, the one that sends the report.
Recipients left "sending" by a dead run are made "pending" again (`recover_in_flight`): at
start-up, all of them if this process holds the single-instance lock (`db.exclusive`: then no
other sender is alive); without the lock only when every other registered sender's process is
gone (same host: a WAL database can't be shared across hosts) — otherwise they are left to the
live sender, and this one waits.
"""

from __future__ import annotations

import asyncio
import csv
import io
import logging
import os
import secrets
import socket
import time
from dataclasses import dataclass, field

from aiogram import Bot
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNotFound,
    TelegramRetryAfter,
)
from aiogram.types import BufferedInputFile, InlineKeyboardButton, InlineKeyboardMarkup

from bot.callbacks import CampaignCb, SubCb
from bot.i18n import I18n
from bot.services.tasks import cancel_task, finish_or_cancel, own_retries, wait_event
from bot.settings import Settings
from storage.campaigns import Campaign, CampaignRepository

log = logging.getLogger(__name__)

BATCH = 500  # recipients read from the database at a time
IN_FLIGHT = 8  # messages sent concurrently (network latency), each paced by the limiter
MAX_ATTEMPTS = 4  # for errors other than 429 / 403
PROGRESS_EVERY = 3.0  # seconds between edits of the progress message
BAR = 12
WAIT_FOR_OTHERS = 2.0  # seconds between looks at a campaign whose rest another sender holds

# the senders of this process that are running (their "sending" recipients are not a dead run's)
_LIVE_SENDERS: set[str] = set()
_HOST = socket.gethostname().replace(":", "_")


def sender_alive(sender: str) -> bool:
    """Whether the sender "<host>:<pid>:<token>" may still be at work: in this process, while
    it runs; on this host, while its process exists; on another host: assumed alive (it can't
    be checked; the file lock or an operator settles it)."""
    parts = sender.split(":")
    if len(parts) != 3 or not parts[1].isdigit():
        return False  # not written by this code: nobody to wait for
    host, pid = parts[0], int(parts[1])
    if host != _HOST:
        return True
    if pid == os.getpid():
        return sender in _LIVE_SENDERS
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    return True


class Pacer:
    """Hands out send times on a fixed grid, 1/rate apart: never two in one slot (no bursts),
    and a late wake-up of the event loop doesn't push every later slot back (a token bucket of
    one — aiolimiter's AsyncLimiter(1, 1/rate) — loses each such delay for good, which measured
    87% of the rate at 200/s)."""

    def __init__(self, rate: float, clock=time.monotonic) -> None:  # noqa: ANN001
        self.interval = 1.0 / rate
        self._clock = clock
        self._next = 0.0

    async def acquire(self) -> None:
        now = self._clock()
        slot = max(self._next, now)
        self._next = slot + self.interval
        if slot > now:
            await asyncio.sleep(slot - now)


@dataclass
class Run:
    """In-memory state of the campaign being sent."""

    campaign: Campaign
    started: float = field(default_factory=time.monotonic)
    sent_at_start: int = 0
    stop: str | None = None  # "paused" | "cancelled" when the admin pressed a button
    last_text: str = ""
    locale: str = "ru"  # the admin's: progress, buttons and report are in their language


def _stop_reason(status: str) -> str:
    """What a campaign no longer running in the database means for a sender at work on it."""
    if status == "cancelled":
        return "cancelled"
    if status in ("paused", "scheduled"):
        return "paused"
    return "finished-elsewhere"  # done: the sender that finished it reported


class Broadcaster:
    def __init__(self, bot: Bot, settings: Settings, i18n: I18n, repo: CampaignRepository) -> None:
        self.bot = bot
        self.settings = settings
        self.i18n = i18n
        self.repo = repo
        self.limiter = Pacer(settings.broadcast_rate)
        self._resume_at = 0.0  # a 429 pauses everything until then
        self._wake = asyncio.Event()
        self._task: asyncio.Task | None = None
        self.run: Run | None = None
        self._bot_username: str | None = None
        self.progress_every = PROGRESS_EVERY
        self._stopping = False
        self.sender = f"{_HOST}:{os.getpid()}:{secrets.token_hex(4)}"
        self._registered = False
        self._warned_unlocked = False

    # ---- control ----------------------------------------------------------------------------
    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._loop(), name="broadcast")

    async def stop(self, timeout: float = 10.0) -> None:
        """Finish the messages in flight (their state is written), then stop; the campaign stays
        "running" and resumes at the next start."""
        if self._task is not None:
            self._stopping = True
            if self.run is not None:
                self.run.stop = "shutdown"
            self._wake.set()
            await finish_or_cancel(self._task, timeout)
            self._task = None
            self._stopping = False
        await self._unregister()

    async def _unregister(self) -> None:
        """Leave the registry of senders (a clean stop: nothing of ours is in flight)."""
        if self._registered:
            _LIVE_SENDERS.discard(self.sender)
            self._registered = False
            try:
                await self.repo.unregister_senders([self.sender])
            except Exception as exc:  # a full disk: the entry is pruned by the next start
                log.warning("could not unregister the campaign sender: %s", type(exc).__name__)

    async def recover_in_flight(self, *, startup: bool) -> int:
        """Make the recipients a dead run left "sending" pending again; returns how many.

        At start-up with the single-instance lock every "sending" recipient is a dead run's
        (this is the documented hard-kill window: they are sent again). Otherwise (no lock, or
        later, while waiting for a campaign's last recipients) only when no other registered
        sender is alive; then their entries are pruned too."""
        if not self._registered:
            # registered before the first claim: whoever sees our "sending" rows sees us
            await self.repo.register_sender(self.sender)
            _LIVE_SENDERS.add(self.sender)
            self._registered = True
        others = [s for s in await self.repo.senders() if s != self.sender]
        if startup and self.repo.db.exclusive:
            dead, blocking = others, []
        else:
            if not self.repo.db.exclusive and not self._warned_unlocked:
                self._warned_unlocked = True
                log.warning("campaign sender without the single-instance lock: recipients in flight"
                            " are recovered only from senders whose process is gone")
            dead = [s for s in others if not sender_alive(s)]
            blocking = [s for s in others if s not in dead]
        await self.repo.unregister_senders(dead)
        if blocking:
            log.info("%d other campaign sender(s) at work on this database: their recipients in"
                     " flight are left to them", len(blocking))
            return 0
        released = await self.repo.release_in_flight()
        if released:
            log.warning("%d campaign recipient(s) were in flight when a previous run stopped:"
                        " they are sent again", released)
        return released

    def wake(self) -> None:
        self._wake.set()

    async def pause(self, campaign_id: int) -> bool:
        ok = await self.repo.set_status(campaign_id, "paused", allowed_from=("running", "scheduled"))
        if ok and self.run and self.run.campaign.id == campaign_id:
            self.run.stop = "paused"
        return ok

    async def resume(self, campaign_id: int) -> bool:
        """Back to sending; a scheduled campaign paused before its time is scheduled again."""
        campaign = await self.repo.get(campaign_id)
        waiting = bool(campaign and campaign.started_at is None and campaign.send_at and campaign.send_at > time.time())
        ok = await self.repo.set_status(campaign_id, "scheduled" if waiting else "running", allowed_from=("paused",))
        self.wake()
        return ok

    async def cancel(self, campaign_id: int) -> bool:
        ok = await self.repo.set_status(campaign_id, "cancelled", allowed_from=("running", "paused", "scheduled"))
        if ok and self.run and self.run.campaign.id == campaign_id:
            self.run.stop = "cancelled"
        if ok and (self.run is None or self.run.campaign.id != campaign_id):
            campaign = await self.repo.get(campaign_id)
            if campaign:
                counts = await self.repo.counts(campaign_id)
                await self._update_progress(Run(campaign, sent_at_start=counts["sent"],
                                                locale=await self.repo.user_locale(campaign.admin_id)), final=True)
        return ok

    # ---- the loop ---------------------------------------------------------------------------
    async def _loop(self) -> None:
        while not self._stopping:
            try:
                campaign = await self.repo.next_active(time.time())
                if campaign is not None:
                    if campaign.status == "scheduled":
                        await self.repo.set_status(campaign.id, "running", allowed_from=("scheduled",))
                        campaign = await self.repo.get(campaign.id)
                    assert campaign is not None
                    if await self.send_campaign(campaign) != "waiting":
                        continue
                    # the rest is in flight in another sender: look again in a moment
                    waiter = asyncio.ensure_future(self._wake.wait())
                    try:  # not wait_for: on 3.11 it can swallow the stop's cancellation
                        await asyncio.wait({waiter}, timeout=WAIT_FOR_OTHERS)
                    finally:
                        waiter.cancel()
                    self._wake.clear()
                    continue
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("broadcast loop error")
                await asyncio.sleep(5)
            next_at = await self.repo.next_scheduled_at()
            wait = 30.0 if next_at is None else max(0.1, min(30.0, next_at - time.time()))
            await wait_event(self._wake, wait)
            self._wake.clear()

    async def bot_username(self) -> str:
        if self._bot_username is None:
            me = await self.bot.me()
            self._bot_username = me.username or ""
        return self._bot_username

    async def markup_for(self, campaign: Campaign, locale: str) -> InlineKeyboardMarkup | None:
        t = self.i18n.get(locale)
        rows = []
        if campaign.join_cluster:
            link = f"https://t.me/{await self.bot_username()}?start=join_{campaign.join_cluster}__c{campaign.id}"
            rows.append([InlineKeyboardButton(text=t("campaign-btn-join"), url=link)])
        if campaign.unsubscribe_button:
            rows.append([InlineKeyboardButton(text=t("campaign-btn-unsubscribe"), callback_data=SubCb(on=0).pack())])
        return InlineKeyboardMarkup(inline_keyboard=rows) if rows else None

    async def markup_for_draft(self, data: dict, locale: str) -> InlineKeyboardMarkup | None:
        """The buttons of a campaign being composed, for the admin's preview."""
        t = self.i18n.get(locale)
        rows = []
        if data.get("join_cluster"):
            link = f"https://t.me/{await self.bot_username()}?start=join_{data['join_cluster']}__preview"
            rows.append([InlineKeyboardButton(text=t("campaign-btn-join"), url=link)])
        if data.get("unsub"):
            rows.append([InlineKeyboardButton(text=t("campaign-btn-unsubscribe"), callback_data=SubCb(on=0).pack())])
        return InlineKeyboardMarkup(inline_keyboard=rows) if rows else None

    async def send_campaign(self, campaign: Campaign) -> str:
        """Send to every pending recipient; returns the final status: done / paused / cancelled,
        "shutdown", "finished-elsewhere" (another sender finished it and reported) or "waiting"
        (its last recipients are in flight in another sender)."""
        startup = not self._registered
        await self.recover_in_flight(startup=startup)
        counts = await self.repo.counts(campaign.id)
        run = self.run = Run(campaign, sent_at_start=counts["sent"], locale=await self.repo.user_locale(campaign.admin_id))
        if self._stopping:
            run.stop = "shutdown"
        markups = {loc: await self.markup_for(campaign, loc) for loc in self.i18n.translators}
        progress = asyncio.create_task(self._progress_loop(run))
        in_flight: set[asyncio.Task] = set()
        gate = asyncio.Semaphore(IN_FLIGHT)
        try:
            await self._update_progress(run)
            while True:
                last_user = 0
                while run.stop is None:
                    batch = await self.repo.pending_batch_with_locale(campaign.id, last_user, BATCH)
                    if not batch:
                        break
                    for user_id, locale in batch:
                        if run.stop is not None:
                            break
                        await gate.acquire()
                        if run.stop is not None:  # paused or stopped while waiting for a slot
                            gate.release()
                            break
                        task = asyncio.create_task(self._send_one(run, user_id, markups.get(locale), gate))
                        in_flight.add(task)
                        task.add_done_callback(in_flight.discard)
                        last_user = user_id
                if in_flight:
                    await asyncio.gather(*in_flight)
                if run.stop is not None:
                    status = run.stop
                    break
                if await self.repo.finish(campaign.id):
                    status = "done"  # this sender alone: one final progress, one report
                    break
                # not finished: stopped elsewhere, someone still pending, or in flight elsewhere
                fresh = await self.repo.get(campaign.id)
                if fresh is None or fresh.status != "running":
                    status = _stop_reason(fresh.status if fresh else "done")
                    break
                left = await self.repo.counts(campaign.id)
                if left["pending"]:
                    continue  # released meanwhile (or below where this pass started)
                if left["sending"] and await self.recover_in_flight(startup=False):
                    continue  # their sender is gone: send them now
                status = "waiting"
                break
        finally:
            if in_flight:  # a database error left the loop: let the sends under way end first,
                # so no recipient of this process is released (and sent again) while in flight
                await asyncio.gather(*in_flight, return_exceptions=True)
            await cancel_task(progress)
            self.run = None
        if status in ("shutdown", "waiting", "finished-elsewhere"):
            return status  # the progress message and the report are someone else's (or later)
        fresh = await self.repo.get(campaign.id)
        await self._update_progress(Run(fresh or campaign, started=run.started, sent_at_start=run.sent_at_start, locale=run.locale),
                                    final=status in ("done", "cancelled"))
        if status == "done":
            await self._report(fresh or campaign)
        return status

    async def _send_one(self, run: Run, user_id: int, markup: InlineKeyboardMarkup | None,
                        gate: asyncio.Semaphore) -> None:
        campaign = run.campaign
        try:
            attempts = 0
            claimed = False
            while True:
                wait = self._resume_at - time.monotonic()
                if wait > 0:
                    await asyncio.sleep(wait)
                await self.limiter.acquire()
                if self._resume_at > time.monotonic():
                    continue  # a 429 arrived while this one waited for its turn
                if not claimed:
                    if run.stop is not None:
                        return  # paused, cancelled or shutting down: stays pending, nothing sent
                    # "sending" just before the first try, unless they unsubscribed meanwhile,
                    # another sender holds them, or the campaign was stopped (maybe elsewhere)
                    if not await self.repo.claim(campaign.id, user_id):
                        fresh = await self.repo.get(campaign.id)
                        if run.stop is None and (fresh is None or fresh.status != "running"):
                            run.stop = _stop_reason(fresh.status if fresh else "done")
                        return
                    claimed = True
                try:
                    with own_retries():  # this loop retries a failed copy itself
                        await self.bot.copy_message(
                            chat_id=user_id,
                            from_chat_id=campaign.source_chat_id,
                            message_id=campaign.source_message_id,
                            reply_markup=markup,
                        )
                except TelegramRetryAfter as exc:
                    # everyone waits: Telegram asked the bot, not this chat, to slow down
                    self._resume_at = max(self._resume_at, time.monotonic() + exc.retry_after)
                    log.warning("429 from Telegram: waiting %s s", exc.retry_after)
                    continue
                except (TelegramForbiddenError, TelegramNotFound) as exc:
                    await self.repo.mark(campaign.id, user_id, "blocked", exc.message[:200], attempt=True)
                    await self.repo.block_user(user_id)
                    return
                except TelegramBadRequest as exc:
                    lowered = exc.message.lower()
                    if "chat not found" in lowered or "user is deactivated" in lowered:
                        await self.repo.mark(campaign.id, user_id, "blocked", exc.message[:200], attempt=True)
                        await self.repo.block_user(user_id)
                    else:
                        await self.repo.mark(campaign.id, user_id, "failed", exc.message[:200], attempt=True)
                    return
                except asyncio.CancelledError:
                    raise
                except Exception as exc:  # network, 5xx: a few tries with backoff
                    attempts += 1
                    if attempts >= MAX_ATTEMPTS:
                        await self.repo.mark(campaign.id, user_id, "failed", f"{type(exc).__name__}: {exc}"[:200], attempt=True)
                        return
                    await asyncio.sleep(min(30.0, 2.0 ** attempts))
                    continue
                await self.repo.mark(campaign.id, user_id, "sent", None, attempt=True)
                return
        finally:
            gate.release()

    # ---- progress and the report -------------------------------------------------------------
    async def _progress_loop(self, run: Run) -> None:
        while True:
            await asyncio.sleep(self.progress_every)
            try:
                await self._update_progress(run)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("could not update campaign progress: %s", type(exc).__name__)

    def progress_text(self, run: Run, counts: dict[str, int], final: bool) -> str:
        t = self.i18n.get(run.locale)
        c = run.campaign
        total = max(c.total, 1)
        done = counts["sent"] + counts["blocked"] + counts["failed"] + counts["skipped"]
        left = c.total - done
        if c.total == 0:
            done = total = 1  # nobody to send to: complete
        filled = round(BAR * done / total)
        bar = "▓" * filled + "░" * (BAR - filled)
        elapsed = max(time.monotonic() - run.started, 0.001)
        rate = (counts["sent"] - run.sent_at_start) / elapsed
        eta = int(left / rate) if rate > 0 and left > 0 else 0
        status = t("campaign-status-" + c.status)
        return t(
            "campaign-progress",
            id=c.id, status=status, bar=bar, percent=round(100 * done / total), sent=counts["sent"],
            blocked=counts["blocked"], failed=counts["failed"], skipped=counts["skipped"], left=left,
            total=c.total, rate=f"{rate:.1f}", eta=f"{eta // 60}:{eta % 60:02d}",
        )

    def controls(self, campaign: Campaign, locale: str | None = None) -> InlineKeyboardMarkup | None:
        t = self.i18n.get(locale or self.settings.default_locale)

        def b(key: str, action: str) -> InlineKeyboardButton:
            return InlineKeyboardButton(text=t(key), callback_data=CampaignCb(action=action, id=campaign.id).pack())

        if campaign.status in ("running", "scheduled"):
            return InlineKeyboardMarkup(inline_keyboard=[[b("campaign-btn-pause", "pause"), b("campaign-btn-cancel", "cancel")]])
        if campaign.status == "paused":
            return InlineKeyboardMarkup(inline_keyboard=[[b("campaign-btn-resume", "resume"), b("campaign-btn-cancel", "cancel")]])
        return None

    async def _update_progress(self, run: Run, final: bool = False) -> None:
        fresh = await self.repo.get(run.campaign.id)
        if fresh is not None:
            run.campaign = fresh
        campaign = run.campaign
        counts = await self.repo.counts(campaign.id)
        text = self.progress_text(run, counts, final)
        if text == run.last_text:
            return  # never "message is not modified"
        markup = self.controls(campaign, run.locale)
        if campaign.progress_message_id is None:
            message = await self.bot.send_message(campaign.admin_id, text, reply_markup=markup)
            await self.repo.set_progress_message(campaign.id, message.chat.id, message.message_id)
            run.campaign = await self.repo.get(campaign.id) or campaign
        else:
            try:
                await self.bot.edit_message_text(
                    text=text, chat_id=campaign.progress_chat_id, message_id=campaign.progress_message_id,
                    reply_markup=markup,
                )
            except TelegramBadRequest as exc:
                if "message is not modified" not in exc.message:
                    raise
        run.last_text = text

    async def _report(self, campaign: Campaign) -> None:
        t = self.i18n.get(await self.repo.user_locale(campaign.admin_id))
        counts = await self.repo.counts(campaign.id)
        await self.bot.send_message(
            campaign.admin_id,
            t("campaign-report", id=campaign.id, sent=counts["sent"], blocked=counts["blocked"],
              failed=counts["failed"], skipped=counts["skipped"], total=campaign.total),
        )
        failures = await self.repo.failures(campaign.id)
        if failures:
            buffer = io.StringIO()
            writer = csv.writer(buffer, delimiter=";")
            writer.writerow(["user_id", "status", "error"])
            writer.writerows(failures)
            await self.bot.send_document(
                campaign.admin_id,
                BufferedInputFile(buffer.getvalue().encode("utf-8-sig"), f"campaign-{campaign.id}-failures.csv"),
                caption=t("campaign-failures-caption", count=len(failures)),
            )
