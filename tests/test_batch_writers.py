"""The batched writers (question log, seen users) under a full disk and bad rows (issue 8, defect 4).

A full disk is SQLite's OperationalError "database or disk is full": here from a repository that
fails N times, and from a real database file capped with PRAGMA max_page_count.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time

import pytest
from aiogram.types import User

from bot.services import batch_writer
from bot.services.users import UserService
from storage.repositories import QuestionRepository

FULL = "database or disk is full"
BAD = "a\ud800b"  # a lone surrogate: Python's sqlite3 can't encode it (UnicodeEncodeError)


def full() -> sqlite3.OperationalError:
    return sqlite3.OperationalError(FULL)


class FlakyUsers:
    """A UserRepository whose batch write fails `fail` times with a full disk, then works."""

    def __init__(self, fail: int = 0, stored: set[int] | None = None) -> None:
        self.fail = fail
        self.rows: dict[int, tuple] = {}
        self.attempts = 0
        self.stored = set(stored or ())

    async def chosen_locales(self) -> dict[int, str]:
        return {}

    async def ids(self) -> set[int]:
        return set(self.stored)

    async def upsert_seen_many(self, rows: list[tuple]) -> None:
        self.attempts += 1
        await asyncio.sleep(0)
        if self.fail:
            self.fail -= 1
            raise full()
        for row in rows:
            if any(isinstance(v, str) and "\ud800" in v for v in row):
                raise UnicodeEncodeError("utf-8", row[1], 0, 1, "surrogates not allowed")
        self.rows.update({r[0]: r for r in rows})


def user(uid: int, name: str = "Иван") -> User:
    return User(id=uid, is_bot=False, first_name=name, language_code="ru")


async def fill_the_disk(app) -> None:  # noqa: ANN001
    """Cap the file at its size, then write questions until SQLite says the disk is full."""
    page_count = (await app.db.fetchone("PRAGMA page_count"))[0]
    await app.db.fetchone(f"PRAGMA max_page_count = {page_count}")
    repo = QuestionRepository(app.db)
    for filler in ("заполнитель " * 20, "з"):  # big rows, then the smallest: no room is left
        for _ in range(10_000):
            try:
                await repo.add(None, filler, "ru", None, None, 0.0, False)
            except sqlite3.OperationalError as exc:
                assert "full" in str(exc) or "rollback" in str(exc)
                break
        else:
            raise AssertionError("the disk never filled up")


async def logged_questions(app, like: str) -> list[str]:  # noqa: ANN001
    rows = await app.db.fetchall("SELECT text FROM questions WHERE text LIKE ? ORDER BY id", (like,))
    return [r[0] for r in rows]


# ---- the question log -------------------------------------------------------------------------


async def test_a_full_disk_loses_no_question(app):
    await fill_the_disk(app)
    asked = [f"вопрос номер {i} про сырьё" for i in range(20)]
    for text in asked:
        await app.questions.ask(501, text, "ru")  # answered although the log can't be written
    assert await logged_questions(app, "вопрос номер %") == []
    await app.db.fetchone("PRAGMA max_page_count = 1073741823")  # space is back
    await app.questions.flush()
    assert await logged_questions(app, "вопрос номер %") == asked


async def test_the_background_writer_retries_with_backoff_until_written(app, monkeypatch):
    monkeypatch.setattr(app.questions.log_writer, "backoff_start", 0.01)
    monkeypatch.setattr(app.questions.log_writer, "interval", 0.01)
    real = app.questions.repo
    attempts = []

    class Failing:
        async def add_many(self, rows):  # noqa: ANN001, ANN202
            attempts.append(time.monotonic())
            if len(attempts) <= 4:
                raise full()
            await real.add_many(rows)

    app.questions.repo = Failing()
    app.questions.start()
    for i in range(5):
        await app.questions.ask(501, f"повтор {i}", "ru")
    for _ in range(500):
        if len(await logged_questions(app, "повтор %")) == 5:
            break
        await asyncio.sleep(0.01)
    assert await logged_questions(app, "повтор %") == [f"повтор {i}" for i in range(5)]
    gaps = [b - a for a, b in zip(attempts, attempts[1:], strict=False)][:4]
    assert gaps[3] > gaps[0] * 2  # backing off: 0.01, 0.02, 0.04, 0.08 s
    await app.questions.stop()


async def test_a_question_sqlite_cannot_store_is_dropped_alone(app, caplog):
    texts = ["первый вопрос", f"плохой {BAD} вопрос", "третий вопрос"]
    app.questions.start()  # batched: all three in one transaction
    caplog.set_level(logging.WARNING)
    for text in texts:
        await app.questions.ask(501, text, "ru")
    await app.questions.stop()
    assert await logged_questions(app, "%вопрос") == ["первый вопрос", "третий вопрос"]
    dropped = [r for r in caplog.records if "refuses" in r.getMessage()]
    assert len(dropped) == 1 and "UnicodeEncodeError" in dropped[0].getMessage()
    assert not any("плохой" in r.getMessage() for r in caplog.records)  # no content in the log


async def test_held_questions_are_capped_the_newest_dropped_and_counted_once(app, caplog, monkeypatch):
    writer = app.questions.log_writer
    monkeypatch.setattr(writer, "max_pending", 10)
    await fill_the_disk(app)
    caplog.set_level(logging.WARNING)
    for i in range(25):
        await app.questions.ask(501, f"в очереди {i}", "ru")
    assert len(writer.pending) == 10 and writer.dropped == 15
    assert len([r for r in caplog.records if "the most held" in r.getMessage()]) == 1
    await app.db.fetchone("PRAGMA max_page_count = 1073741823")
    await app.questions.flush()
    assert await logged_questions(app, "в очереди %") == [f"в очереди {i}" for i in range(10)]
    assert any("15 rows were dropped" in r.getMessage() for r in caplog.records)


async def test_stop_gives_up_after_a_few_attempts_on_a_disk_that_stays_full(app, caplog):
    await fill_the_disk(app)
    app.questions.start()
    await app.questions.ask(501, "не записать", "ru")
    caplog.set_level(logging.ERROR)
    started = time.monotonic()
    await asyncio.wait_for(app.questions.stop(), 5)
    assert time.monotonic() - started < 2
    assert app.questions.log_writer.lost_at_stop == 1
    assert any("1 rows not written at stop" in r.getMessage() for r in caplog.records)
    await app.db.fetchone("PRAGMA max_page_count = 1073741823")  # for the fixture's shutdown


# ---- seen users -------------------------------------------------------------------------------


async def test_seen_users_are_kept_through_failed_writes():
    repo = FlakyUsers(fail=3)
    users = UserService(repo)  # type: ignore[arg-type]
    await users.load()
    for uid in range(1, 181):
        await users.seen(user(uid))  # no background writer: one attempt each
    assert repo.rows  # the disk came back during the burst
    await users.flush()
    assert sorted(repo.rows) == list(range(1, 181))  # nobody lost: all of them get campaigns


async def test_a_user_row_sqlite_cannot_store_is_dropped_alone(caplog):
    repo = FlakyUsers()
    users = UserService(repo)  # type: ignore[arg-type]
    users.writer.interval = 60  # the test flushes
    users.start()
    caplog.set_level(logging.WARNING)
    for uid in range(1, 11):
        await users.seen(user(uid, BAD if uid == 4 else f"Имя{uid}"))
    await users.stop()
    assert sorted(repo.rows) == [1, 2, 3, 5, 6, 7, 8, 9, 10]
    assert users.writer.rejected == 1
    assert not any("Имя" in r.getMessage() or "\ud800" in r.getMessage() for r in caplog.records)


async def test_the_users_cap_counts_distinct_users_and_drops_refreshes_before_new_users():
    repo = FlakyUsers(fail=10**6, stored={1, 2, 3})
    users = UserService(repo)  # type: ignore[arg-type]
    await users.load()
    users.writer.max_pending = 5
    for _ in range(3):  # the same users again and again: coalesced, one row each
        for uid in (1, 2, 3):
            await users.seen(user(uid, f"N{_}"))
    assert len(users.writer.pending) == 3 and users.writer.dropped == 0
    for uid in (10, 11, 12, 13, 14):  # new users: the refreshes of 1, 2, 3 make room
        await users.seen(user(uid))
    assert sorted(users.writer.pending) == [10, 11, 12, 13, 14]
    assert users.writer.dropped == 3
    await users.seen(user(15))  # the cap is full of new users: refused, offered again later
    assert 15 not in users.writer.pending and users.writer.dropped == 4
    repo.fail = 0  # space is back: the held rows are written
    await users.flush()
    assert sorted(repo.rows) == [10, 11, 12, 13, 14]
    await users.seen(user(15))  # their next update: not "seen" yet, so the row is offered again
    assert sorted(repo.rows) == [10, 11, 12, 13, 14, 15]
    await users.seen(user(1, "N2"))  # a refresh dropped earlier is offered again too
    assert 1 in repo.rows


async def test_a_row_replaced_while_its_batch_is_written_is_not_lost():
    gate = asyncio.Event()

    class Slow(FlakyUsers):
        async def upsert_seen_many(self, rows):  # noqa: ANN001, ANN202
            await gate.wait()
            await super().upsert_seen_many(rows)

    repo = Slow()
    users = UserService(repo)  # type: ignore[arg-type]
    users.writer.interval = 60
    users.start()
    await users.seen(user(1, "Старое"))
    flushing = asyncio.create_task(users.flush())
    await asyncio.sleep(0.01)
    await users.seen(user(1, "Новое"))  # arrives while the batch with the old name is written
    gate.set()
    await flushing
    await users.stop()
    assert repo.rows[1][1] == "Новое"


async def test_stop_of_the_users_writer_does_not_hang_on_a_full_disk():
    users = UserService(FlakyUsers(fail=10**6))  # type: ignore[arg-type]
    users.start()
    await users.seen(user(1))
    await asyncio.wait_for(users.stop(), 3)
    assert users.writer.lost_at_stop == 1
    assert users.writer.retry_delay(1) == batch_writer.BACKOFF_START
    assert users.writer.retry_delay(20) == batch_writer.BACKOFF_MAX


@pytest.mark.parametrize("error", [sqlite3.OperationalError("database is locked"), full()])
async def test_storage_errors_never_drop_a_row_one_by_one(error):
    calls = []

    async def write(rows):  # noqa: ANN001, ANN202
        calls.append(len(rows))
        raise error

    writer = batch_writer.BatchWriter("t", write, max_pending=100, batch_size=50, interval=1)
    for i in range(5):
        writer.put(i, (i,))
    with pytest.raises(sqlite3.OperationalError):
        await writer.flush()
    assert calls == [5] and len(writer.pending) == 5 and writer.rejected == 0


async def test_a_stop_right_as_a_batch_fills_up_does_not_hang():
    """Python 3.11's asyncio.wait_for swallows a cancellation that arrives as the awaited event
    is set: the writer's loop went on and the shutdown waited for it forever (a hung bench)."""
    written = []

    async def write(rows):  # noqa: ANN001, ANN202
        written.extend(rows)

    async def fill_and_stop() -> None:
        writer = batch_writer.BatchWriter("t", write, max_pending=100, batch_size=1, interval=60)
        writer.start()
        await asyncio.sleep(0)  # the loop waits for its wake-up
        writer.put(len(written), ("row",))  # a full batch: wakes it...
        await writer.stop()  # ...in the same moment as the stop cancels it

    for _ in range(5):
        stopping = asyncio.ensure_future(fill_and_stop())
        done, _ = await asyncio.wait({stopping}, timeout=2)  # (wait_for: cancel_task eats it)
        if not done:
            for task in asyncio.all_tasks():
                if task.get_name() == "t":
                    task.cancel()  # the loop that went on: let the test end
            await stopping
        assert done, "the stop hung: the writer's loop swallowed its cancellation"
    assert len(written) == 5


async def test_a_stop_while_a_batch_is_being_written_writes_each_row_once():
    """Issue 9: the stop cancelled the writer in the middle of a batch; a batch whose commit had
    gone through was then written again by the stop's own flush (the question log counted those
    questions twice). The batch being written is let finish first."""
    written: list[tuple] = []
    committing = asyncio.Event()

    async def write(rows):  # noqa: ANN001, ANN202
        written.extend(rows)  # in the database: the commit went through...
        committing.set()
        await asyncio.sleep(0.05)  # ...and its result is on its way back from the database thread

    writer = batch_writer.BatchWriter("t", write, max_pending=100, batch_size=3, interval=60)
    writer.start()
    for i in range(3):
        writer.put(i, (i,))  # a full batch: the writer wakes and writes it
    await committing.wait()
    await writer.stop()
    assert sorted(written) == [(0,), (1,), (2,)] and not writer.pending
