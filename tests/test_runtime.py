"""The runtime's parts on their own: the single-instance lock, the handled-update ids, and the
poller's 409 handling (in-process, against the fake Bot API)."""

from __future__ import annotations

import asyncio
import logging
import os
import sqlite3
from pathlib import Path

import bot  # noqa: F401  (first, as in `python -m bot`)

# isort: split
import aiosqlite
import pytest
from aiogram.utils.backoff import BackoffConfig

from bot.app import create_app
from bot.polling import Poller
from bot.settings import Settings
from storage.db import Database
from storage.instance import InstanceLock, InstanceLocked, lock_path
from storage.updates import HandledUpdates
from tests.fake_telegram import FakeTelegram

# ---------------------------------------------------------------------------- the lock


def test_the_lock_is_exclusive_names_the_holder_and_is_released(tmp_path):
    db = tmp_path / "data" / "bot.sqlite3"
    first = InstanceLock(db).acquire()
    assert first.held and lock_path(db).exists()
    with pytest.raises(InstanceLocked) as taken:
        InstanceLock(db).acquire()  # another open file description: flock refuses it too
    assert f"pid {os.getpid()}" in str(taken.value) and str(db) in str(taken.value)
    # another spelling of the same file (relative parts, a symlink) shares the lock
    (tmp_path / "link").symlink_to(tmp_path / "data")
    for other in (tmp_path / "data" / ".." / "data" / "bot.sqlite3", tmp_path / "link" / "bot.sqlite3"):
        with pytest.raises(InstanceLocked):
            InstanceLock(other).acquire()
    first.release()
    with InstanceLock(db) as again:
        assert again.held
    assert InstanceLock(":memory:").acquire().held  # nothing to share


def test_a_lock_file_that_cannot_be_created_is_an_os_error(tmp_path):
    blocker = tmp_path / "afile"
    blocker.write_text("x")
    with pytest.raises(OSError):
        InstanceLock(blocker / "bot.sqlite3").acquire()


# ---------------------------------------------------------------------------- handled updates


@pytest.fixture
async def db(tmp_path: Path):
    database = Database(tmp_path / "bot.sqlite3")
    await database.open()
    yield database
    await database.close()


async def test_an_update_is_handled_once_and_remembered_across_restarts(db):
    handled = HandledUpdates(db)
    assert handled.claim(10)
    assert not handled.claim(10)  # being handled: a concurrent redelivery is skipped
    handled.finish(10)
    assert not handled.claim(10)
    assert handled.claim(11)
    handled.release(11)  # interrupted: a later delivery handles it
    assert handled.claim(11)
    assert await handled.flush() == 1 and handled.pending == 0

    restarted = HandledUpdates(db)
    assert await restarted.load() == 1
    assert not restarted.claim(10) and restarted.claim(11)


async def test_old_ids_are_forgotten_and_pruned(db):
    now = [1_000_000.0]
    handled = HandledUpdates(db, keep_seconds=100, clock=lambda: now[0])
    handled.finish(1)
    await handled.flush()
    now[0] += 101  # ids may start again after a quiet week: an old one is not "handled"
    assert handled.claim(1)
    handled.finish(2)
    await handled.flush()  # prunes rows older than keep_seconds
    rows = await db.fetchall("SELECT update_id FROM handled_updates ORDER BY update_id")
    assert [r[0] for r in rows] == [1, 2]  # pruned at most once an hour
    now[0] += 3601
    handled.finish(3)
    await handled.flush()
    rows = await db.fetchall("SELECT update_id FROM handled_updates ORDER BY update_id")
    assert [r[0] for r in rows] == [3]


async def test_memory_is_bounded(db):
    handled = HandledUpdates(db, memory=3)
    for uid in range(1, 6):
        assert handled.claim(uid)
        handled.finish(uid)
    assert handled.claim(1) and not handled.claim(5)  # only the newest 3 are remembered


async def test_a_failed_write_keeps_the_ids_and_retries(db, caplog):
    handled = HandledUpdates(db, max_pending=2)
    for uid in (1, 2, 3):
        handled.claim(uid)
        handled.finish(uid)
    assert handled.pending == 2  # bounded: the oldest waiting id is dropped from the write

    real = db.transaction

    def broken():
        raise sqlite3.OperationalError("database or disk is full")

    db.transaction = broken  # type: ignore[method-assign]
    with caplog.at_level(logging.WARNING, logger="storage.updates"):
        assert await handled.flush() == 0
        assert await handled.flush() == 0
    assert handled.pending == 2
    assert sum("cannot write" in r.getMessage() for r in caplog.records) == 1  # once, not per try
    db.transaction = real  # type: ignore[method-assign]
    assert await handled.flush() == 2
    rows = await db.fetchall("SELECT update_id FROM handled_updates ORDER BY update_id")
    assert [r[0] for r in rows] == [2, 3]
    assert not handled.claim(1)  # still known in memory


async def test_check_writable_refuses_a_read_only_connection(tmp_path):
    path = tmp_path / "bot.sqlite3"
    database = Database(path)
    await database.open()
    await database.check_writable()
    await database.close()
    read_only = Database(path)  # as SQLite opens a file it may read but not write
    read_only._conn = await aiosqlite.connect(f"file:{path}?mode=ro", uri=True, isolation_level=None)
    try:
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            await read_only.check_writable()
    finally:
        await read_only.close()


# ---------------------------------------------------------------------------- the poller


async def test_conflict_backs_off_tells_admins_once_and_logs_the_recovery(tmp_path, caplog):
    fake = FakeTelegram()
    await fake.start()
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        bot_token=fake.token, telegram_api_url=fake.url,
        database_path=tmp_path / "bot.sqlite3", admin_ids=[901, 902],
    )
    app = create_app(settings)
    await app.startup()
    handled = HandledUpdates(app.db)
    poller = Poller(app, handled, timeout=1, conflict_quiet=0.3,
                    conflict_backoff=BackoffConfig(min_delay=0.05, max_delay=0.2, factor=2.0, jitter=0.0))
    fake.fail_next("getUpdates", 409, "Conflict: terminated by other getUpdates request", count=4)
    fake.fail_chat(902, 403, "Forbidden: bot was blocked by the user")  # one admin can't be told
    stop = asyncio.Event()
    try:
        with caplog.at_level(logging.INFO, logger="bot.polling"):
            task = asyncio.create_task(poller.run(stop))
            await fake.wait_message(901, contains="409 Conflict", timeout=10)
            await fake.wait_for(lambda f: sum(c.ok for c in f.calls_of("getUpdates")) >= 1, timeout=10)
            update_id = fake.send_text(501, "/help")
            await fake.wait_message(501, after=update_id, timeout=10)
            for _ in range(50):
                if any("polling recovered" in r.getMessage() for r in caplog.records):
                    break
                await asyncio.sleep(0.1)
            stop.set()
            await asyncio.wait_for(task, 5)
            await poller.finish(2)
    finally:
        await handled.close()
        await app.shutdown()
        await app.bot.session.close()
        await fake.stop()
    messages = [r.getMessage() for r in caplog.records]
    assert sum("409 Conflict (" in m for m in messages) == 1, messages
    assert sum("polling recovered" in m and "4 conflicts" in m for m in messages) == 1, messages
    assert len([m for m in fake.sent_to(901) if "409 Conflict" in m.text]) == 1
    assert any("could not tell an admin" in m for m in messages)
    assert not any("901" in m or "902" in m for m in messages)  # no user ids in the log
