"""Which Telegram updates the bot has handled: each `update_id` is handled once, across restarts.

Telegram may deliver an update again: a webhook retry when the bot did not answer, or long
polling after a crash before the next getUpdates confirmed the batch. The receivers (polling
and webhook, bot/polling.py) ask `claim(update_id)` before handling an update and call
`finish()` when its handling ended (or `release()` if it was interrupted, so that a delivery
after a restart handles it again: an update is never skipped unless its handling finished).

The check is a dict lookup in memory; finished ids are written in batches (`flush()`: one
transaction for all ids finished since the last one). The receivers flush before they tell
Telegram an update is done (the next getUpdates, the webhook's answer), so a redelivery after a
crash is handled again only if its handling finished after the last flush, i.e. in the moments
between the end of its handler and the next flush. A background flush every second catches ids
of updates that finished late. A failed write (a full disk) keeps the ids and retries; at most
`max_pending` ids wait, the oldest are then dropped from the write (they stay known in memory).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from contextlib import suppress

from storage.db import Database

log = logging.getLogger(__name__)

KEEP_SECONDS = 2 * 24 * 3600  # Telegram keeps an update 24 h; ids can restart after a quiet week
MEMORY = 100_000  # newest handled ids kept in memory (loaded at start)
MAX_PENDING = 100_000
FLUSH_EVERY = 1.0
PRUNE_EVERY = 3600.0


class HandledUpdates:
    def __init__(
        self,
        db: Database,
        *,
        keep_seconds: float = KEEP_SECONDS,
        memory: int = MEMORY,
        max_pending: int = MAX_PENDING,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.db = db
        self.keep_seconds = keep_seconds
        self.memory = memory
        self.max_pending = max_pending
        self.clock = clock
        self._done: dict[int, float] = {}  # update_id -> handled at (insertion order = age)
        self._claimed: set[int] = set()  # being handled now
        self._pending: dict[int, float] = {}  # finished, not yet written
        self._write_lock = asyncio.Lock()
        self._failing = False
        self._dropped = 0
        self._pruned_at = 0.0
        self._flusher: asyncio.Task | None = None

    # ---- the check (in memory) ---------------------------------------------------------------
    def claim(self, update_id: int) -> bool:
        """True: handle it now (and call finish or release). False: it is being handled or was
        handled already (within `keep_seconds`)."""
        if update_id in self._claimed:
            return False
        at = self._done.get(update_id)
        if at is not None and self.clock() - at < self.keep_seconds:
            return False
        self._claimed.add(update_id)
        return True

    def running(self, update_id: int) -> bool:
        """Whether it is being handled now (claimed, not finished or released)."""
        return update_id in self._claimed

    def finish(self, update_id: int) -> None:
        """Its handling ended (successfully or with an error that was reported): never again."""
        self._claimed.discard(update_id)
        now = self.clock()
        self._remember(update_id, now)
        self._pending[update_id] = now
        if len(self._pending) > self.max_pending:
            self._pending.pop(next(iter(self._pending)))
            self._dropped += 1

    def release(self, update_id: int) -> None:
        """Its handling was interrupted: a later delivery handles it again."""
        self._claimed.discard(update_id)

    def _remember(self, update_id: int, at: float) -> None:
        self._done.pop(update_id, None)
        self._done[update_id] = at
        while len(self._done) > self.memory:
            self._done.pop(next(iter(self._done)))

    @property
    def pending(self) -> int:
        return len(self._pending)

    # ---- durability --------------------------------------------------------------------------
    async def load(self) -> int:
        """Remember the ids handled before this start (the newest `memory` of the kept ones)."""
        since = int(self.clock() - self.keep_seconds)
        rows = await self.db.fetchall(
            "SELECT update_id, handled_at FROM handled_updates WHERE handled_at >= ?"
            " ORDER BY handled_at DESC, update_id DESC LIMIT ?",
            (since, self.memory),
        )
        for row in reversed(rows):
            self._remember(int(row[0]), float(row[1]))
        return len(rows)

    async def flush(self) -> int:
        """Write the finished ids; never raises (a failed write keeps them for the next one)."""
        async with self._write_lock:  # concurrent callers: the first writes for all
            if not self._pending:
                return 0
            batch = list(self._pending.items())
            now = self.clock()
            try:
                async with self.db.transaction() as conn:
                    await conn.executemany(
                        "INSERT INTO handled_updates (update_id, handled_at) VALUES (?, ?)"
                        " ON CONFLICT (update_id) DO UPDATE SET handled_at = excluded.handled_at",
                        [(uid, int(at)) for uid, at in batch],
                    )
                    if now - self._pruned_at >= PRUNE_EVERY:
                        await conn.execute(
                            "DELETE FROM handled_updates WHERE handled_at < ?", (int(now - self.keep_seconds),)
                        )
                        self._pruned_at = now
            except Exception as exc:  # noqa: BLE001 - a full disk, a locked or read-only file
                if not self._failing:
                    log.warning(
                        "handled update ids: cannot write %d ids (%s); kept in memory, retrying",
                        len(batch), type(exc).__name__,
                    )
                    self._failing = True
                return 0
            for uid, at in batch:
                if self._pending.get(uid) == at:
                    del self._pending[uid]
            if self._failing:
                log.info("handled update ids: written again")
                self._failing = False
            if self._dropped:
                log.warning("handled update ids: %d ids were not written (too many waited)", self._dropped)
                self._dropped = 0
            return len(batch)

    def start(self, every: float = FLUSH_EVERY) -> None:
        if self._flusher is None:
            self._flusher = asyncio.create_task(self._run(every), name="handled-updates")

    async def _run(self, every: float) -> None:
        while True:
            await asyncio.sleep(every)
            await self.flush()

    async def close(self) -> None:
        """Stop the background flush and write what is left (before the database closes)."""
        if self._flusher is not None:
            self._flusher.cancel()
            with suppress(asyncio.CancelledError):
                await self._flusher
            self._flusher = None
        if self.db.is_open:
            await self.flush()
