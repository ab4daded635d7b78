"""Per-person limits on what reaches the staff (issue 8, defect 11).

One user sending 40 hand-off questions in a second delayed every application card by two minutes
(the staff group takes about 20 messages a minute). Hand-offs (3 per 10 minutes, 10 a day),
messages relayed to the staff (5 a minute) and applications (10 a day) are limited per person,
with a message that says when one can write again; staff and admins are not limited.
"""

from __future__ import annotations

import time

from aiogram.methods import SendMessage

from bot.app import create_app
from bot.callbacks import AppReplyCb, HandoffCb
from bot.local_session import LocalSession
from bot.services.limits import (
    DAY,
    TEN_MINUTES,
    PersonLimits,
    RateLimited,
    SlidingWindow,
    retry_after,
    unix_to_iso,
)
from tests.conftest import Chatter, sent_texts
from tests.test_join_handlers import STAFF_CHAT, fill_until_summary, submit


async def outbox_kinds(app) -> list[str]:  # noqa: ANN001
    return [r[0] for r in await app.db.fetchall("SELECT kind FROM outbox ORDER BY id")]


async def hand_off(chatter: Chatter, text: str) -> str:
    """Ask a question, then press "Ask a person" under the answer: the bot's last reply."""
    await chatter.send(text)
    calls = await chatter.press(chatter.last_message(), HandoffCb(action="ask").pack())
    return sent_texts(calls)[-1]


async def test_the_41st_hand_off_is_refused_and_applications_still_reach_the_staff(app, chatter):
    replies = [await hand_off(chatter, f"вопрос номер {i} про субсидии") for i in range(41)]
    assert all("Передал ваш вопрос" in r for r in replies[:3])
    refused = replies[3:]
    assert len(refused) == 38
    assert all("не отправлен" in r and "можно будет через" in r for r in refused)
    assert "через 10 мин" in refused[0]  # the first of the three leaves the 10-minute window then
    assert (await app.db.fetchone("SELECT count(*) FROM handoffs"))[0] == 3
    assert (await outbox_kinds(app)).count("handoff_card") == 3

    # the same person's question is kept for "Ask a person" once allowed (not dropped)
    assert app.questions.last.get(chatter.user.id) is not None

    # someone else's application goes to the staff, behind 3 cards only
    anna = Chatter(app, app.bot.session, user_id=601)
    await submit(app, anna)
    assert await outbox_kinds(app) == ["handoff_card"] * 3 + ["staff_card"]
    await app.delivery.process_due()
    to_staff = [c.text for c in app.bot.session.calls if isinstance(c, SendMessage) and c.chat_id == STAFF_CHAT]
    assert len(to_staff) == 4 and "2026-0001" in to_staff[-1]

    # typed through the "write your question" prompt: the same limit
    app.questions.last.pop(chatter.user.id)
    calls = await chatter.press(chatter.last_message(), HandoffCb(action="ask").pack())
    assert "Напишите вопрос" in sent_texts(calls)[-1]
    texts = sent_texts(await chatter.send("ещё один вопрос"))
    assert "не отправлен" in texts[-1] and "можно будет через" in texts[-1]
    assert (await app.db.fetchone("SELECT count(*) FROM handoffs"))[0] == 3


async def test_the_limit_counts_from_the_database_and_survives_a_restart(app, chatter, settings):
    # ten hand-offs over the last day (none in the last 10 minutes): the daily limit is reached
    for hours in range(10, 0, -1):
        await app.db.write(
            "INSERT INTO handoffs (user_id, language, text, created_at) VALUES (?, 'ru', 'x', ?)",
            (chatter.user.id, unix_to_iso(time.time() - hours * 3600 - 700)),
        )
    reply = await hand_off(chatter, "новый вопрос про льготы")
    assert "не отправлен" in reply and "через 14 ч" in reply  # the oldest (10 h 12 min ago) leaves the day then
    again = create_app(settings, session=LocalSession())
    await again.startup()
    try:
        reply = await hand_off(Chatter(again, again.bot.session, user_id=chatter.user.id), "вопрос после перезапуска")
        assert "не отправлен" in reply
        # a day later the allowance is back
        await again.db.write("UPDATE handoffs SET created_at = ?", (unix_to_iso(time.time() - DAY - 1),))
        reply = await hand_off(Chatter(again, again.bot.session, user_id=chatter.user.id), "вопрос через сутки")
        assert "Передал ваш вопрос" in reply
    finally:
        await again.shutdown()


async def test_staff_and_admins_are_not_limited(app):
    for user_id in (800, 900):
        staff = Chatter(app, app.bot.session, user_id=user_id)
        replies = [await hand_off(staff, f"проверка {i} про субсидии") for i in range(6)]
        assert all("Передал ваш вопрос" in r for r in replies), replies
    assert (await app.db.fetchone("SELECT count(*) FROM handoffs"))[0] == 12


async def test_messages_relayed_to_the_staff_are_limited_per_minute(app, chatter):
    await submit(app, chatter)
    app_id = (await app.db.fetchone("SELECT id FROM applications"))[0]
    await app.delivery.process_due()
    mark = len(await outbox_kinds(app))
    replies = []
    for i in range(7):
        await chatter.press(chatter.last_message(), AppReplyCb(app=app_id).pack())
        replies.append(sent_texts(await chatter.send(f"уточнение {i}"))[-1])
    assert all("Передал ваш ответ" in r for r in replies[:5])
    assert all("не отправлено" in r and "через" in r and " с" in r for r in replies[5:])
    assert (await outbox_kinds(app))[mark:].count("staff_message") == 5
    assert (await app.db.fetchone("SELECT count(*) FROM application_messages"))[0] == 5
    # a minute later they may write again
    app.applications.limits.relayed.clock = lambda: time.time() + 61
    await chatter.press(chatter.last_message(), AppReplyCb(app=app_id).pack())
    assert "Передал ваш ответ" in sent_texts(await chatter.send("уточнение позже"))[-1]


async def test_applications_per_day(app, chatter):
    for _ in range(10):  # ten applications by this user today (other clusters/ИНН, any status)
        await app.db.write(
            "INSERT INTO applications (number, user_id, cluster_id, org_name, inn, region, products, contact_name,"
            " phone, email, consent_version, consent_at, language, status)"
            " SELECT 'x-' || (SELECT count(*) FROM applications), ?, id, 'o', '1', 'r', 'p', 'c', '+7', 'e', 'v', 'a',"
            " 'ru', 'rejected' FROM clusters LIMIT 1",
            (chatter.user.id,),
        )
    await fill_until_summary(app, chatter)
    calls = await chatter.press(chatter.last_message(), "fm:send:")
    text = sent_texts(calls)[-1]
    assert "не отправлена" in text and "через" in text and "ответы сохранены" in text
    assert (await app.db.fetchone("SELECT count(*) FROM applications WHERE status = 'new'"))[0] == 0
    ctx = app.dp.fsm.get_context(bot=app.bot, chat_id=chatter.chat.id, user_id=chatter.user.id)
    assert await ctx.get_state() == "JoinForm:summary"


def test_limit_arithmetic_and_settings():
    now = 10_000.0
    assert retry_after([], ((3, TEN_MINUTES),), now) == 0
    assert retry_after([now - 500, now - 100, now - 50], ((3, TEN_MINUTES),), now) == 100
    assert retry_after([now - 700, now - 100], ((3, TEN_MINUTES),), now) == 0
    assert retry_after([now - 1] * 5, ((0, TEN_MINUTES),), now) == 0  # 0: no limit
    window = SlidingWindow(2, 60, clock=lambda: now)
    window.hit(1)
    window.hit(1)
    try:
        window.hit(1)
        raise AssertionError("the third is refused")
    except RateLimited as exc:
        assert exc.retry_after == 60
    window.hit(2)  # per person
    # memory stays bounded with many people
    many = SlidingWindow(1, 60, clock=lambda: now, max_people=100)
    for user_id in range(1000):
        many.hit(user_id)
    assert len(many._events) <= 100
    limits = PersonLimits(exempt=[7])
    assert limits.check(7, limits.handoffs) is None and limits.check(8, limits.handoffs) is not None
    assert PersonLimits(handoffs=((0, 1.0),)).check(8, ((0, 1.0),)) is None


def test_the_limits_are_settings(tmp_path, monkeypatch):
    import pytest

    from bot.settings import Settings, SettingsError, load_settings

    monkeypatch.setenv("HANDOFFS_PER_10_MINUTES", "0")
    monkeypatch.setenv("RELAYED_MESSAGES_PER_MINUTE", "2")
    s = Settings(_env_file=None, database_path=tmp_path / "x.sqlite3", staff_ids=[800], admin_ids=[900])  # type: ignore[call-arg]
    assert (s.handoffs_per_10_minutes, s.handoffs_per_day, s.applications_per_day) == (0, 10, 10)
    limits = PersonLimits.from_settings(s)
    assert limits.exempt == {800, 900} and limits.relayed.count == 2
    since_check = limits.check(1, limits.handoffs)
    assert since_check is not None
    since_check[1]([unix_to_iso(time.time() - 1)] * 9)  # 10 minutes: no limit; the day: 9 < 10
    with pytest.raises(RateLimited):
        since_check[1]([unix_to_iso(time.time() - 1)] * 10)
    with pytest.raises(SettingsError, match="HANDOFFS_PER_DAY"):
        load_settings(_env_file=None, handoffs_per_day=-1)


async def test_a_refused_or_failed_answer_keeps_its_prompt_and_its_allowance(app, chatter):
    """Refused by the limit, the answer prompt stays (the same text sent later still goes to
    the staff, not to the knowledge base); an answer that couldn't be stored doesn't count."""
    import sqlite3

    from handlers.applicant import Conversation

    await submit(app, chatter)
    app_id = (await app.db.fetchone("SELECT id FROM applications"))[0]
    key = app.dp.fsm.resolve_context(app.bot, chatter.chat.id, chatter.user.id).key
    original = app.applications.repo.add_message

    async def full(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        raise sqlite3.OperationalError("database or disk is full")

    app.applications.repo.add_message = full
    await chatter.press(chatter.last_message(), AppReplyCb(app=app_id).pack())
    await chatter.send("не сохранится")
    app.applications.repo.add_message = original
    assert await app.dp.storage.get_state(key) == Conversation.answer.state
    for i in range(5):  # the failed one didn't use up the minute's five
        await chatter.press(chatter.last_message(), AppReplyCb(app=app_id).pack())
        assert "Передал ваш ответ" in sent_texts(await chatter.send(f"ответ {i}"))[-1]
    await chatter.press(chatter.last_message(), AppReplyCb(app=app_id).pack())
    assert "не отправлено" in sent_texts(await chatter.send("шестой"))[-1]
    assert await app.dp.storage.get_state(key) == Conversation.answer.state
    app.applications.limits.relayed.clock = lambda: time.time() + 61
    assert "Передал ваш ответ" in sent_texts(await chatter.send("шестой"))[-1]
    assert await app.dp.storage.get_state(key) is None
    assert (await app.db.fetchone("SELECT count(*) FROM application_messages"))[0] == 6
