"""Batched writes that keep their rows until the database has them (the question log, seen users).

A row is taken off only after the transaction that wrote it committed. When the database can't
be written at all — a full disk, a lock held too long, an I/O error, a read-only file: SQLite's
`OperationalError` — the rows stay and the writer retries with backoff (1 s doubling to 30 s),
logging once per outage. When a batch fails for any other reason (a row SQLite can't take: a
lone surrogate in a string, an integer beyond 64 bits), the rows are written one by one and only
the row that fails by itself is dropped and logged — by its error type, never its content.

Memory is bounded while the disk stays full: at most `max_pending` rows are held. Beyond that
a new row is refused (counted, logged once per outage), except that a row marked `evictable`
(worth less: e.g. a refresh of a user already stored) is dropped first to make room. Refusing
the newest keeps every row once accepted, so what is held is written when space is back; and
the caller learns at once that a row was refused (it can offer it again later).

`flush()` makes one pass; a stop makes at most `STOP_ATTEMPTS` so it never hangs on a disk that
stays full: what is still held then is logged as lost (a count).
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable, Iterable
from itertools import islice

from bot.services.tasks import cancel_task, wait_event

log = logging.getLogger(__name__)

BACKOFF_START = 1.0
BACKOFF_MAX = 30.0
STOP_ATTEMPTS = 3
STOP_BACKOFF = 0.2  # seconds before the 2nd attempt at a stop, doubled for the 3rd

# the database, not a row: retrying later helps, writing rows one by one does not
STORAGE_ERRORS: tuple[type[BaseException], ...] = (sqlite3.OperationalError,)


class BatchWriter:
    """Holds rows by key (a new row for a held key replaces it: coalescing) and writes them in
    batches through `write(rows)`, which must write all of them in one transaction or none."""

    def __init__(
        self,
        name: str,
        write: Callable[[list[tuple]], Awaitable[object]],
        *,
        max_pending: int,
        batch_size: int,
        interval: float,
        on_written: Callable[[list[Hashable]], object] | None = None,
    ) -> None:
        self.name = name
        self._write = write
        self.max_pending = max_pending
        self.batch_size = batch_size
        self.interval = interval
        self._on_written = on_written
        self.pending: OrderedDict[Hashable, tuple] = OrderedDict()
        self._evictable: OrderedDict[Hashable, None] = OrderedDict()
        self.dropped = 0  # rows refused or evicted because `max_pending` were held
        self.rejected = 0  # rows the database refused by themselves
        self.lost_at_stop = 0  # rows still held when a stop gave up
        self.failing = False  # the last write attempt met a storage error
        self._dropped_this_outage = 0
        self._lock = asyncio.Lock()
        self._wake = asyncio.Event()
        self._task: asyncio.Task | None = None
        self._stopping = False
        self.backoff_start = BACKOFF_START
        self.backoff_max = BACKOFF_MAX
        self.stop_backoff = STOP_BACKOFF

    # ---- holding -------------------------------------------------------------------------
    def put(self, key: Hashable, row: tuple, *, evictable: bool = False) -> tuple[bool, Hashable | None]:
        """Hold `row` under `key`. Returns (held, evicted key): held is False when the row was
        refused because the cap is reached; evicted is the key of a row dropped to make room."""
        if key in self.pending:
            self.pending[key] = row  # coalesced: still one row for the key
            if evictable:
                self._evictable[key] = None
            else:
                self._evictable.pop(key, None)
            return True, None
        evicted = None
        if len(self.pending) >= self.max_pending:
            if evictable or not self._evictable:
                self._count_drop()
                return False, None
            evicted, _ = self._evictable.popitem(last=False)
            del self.pending[evicted]
            self._count_drop()
        self.pending[key] = row
        if evictable:
            self._evictable[key] = None
        if len(self.pending) >= self.batch_size:
            self._wake.set()
        return True, evicted

    def _count_drop(self) -> None:
        self.dropped += 1
        self._dropped_this_outage += 1
        if self._dropped_this_outage == 1:
            log.warning("%s: %d rows are waiting for the database, the most held: new rows are"
                        " dropped (counted) until it can be written", self.name, self.max_pending)

    def _taken(self, keys: Iterable[Hashable], rows: Iterable[tuple]) -> list[Hashable]:
        """Take off the rows that were written (unless a newer row replaced one meanwhile)."""
        done = []
        for key, row in zip(keys, rows, strict=True):
            if self.pending.get(key) is row:
                del self.pending[key]
                self._evictable.pop(key, None)
                done.append(key)
        return done

    # ---- writing -------------------------------------------------------------------------
    async def flush(self) -> int:
        """Write everything held, one pass. Raises a storage error (rows kept) if the database
        can't be written; a row refused by itself is dropped and logged. Returns rows written."""
        async with self._lock:
            written = 0
            while self.pending:
                keys = list(islice(self.pending, self.batch_size))
                rows = [self.pending[k] for k in keys]
                try:
                    await self._write(rows)
                except STORAGE_ERRORS:
                    self.failing = True
                    raise
                except Exception:
                    written += await self._one_by_one(keys, rows)
                    continue
                written += self._committed(keys, rows)
            self._recovered()
            return written

    async def _one_by_one(self, keys: list[Hashable], rows: list[tuple]) -> int:
        written = 0
        for key, row in zip(keys, rows, strict=True):
            try:
                await self._write([row])
            except STORAGE_ERRORS:
                self.failing = True
                raise
            except Exception as exc:
                self.rejected += 1
                self._taken([key], [row])
                log.warning("%s: dropped a row the database refuses (%s)", self.name, type(exc).__name__)
                continue
            written += self._committed([key], [row])
        return written

    def _committed(self, keys: list[Hashable], rows: list[tuple]) -> int:
        done = self._taken(keys, rows)
        if self._on_written and done:
            self._on_written(done)
        return len(rows)

    def _recovered(self) -> None:
        if self.failing:
            log.warning("%s: the database can be written again; %d rows were dropped meanwhile",
                        self.name, self._dropped_this_outage)
        self.failing = False
        self._dropped_this_outage = 0

    async def flush_quietly(self) -> None:
        """One attempt, for callers without a background writer: a storage error is logged
        and the rows stay for the next attempt."""
        already = self.failing
        try:
            await self.flush()
        except STORAGE_ERRORS as exc:
            if not already:  # once per outage
                log.warning("%s: could not write %d rows (%s); kept", self.name, len(self.pending), exc)

    # ---- background ------------------------------------------------------------------------
    @property
    def running(self) -> bool:
        return self._task is not None

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name=self.name)

    def retry_delay(self, failures: int) -> float:
        """Seconds before the next attempt after `failures` storage errors in a row."""
        if failures == 0:
            return self.interval
        return min(self.backoff_max, self.backoff_start * 2 ** (failures - 1))

    async def _wait_for_wake(self, timeout: float) -> None:
        """Until `put()` asks for a write or `timeout` passes (see `wait_event`: a stop
        never hangs on a cancellation swallowed by `asyncio.wait_for`)."""
        await wait_event(self._wake, timeout)

    async def _run(self) -> None:
        failures = 0
        while not self._stopping:
            if failures:
                await asyncio.sleep(self.retry_delay(failures))  # a full batch doesn't hurry it
            else:
                await self._wait_for_wake(self.interval)
            if self._stopping:
                return
            self._wake.clear()
            try:
                await self.flush()
            except STORAGE_ERRORS as exc:
                failures += 1
                if failures == 1:
                    log.warning("%s: could not write %d rows (%s); kept, retrying", self.name,
                                len(self.pending), exc)
                continue
            except Exception:  # never let a writer take the bot down
                log.exception("%s: unexpected error", self.name)
            failures = 0

    async def stop(self) -> None:
        """Stop the background writer and write what is held, in at most STOP_ATTEMPTS tries."""
        self._stopping = True  # the loop ends even if a cancellation got lost
        # a batch being written is let finish: cancelled during its commit, it may be in the
        # database while its rows still wait here, and they would be written a second time
        async with self._lock:
            pass
        await cancel_task(self._task)
        self._task = None
        self._stopping = False
        delay = self.stop_backoff
        for attempt in range(1, STOP_ATTEMPTS + 1):
            try:
                await self.flush()
                return
            except STORAGE_ERRORS as exc:
                if attempt == STOP_ATTEMPTS:
                    self.lost_at_stop = len(self.pending)
                    log.error("%s: %d rows not written at stop (%s)", self.name, self.lost_at_stop, exc)
                    return
            await asyncio.sleep(delay)
            delay *= 2
