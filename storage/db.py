"""The aiosqlite connection: WAL, busy timeout, foreign keys, numbered migrations."""

from __future__ import annotations

import asyncio
import logging
import re
import sqlite3
from collections.abc import AsyncIterator, Awaitable
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path

import aiosqlite

log = logging.getLogger(__name__)

_MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


def list_migrations() -> list[tuple[int, str, str]]:
    """(version, name, sql) for every shipped migration, in order."""
    found = []
    for entry in resources.files("storage.migrations").iterdir():
        match = _MIGRATION_NAME.match(entry.name)
        if match:
            found.append((int(match.group(1)), entry.name, entry.read_text(encoding="utf-8")))
    found.sort()
    versions = [v for v, _, _ in found]
    if versions != list(range(1, len(versions) + 1)):
        raise RuntimeError(f"migrations must be numbered 1..N without gaps, found {versions}")
    return found


async def _settle(statement: Awaitable[object]) -> None:
    """Await `statement` to its end even if the task is cancelled meanwhile; the cancellation
    is raised once it finished (its own error, if any, is then only chained)."""
    running = asyncio.ensure_future(statement)
    cancelled: asyncio.CancelledError | None = None
    while True:
        try:
            await asyncio.shield(running)
            break
        except asyncio.CancelledError as exc:
            cancelled = exc
            if running.done():
                break
        except BaseException:
            if cancelled is None:
                raise
            break
    if cancelled is not None:
        error = None if running.cancelled() else running.exception()
        raise cancelled from error


class Database:
    """One connection shared by the whole bot.

    aiosqlite runs every statement on its own thread in order; `transaction()` holds an
    asyncio lock so statements of different coroutines never interleave inside a transaction.
    Every write goes through `transaction()` (or `write()` for one statement).
    """

    def __init__(self, path: Path | str) -> None:
        self.path = str(path)
        self._conn: aiosqlite.Connection | None = None
        self._lock = asyncio.Lock()
        # True once this process holds the single-instance lock on the file: only then may
        # caches assume that no other process writes (set by the instance lock, see the runner)
        self.exclusive = False

    @property
    def is_open(self) -> bool:
        return self._conn is not None

    @property
    def conn(self) -> aiosqlite.Connection:
        if self._conn is None:
            raise RuntimeError("database is not open")
        return self._conn

    async def open(self) -> None:
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        if await asyncio.to_thread(Path(str(self.path)).is_dir):
            raise sqlite3.OperationalError(f"{self.path} is a directory, not a database file")
        connection = aiosqlite.connect(self.path, isolation_level=None)
        try:
            self._conn = await connection
        except BaseException:
            # aiosqlite stops its worker thread without waiting: let it finish while the event
            # loop is alive (otherwise the thread reports "Event loop is closed" at exit)
            await asyncio.to_thread(connection._thread.join, 5)
            raise
        self._conn.row_factory = aiosqlite.Row
        try:
            await self._conn.execute("PRAGMA journal_mode=WAL")
            await self._conn.execute("PRAGMA busy_timeout=5000")
            await self._conn.execute("PRAGMA foreign_keys=ON")
            await self._conn.execute("PRAGMA synchronous=NORMAL")
            await self.migrate()
        except BaseException:
            await self.close()  # not a database, or can't be written: nothing left running
            raise

    async def close(self) -> None:
        if self._conn is not None:
            await self._conn.close()
            self._conn = None

    async def check_writable(self) -> None:
        """Raise sqlite3.OperationalError now if the file can be read but not written (a
        read-only file, directory or file system), instead of at the first write of a running
        bot. Rewrites the schema version with its own value: one small write, nothing changes."""
        async with self._lock:
            version = await self.schema_version()
            await self.conn.execute(f"PRAGMA user_version = {int(version)}")

    async def schema_version(self) -> int:
        async with self.conn.execute("PRAGMA user_version") as cur:
            row = await cur.fetchone()
        return int(row[0])

    async def migrate(self) -> int:
        """Apply every migration newer than the file's `user_version`, each atomically."""
        current = await self.schema_version()
        migrations = list_migrations()
        if current > len(migrations):
            raise RuntimeError(
                f"database schema version {current} is newer than this code knows ({len(migrations)})"
            )
        for version, name, sql in migrations:
            if version <= current:
                continue
            log.info("applying migration %s", name)
            async with self._lock:
                await self.conn.executescript(
                    f"BEGIN IMMEDIATE;\n{sql}\nPRAGMA user_version = {version};\nCOMMIT;"
                )
        return len(migrations)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """BEGIN IMMEDIATE … COMMIT; rolled back on any exception, a cancellation included.

        A cancellation never leaves a transaction open on the connection (every later one
        would fail with "cannot start a transaction within a transaction"): aiosqlite runs a
        statement on its thread even when the task awaiting it is cancelled, so BEGIN and
        COMMIT are awaited to their end (`_settle`) and the cancellation raised after. One
        that arrives during COMMIT is raised after the commit: the transaction may be
        committed though the caller sees the cancellation."""
        async with self._lock:
            try:
                await _settle(self.conn.execute("BEGIN IMMEDIATE"))
                yield self.conn
                await _settle(self.conn.execute("COMMIT"))
            except BaseException:
                await self._rollback()
                raise

    async def _rollback(self) -> None:
        """Roll back what is still open after a failure. SQLite may already have rolled the
        transaction back itself (SQLITE_FULL, SQLITE_IOERR): then a ROLLBACK would fail with
        "no transaction is active" and hide the real error; a COMMIT that failed (full disk)
        leaves the transaction open, and it is rolled back here."""
        if self._conn is not None and self._conn.in_transaction:
            try:
                await self._conn.execute("ROLLBACK")
            except sqlite3.Error as exc:  # the original error is what the caller must see
                log.warning("rollback after a failed transaction failed too: %s", exc)

    async def write(self, sql: str, params: tuple | dict = ()) -> int:
        """One write statement in its own transaction; returns lastrowid."""
        async with self.transaction() as conn:
            cur = await conn.execute(sql, params)
            rowid = cur.lastrowid or 0
            await cur.close()
            return rowid

    async def fetchall(self, sql: str, params: tuple | dict = ()) -> list[aiosqlite.Row]:
        # one trip to the database thread (execute + fetch + close), not three
        return list(await self.conn.execute_fetchall(sql, params))

    async def fetchone(self, sql: str, params: tuple | dict = ()) -> aiosqlite.Row | None:
        rows = await self.conn.execute_fetchall(sql, params)
        return rows[0] if rows else None
