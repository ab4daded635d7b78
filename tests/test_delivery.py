"""The outbox worker: retries, 429, an unreachable staff group, blocked users, restarts."""

from __future__ import annotations

import time

from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.methods import SendMessage

from bot.app import create_app
from bot.local_session import LocalSession
from storage.applications import NewApplication

STAFF_CHAT = -100777


class FlakySession(LocalSession):
    """A local Bot API whose next calls to one chat fail with the given exceptions."""

    def __init__(self) -> None:
        super().__init__()
        self.failures: dict[int, list[Exception]] = {}

    async def make_request(self, bot, method, timeout=None):  # noqa: ANN001, ANN201
        chat = getattr(method, "chat_id", None)
        queue = self.failures.get(int(chat)) if chat is not None else None
        if queue:
            self.calls.append(method)
            raise queue.pop(0)
        return await super().make_request(bot, method, timeout)


def new_application(user_id: int = 501, inn: str = "7707083893") -> NewApplication:
    return NewApplication(
        user_id=user_id, cluster_id=1, org_name="ООО «Тест»", inn=inn, ogrn=None, region="Омская область",
        products="растворители", okved="", contact_name="Иван", phone="+79123456789", email="a@b.ru",
        comment="", consent_version="v1", consent_at="2026-11-26T00:00:00Z", language="ru", campaign=None,
        username=None, full_name="Иван",
    )


async def make_app(settings):  # noqa: ANN001, ANN201
    session = FlakySession()
    app = create_app(settings, session=session)
    await app.startup()
    app.delivery.backoff_base = 0.0  # retries are due at once: the test drives time
    return app, session


def cards(session: LocalSession) -> list[SendMessage]:
    return [c for c in session.calls if isinstance(c, SendMessage) and c.chat_id == STAFF_CHAT]


async def pending(app) -> int:  # noqa: ANN001
    row = await app.db.fetchone("SELECT count(*) FROM outbox WHERE status = 'pending'")
    return row[0]


def method_error(cls, message: str, **kw):  # noqa: ANN001, ANN003, ANN201
    return cls(method=SendMessage(chat_id=STAFF_CHAT, text="x"), message=message, **kw)


async def test_server_errors_are_retried_until_delivered_once(settings):
    app, session = await make_app(settings)
    try:
        session.failures[STAFF_CHAT] = [method_error(TelegramServerError, "Internal Server Error")] * 3
        await app.applications.repo.create(new_application(), [("staff_card", {"application_id": "{id}"})])
        for _ in range(3):
            await app.delivery.process_due()
            assert await pending(app) == 1
        await app.delivery.process_due()
        assert await pending(app) == 0
        assert len(cards(session)) == 4  # three refused + the one accepted
        row = await app.db.fetchone("SELECT staff_message_id FROM applications")
        assert row[0] is not None
        await app.delivery.process_due()
        assert len(cards(session)) == 4  # never again after success
    finally:
        await app.shutdown()


async def test_429_waits_exactly_retry_after(settings):
    app, session = await make_app(settings)
    try:
        session.failures[STAFF_CHAT] = [method_error(TelegramRetryAfter, "Too Many Requests", retry_after=30)]
        await app.applications.repo.create(new_application(), [("staff_card", {"application_id": "{id}"})])
        before = time.time()
        await app.delivery.process_due()
        row = await app.db.fetchone("SELECT next_attempt_at, attempts FROM outbox")
        assert 29 <= row[0] - before <= 31 and row[1] == 0
        assert await app.delivery.process_due() == 0  # not due yet
    finally:
        await app.shutdown()


async def test_unreachable_staff_group_tells_admins_once_and_jobs_wait(settings):
    app, session = await make_app(settings)
    try:
        session.failures[STAFF_CHAT] = [
            method_error(TelegramForbiddenError, "Forbidden: bot was kicked from the supergroup chat")
        ] * 4
        repo = app.applications.repo
        await repo.create(new_application(inn="7707083893"), [("staff_card", {"application_id": "{id}"})])
        await repo.create(new_application(inn="7830002293"), [("staff_card", {"application_id": "{id}"})])
        for _ in range(4):
            await app.delivery.process_due()
        to_admin = [c for c in session.calls if isinstance(c, SendMessage) and c.chat_id == 900]
        assert len(to_admin) == 1 and "группу сотрудников" in to_admin[0].text
        assert await pending(app) == 2
        await app.delivery.process_due()
        await app.delivery.process_due()
        assert await pending(app) == 0
        delivered = [c for c in cards(session)]
        assert len(delivered) == 4 + 2
        assert await app.delivery.outbox.get_kv("staff_unreachable_notified") is None  # reset on success
    finally:
        await app.shutdown()


async def test_no_staff_chat_configured_keeps_jobs(settings):
    settings = settings.model_copy(update={"staff_chat_id": None})
    app, session = await make_app(settings)
    try:
        await app.applications.repo.create(new_application(), [("staff_card", {"application_id": "{id}"})])
        await app.delivery.process_due()
        assert await pending(app) == 1
        assert [c.chat_id for c in session.calls if isinstance(c, SendMessage)] == [900]
    finally:
        await app.shutdown()


async def test_a_user_who_blocked_the_bot_is_marked_and_not_retried(settings):
    app, session = await make_app(settings)
    try:
        await app.users.repo.upsert_seen(501, "Иван", None, None, "ru")
        session.failures[501] = [method_error(TelegramForbiddenError, "Forbidden: bot was blocked by the user")]
        await app.delivery.outbox.add("user_message", {"chat_id": 501, "text": "hi"})
        await app.delivery.process_due()
        row = await app.db.fetchone("SELECT status FROM outbox")
        assert row[0] == "failed"
        assert (await app.users.repo.get(501)).blocked is True
    finally:
        await app.shutdown()


async def test_a_request_telegram_refuses_is_not_looped(settings):
    app, session = await make_app(settings)
    try:
        session.failures[501] = [method_error(TelegramBadRequest, "Bad Request: can't parse entities")]
        await app.delivery.outbox.add("user_message", {"chat_id": 501, "text": "<bad"})
        await app.delivery.process_due()
        assert (await app.db.fetchone("SELECT status FROM outbox"))[0] == "failed"
        assert await app.delivery.process_due() == 0
    finally:
        await app.shutdown()


async def test_jobs_survive_a_restart(settings):
    app, session = await make_app(settings)
    await app.applications.repo.create(new_application(), [("staff_card", {"application_id": "{id}"})])
    await app.shutdown()  # nothing delivered yet
    again, session2 = await make_app(settings)
    try:
        assert await pending(again) == 1
        await again.delivery.process_due()
        assert len(cards(session2)) == 1 and await pending(again) == 0
    finally:
        await again.shutdown()


async def test_the_worker_runs_in_the_background(settings):
    app, session = await make_app(settings)
    try:
        app.start_background()
        await app.applications.repo.create(new_application(), [("staff_card", {"application_id": "{id}"})])
        app.delivery.wake()
        for _ in range(100):
            if cards(session):
                break
            import asyncio

            await asyncio.sleep(0.02)
        assert len(cards(session)) == 1
    finally:
        await app.shutdown()


async def test_startup_check_of_the_staff_group(settings):
    app, session = await make_app(settings.model_copy(update={"staff_chat_id": None}))
    try:
        assert await app.delivery.check_staff_chat() is False
        assert await app.delivery.check_staff_chat() is False
        to_admin = [c for c in session.calls if isinstance(c, SendMessage) and c.chat_id == 900]
        assert len(to_admin) == 1 and "STAFF_CHAT_ID" in to_admin[0].text  # told once, not on every start
    finally:
        await app.shutdown()


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def paced_app(settings, per_minute: int):  # noqa: ANN001, ANN201
    app, session = await make_app(settings.model_copy(update={"staff_messages_per_minute": per_minute}))
    clock = Clock()
    app.delivery.staff_pacer.clock = clock
    return app, session, clock


async def test_the_staff_group_gets_at_most_its_per_minute_limit(settings):
    app, session, clock = await paced_app(settings, 5)
    try:
        for i in range(8):
            await app.applications.repo.create(
                new_application(user_id=600 + i, inn=["7707083893", "7728168971", "7736050003", "7702070139",
                                                      "7710140679", "7703270067", "7712040126", "7701107259"][i]),
                [("staff_card", {"application_id": "{id}"})])
        await app.delivery.outbox.add("user_message", {"chat_id": 700, "text": "to a user"})
        await app.delivery.process_due()
        assert len(cards(session)) == 5
        # the user's message is not stuck behind the cards that wait
        assert [c.text for c in session.calls if isinstance(c, SendMessage) and c.chat_id == 700] == ["to a user"]
        assert await app.delivery.process_due() == 0
        clock.now += 59.0
        assert await app.delivery.process_due() == 0 and len(cards(session)) == 5
        clock.now += 2.01  # a minute (and the second of margin) after the first five
        await app.delivery.process_due()
        assert len(cards(session)) == 8 and await pending(app) == 0
        numbers = [r[0] for r in await app.db.fetchall("SELECT number FROM applications ORDER BY staff_message_id")]
        assert numbers == sorted(numbers)  # in the order they were sent
    finally:
        await app.shutdown()


async def test_a_429_from_the_staff_group_holds_all_its_jobs(settings):
    app, session, clock = await paced_app(settings, 0)  # no pacing: only the 429 holds them
    try:
        session.failures[STAFF_CHAT] = [method_error(TelegramRetryAfter, "Too Many Requests", retry_after=30)]
        for i, inn in enumerate(["7707083893", "7728168971", "7736050003", "7702070139"]):
            await app.applications.repo.create(new_application(user_id=600 + i, inn=inn),
                                               [("staff_card", {"application_id": "{id}"})])
        for _ in range(3):
            await app.delivery.process_due()
        assert len(cards(session)) == 1  # one refused request, not one per waiting card
        await app.delivery.outbox.add("user_message", {"chat_id": 700, "text": "to a user"})
        await app.delivery.process_due()
        assert [c.chat_id for c in session.calls if isinstance(c, SendMessage)][-1] == 700
        clock.now += 30.5
        await app.delivery.process_due()
        assert len(cards(session)) == 4  # the other three; the refused one is due 30 s after its 429
        await app.db.write("UPDATE outbox SET next_attempt_at = 0 WHERE status = 'pending'")
        await app.delivery.process_due()
        assert len(cards(session)) == 5 and await pending(app) == 0
        assert len({c.text for c in cards(session)}) == 4  # every card once, plus the refused try
    finally:
        await app.shutdown()
