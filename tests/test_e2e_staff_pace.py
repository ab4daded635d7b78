"""End to end: Telegram's 20-messages-a-minute limit for a group, against the real `python -m bot`.

The fake Bot API enforces a per-minute limit on sends to a group (3 here, to keep the test
short). Applications are written into the database while the bot runs, each with its card job
in the outbox, as the join dialogue does.
"""

from __future__ import annotations

import asyncio
import dataclasses
from pathlib import Path

import pytest

from storage.applications import ApplicationRepository
from storage.db import Database
from tests.botproc import BotProcess
from tests.fake_telegram import Call, FakeTelegram
from tests.test_delivery import new_application

STAFF_CHAT = -1001234567890
ENV = {"STAFF_CHAT_ID": str(STAFF_CHAT), "STAFF_IDS": "800", "ADMIN_IDS": "900"}
LIMIT = 3
INNS = ["7707083893", "7728168971", "7736050003", "7702070139", "7710140679"]


@pytest.fixture
async def fake():
    server = FakeTelegram()
    await server.start()
    server.add_chat(STAFF_CHAT, "supergroup", title="Сотрудники АКИТ")
    server.group_limit_per_minute = LIMIT
    yield server
    await server.stop()


async def start(fake: FakeTelegram, db_path: Path, per_minute: int) -> BotProcess:
    proc = BotProcess(fake, db_path, **ENV, STAFF_MESSAGES_PER_MINUTE=str(per_minute))
    await proc.start()
    return proc


async def apply_five(db_path: Path) -> None:
    db = Database(db_path)
    await db.open()
    try:
        cluster_id = (await db.fetchone("SELECT min(id) FROM clusters"))[0]
        repo = ApplicationRepository(db)
        for i, inn in enumerate(INNS):
            app = dataclasses.replace(new_application(user_id=5000 + i, inn=inn), cluster_id=cluster_id)
            await repo.create(app, [("staff_card", {"application_id": "{id}"})])
    finally:
        await db.close()


def card_calls(fake: FakeTelegram) -> list[Call]:
    return [c for c in fake.calls if c.method == "sendMessage" and str(c.params.get("chat_id")) == str(STAFF_CHAT)
            and c.status is not None]


async def pending_jobs(db_path: Path) -> int:
    db = Database(db_path)
    await db.open()
    try:
        return (await db.fetchone("SELECT count(*) FROM outbox WHERE status = 'pending'"))[0]
    finally:
        await db.close()


async def test_cards_are_paced_to_the_groups_limit_without_a_429(fake, tmp_path):
    db_path = tmp_path / "bot.sqlite3"
    proc = await start(fake, db_path, LIMIT)
    try:
        await apply_five(db_path)
        await fake.wait_for(lambda f: len(card_calls(f)) >= LIMIT, timeout=15, description="the first cards")
        await asyncio.sleep(6.5)  # longer than the worker's idle wait: it would have tried again
        calls = card_calls(fake)
        assert [c.status for c in calls] == [200] * LIMIT  # no 429: the rest wait their minute
        assert await pending_jobs(db_path) == len(INNS) - LIMIT
    finally:
        assert await proc.stop() == 0


async def test_a_429_from_the_group_costs_one_request_not_one_per_card(fake, tmp_path):
    db_path = tmp_path / "bot.sqlite3"
    proc = await start(fake, db_path, 0)  # no pacing by the bot: Telegram's 429 decides
    try:
        await apply_five(db_path)
        await fake.wait_for(lambda f: any(c.status == 429 for c in card_calls(f)), timeout=15,
                            description="a 429 from the group")
        await asyncio.sleep(6.5)
        statuses = [c.status for c in card_calls(fake)]
        assert statuses == [200] * LIMIT + [429], statuses
        assert await pending_jobs(db_path) == len(INNS) - LIMIT
    finally:
        assert await proc.stop() == 0
