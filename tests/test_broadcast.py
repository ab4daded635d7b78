"""Campaigns through the dispatcher and the sender against a mocked Bot API."""

from __future__ import annotations

import asyncio
import os
import time

from aiogram.exceptions import TelegramForbiddenError, TelegramRetryAfter, TelegramServerError
from aiogram.methods import CopyMessage, EditMessageText, SendDocument, SendMessage
from aiogram.types import Chat, ChatMemberBanned, ChatMemberMember, ChatMemberUpdated, Update, User

from bot.app import create_app
from bot.callbacks import BroadcastCb, CampaignCb, SubCb
from bot.services import broadcast as broadcast_module
from handlers.broadcast import Compose
from tests.conftest import Chatter, answered, sent_texts
from tests.test_delivery import FlakySession

ADMIN = 900


async def add_users(app, ids, **fields):  # noqa: ANN001, ANN003
    for uid in ids:
        await app.users.repo.upsert_seen(uid, f"U{uid}", None, None, fields.get("lang", "ru"))


async def compose(app, admin: Chatter, audience: str = "all") -> int:  # noqa: ANN001
    await admin.send("/broadcast")
    ctx = app.dp.fsm.get_context(bot=app.bot, chat_id=ADMIN, user_id=ADMIN)
    assert await ctx.get_state() == Compose.message.state
    await admin.send("<b>Приглашение</b> в межрегиональный химический кластер")
    cluster_id, _ = app.kb.by_slug("cluster", "interregional-chemical")
    await admin.press(admin.last_message(), BroadcastCb(action="join", value=str(cluster_id)).pack())
    await admin.press(admin.last_message(), BroadcastCb(action="unsub").pack())
    assert (await ctx.get_data())["join_cluster"] == "interregional-chemical"
    await admin.press(admin.last_message(), BroadcastCb(action="next").pack())
    await admin.press(admin.last_message(), BroadcastCb(action="aud", value=audience).pack())
    assert await ctx.get_state() == Compose.confirm.state
    calls = await admin.press(admin.last_message(), BroadcastCb(action="send").pack())
    assert "запущена" in sent_texts(calls)[-1]
    assert await ctx.get_state() is None
    row = await app.db.fetchone("SELECT max(id) FROM campaigns")
    return row[0]


def copies(session, campaign_chat_filter=None) -> list[CopyMessage]:  # noqa: ANN001
    return [c for c in session.calls if isinstance(c, CopyMessage)]


async def test_only_admins_compose_and_control(app, chatter):
    calls = await chatter.send("/broadcast")
    assert "только администраторам" in sent_texts(calls)[-1]
    calls = await chatter.press(chatter.last_message(), BroadcastCb(action="send").pack())
    assert answered(calls)[0].show_alert
    calls = await chatter.press(chatter.last_message(), CampaignCb(action="cancel", id=1).pack())
    assert answered(calls)[0].show_alert and "администраторам" in answered(calls)[0].text
    calls = await chatter.send("/campaigns")
    assert "только администраторам" in sent_texts(calls)[-1]


async def test_compose_preview_count_and_send(app):
    admin = Chatter(app, app.bot.session, user_id=ADMIN)
    await add_users(app, [1001, 1002, 1003])
    await app.users.repo.set_subscribed(1003, False)
    await admin.send("/broadcast")
    await admin.send("Текст")
    await admin.press(admin.last_message(), BroadcastCb(action="next").pack())
    calls = await admin.press(admin.last_message(), BroadcastCb(action="aud", value="all").pack())
    # the admin + 1001 + 1002 are subscribed; 1003 is not
    assert "Получателей сейчас: <b>3</b>" in sent_texts(calls)[-1]
    calls = await admin.press(admin.last_message(), BroadcastCb(action="preview").pack())
    preview = [c for c in calls if isinstance(c, CopyMessage)]
    assert len(preview) == 1 and preview[0].chat_id == ADMIN
    campaign_id = await compose(app, admin)
    total = (await app.db.fetchone("SELECT total FROM campaigns WHERE id = ?", (campaign_id,)))[0]
    assert total == 3


async def test_an_empty_audience_is_not_sent(app):
    admin = Chatter(app, app.bot.session, user_id=ADMIN)
    await add_users(app, [1001])  # Russian-speaking: nobody has English
    await admin.send("/broadcast")
    await admin.send("Text")
    await admin.press(admin.last_message(), BroadcastCb(action="next").pack())
    await admin.press(admin.last_message(), BroadcastCb(action="aud", value="language").pack())
    calls = await admin.press(admin.last_message(), BroadcastCb(action="audval", kind="language", value="en").pack())
    ctx = app.dp.fsm.get_context(bot=app.bot, chat_id=ADMIN, user_id=ADMIN)
    assert "Получателей сейчас: <b>0</b>" in sent_texts(calls)[-1]
    calls = await admin.press(admin.last_message(), BroadcastCb(action="send").pack())
    assert "нет ни одного получателя" in sent_texts(calls)[-1]
    assert await ctx.get_state() == Compose.confirm.state
    assert (await app.db.fetchone("SELECT count(*) FROM campaigns"))[0] == 0


async def test_sender_delivers_once_handles_403_429_and_reports(settings):
    session = FlakySession()
    app = create_app(settings.model_copy(update={"broadcast_rate": 500.0}), session=session)
    await app.startup()
    try:
        recipients = list(range(2001, 2041))
        await add_users(app, recipients)
        session.failures[2005] = [TelegramForbiddenError(method=None, message="Forbidden: bot was blocked by the user")]  # type: ignore[arg-type]
        session.failures[2010] = [TelegramRetryAfter(method=None, message="Too Many Requests", retry_after=1)]  # type: ignore[arg-type]
        session.failures[2020] = [TelegramServerError(method=None, message="Bad Gateway")] * 10  # type: ignore[arg-type]
        broadcast_module.MAX_ATTEMPTS = 2
        campaign = await app.broadcaster.repo.create(ADMIN, ADMIN, 1, "t", "interregional-chemical", True, {"kind": "all"})
        total = await app.broadcaster.repo.launch(campaign.id, None)
        assert total == 40
        app.broadcaster.progress_every = 0.05
        status = await app.broadcaster.send_campaign(await app.broadcaster.repo.get(campaign.id))
        assert status == "done"
        counts = await app.broadcaster.repo.counts(campaign.id)
        assert counts == {"pending": 0, "sending": 0, "sent": 38, "blocked": 1, "failed": 1, "skipped": 0}
        sent_to = [c.chat_id for c in session.calls if isinstance(c, CopyMessage)]
        ok = [u for u in recipients if u not in (2005, 2020)]
        assert all(sent_to.count(u) == (2 if u == 2010 else 1) for u in ok)  # 2010: the 429, then the copy
        assert sent_to.count(2005) == 1  # the 403 itself, never again
        assert (await app.users.repo.get(2005)).blocked is True
        markup = [c for c in session.calls if isinstance(c, CopyMessage)][0].reply_markup
        assert "join_interregional-chemical__c" in markup.inline_keyboard[0][0].url
        assert markup.inline_keyboard[1][0].callback_data == SubCb(on=0).pack()
        edits = [c.text for c in session.calls if isinstance(c, EditMessageText) and c.chat_id == ADMIN]
        assert len(edits) == len(set(edits))  # never an identical edit
        report = [c for c in session.calls if isinstance(c, SendMessage) and c.chat_id == ADMIN and "завершена" in c.text]
        assert report
        docs = [c for c in session.calls if isinstance(c, SendDocument)]
        assert docs and b"2005" in docs[0].document.data and b"2020" in docs[0].document.data
        # nothing is sent again once done
        session.calls.clear()
        await app.broadcaster.send_campaign(await app.broadcaster.repo.get(campaign.id))
        assert not [c for c in session.calls if isinstance(c, CopyMessage)]
    finally:
        broadcast_module.MAX_ATTEMPTS = 4
        await app.shutdown()


async def test_resume_after_a_crash_skips_sent(settings):
    session = FlakySession()
    app = create_app(settings.model_copy(update={"broadcast_rate": 1000.0}), session=session)
    await app.startup()
    try:
        await add_users(app, range(3001, 3011))
        repo = app.broadcaster.repo
        campaign = await repo.create(ADMIN, ADMIN, 1, "t", None, False, {"kind": "all"})
        await repo.launch(campaign.id, None)
        # as if the process died: some sent, one in flight ("sending")
        for uid in range(3001, 3005):
            await repo.mark(campaign.id, uid, "sent")
        await repo.mark(campaign.id, 3005, "sending")
        await app.broadcaster.send_campaign(await repo.get(campaign.id))
        sent_to = sorted(c.chat_id for c in session.calls if isinstance(c, CopyMessage))
        assert sent_to == list(range(3005, 3011))  # the in-flight one again, none of the sent ones
    finally:
        await app.shutdown()


async def test_pause_and_cancel_stop_the_sender(settings):
    session = FlakySession()
    app = create_app(settings.model_copy(update={"broadcast_rate": 50.0}), session=session)
    await app.startup()
    try:
        await add_users(app, range(4001, 4101))
        repo = app.broadcaster.repo
        campaign = await repo.create(ADMIN, ADMIN, 1, "t", None, False, {"kind": "all"})
        await repo.launch(campaign.id, None)
        task = asyncio.create_task(app.broadcaster.send_campaign(await repo.get(campaign.id)))
        await asyncio.sleep(0.3)
        assert await app.broadcaster.pause(campaign.id)
        assert await task == "paused"
        paused_at = len([c for c in session.calls if isinstance(c, CopyMessage)])
        await asyncio.sleep(0.2)
        assert len([c for c in session.calls if isinstance(c, CopyMessage)]) == paused_at
        assert 0 < paused_at < 101
        assert await app.broadcaster.resume(campaign.id)
        task = asyncio.create_task(app.broadcaster.send_campaign(await repo.get(campaign.id)))
        await asyncio.sleep(0.2)
        assert await app.broadcaster.cancel(campaign.id)
        assert await task == "cancelled"
        assert (await repo.get(campaign.id)).status == "cancelled"
        assert not await app.broadcaster.resume(campaign.id)
        counts = await repo.counts(campaign.id)
        assert counts["pending"] > 0  # stopped before the end
    finally:
        await app.shutdown()


async def test_subscriptions_and_blocking(app, chatter):
    calls = await chatter.send("/unsubscribe")
    assert "отписались" in sent_texts(calls)[-1]
    assert (await app.users.repo.get(chatter.user.id)).subscribed is False
    await chatter.press(chatter.last_message(), SubCb(on=1).pack())
    assert (await app.users.repo.get(chatter.user.id)).subscribed is True
    await chatter.press(chatter.last_message(), SubCb(on=0).pack())
    assert (await app.users.repo.get(chatter.user.id)).subscribed is False
    await chatter.send("/subscribe")
    assert (await app.users.repo.get(chatter.user.id)).subscribed is True
    # the user blocks the bot, then comes back
    me = User(id=1, is_bot=True, first_name="bot")
    chat = Chat(id=chatter.user.id, type="private")
    import datetime as dt

    def event(new):  # noqa: ANN001, ANN202
        return Update(update_id=99, my_chat_member=ChatMemberUpdated(
            chat=chat, from_user=chatter.user, date=dt.datetime.now(dt.UTC),
            old_chat_member=ChatMemberMember(user=me), new_chat_member=new))

    await app.dp.feed_update(app.bot, event(ChatMemberBanned(user=me, until_date=0)))
    assert (await app.users.repo.get(chatter.user.id)).blocked is True
    await app.dp.feed_update(app.bot, event(ChatMemberMember(user=me)))
    assert (await app.users.repo.get(chatter.user.id)).blocked is False


async def test_audience_segments(app):
    from storage.applications import NewApplication

    await add_users(app, [5001, 5002, 5003])
    await app.users.repo.upsert_seen(5004, "E", None, None, "en")
    cluster_id, _ = app.kb.by_slug("cluster", "interregional-chemical")
    await app.applications.repo.create(NewApplication(
        user_id=5001, cluster_id=cluster_id, org_name="X", inn="7707083893", ogrn=None, region="Омская область",
        products="p", okved="", contact_name="c", phone="+79123456789", email="a@b.ru", comment="",
        consent_version="v", consent_at="2026-01-01T00:00:00Z", language="ru", campaign="c1", username=None,
        full_name="X"), [])
    repo = app.broadcaster.repo
    assert await repo.count_audience("all", None) == 4
    assert await repo.count_audience("language", "en") == 1
    assert await repo.count_audience("region", "Омская область") == 1
    assert await repo.count_audience("cluster", cluster_id) == 1
    assert await repo.count_audience("status", "new") == 1
    assert await repo.count_audience("never_applied", None) == 3
    await app.users.repo.set_blocked(5002, True)
    assert await repo.count_audience("never_applied", None) == 2


async def test_every_audience_is_chosen_through_its_buttons(app):
    """The admin picks each segment with the buttons the bot shows, and sees its count."""
    from storage.applications import NewApplication

    await add_users(app, [5001, 5002])
    await app.users.repo.upsert_seen(5004, "E", None, None, "en")
    cluster_id, _ = app.kb.by_slug("cluster", "interregional-chemical")
    await app.applications.repo.create(NewApplication(
        user_id=5001, cluster_id=cluster_id, org_name="X", inn="7707083893", ogrn=None,
        region="Ханты-Мансийский автономный округ — Югра", products="p", okved="", contact_name="c",
        phone="+79123456789", email="a@b.ru", comment="", consent_version="v",
        consent_at="2026-01-01T00:00:00Z", language="ru", campaign=None, username=None, full_name="X"), [])
    admin = Chatter(app, app.bot.session, user_id=ADMIN)
    ctx = app.dp.fsm.get_context(bot=app.bot, chat_id=ADMIN, user_id=ADMIN)

    def find(message, text):  # noqa: ANN001, ANN202
        for row in message.reply_markup.inline_keyboard:
            for b in row:
                if b.text.startswith(text):
                    return b.callback_data
        raise AssertionError(f"no button {text!r} in {message.reply_markup}")

    async def pick(kind_button: str, value_button: str) -> str:
        await admin.send("/broadcast")
        await admin.send("Текст")
        await admin.press(admin.last_message(), BroadcastCb(action="next").pack())
        await admin.press(admin.last_message(), find(admin.last_message(), kind_button))
        calls = await admin.press(admin.last_message(), find(admin.last_message(), value_button))
        assert await ctx.get_state() == Compose.confirm.state
        return sent_texts(calls)[-1]

    assert "Получателей сейчас: <b>1</b>" in await pick("По языку", "en")
    assert "Получателей сейчас: <b>3</b>" in await pick("По языку", "ru")  # 5001, 5002 and the admin
    text = await pick("По региону", "Ханты-Мансийский")
    assert "Получателей сейчас: <b>1</b>" in text and "Ханты-Мансийский" in text
    assert "Получателей сейчас: <b>1</b>" in await pick("По кластеру", "Межрегиональный")
    assert "Получателей сейчас: <b>1</b>" in await pick("Заявители по статусу", "новая")

    # forged: an unknown kind, an index out of range
    for forged in (BroadcastCb(action="audval", kind="everyone", value="1"),
                   BroadcastCb(action="audval", kind="region", value="7")):
        await admin.send("/broadcast")
        await admin.send("Текст")
        await admin.press(admin.last_message(), BroadcastCb(action="next").pack())
        calls = await admin.press(admin.last_message(), forged.pack())
        assert await ctx.get_state() == Compose.audience.state
        assert sent_texts(calls), "the admin is told the button is outdated"


async def test_who_unsubscribes_during_a_campaign_is_skipped(settings):
    session = FlakySession()
    app = create_app(settings.model_copy(update={"broadcast_rate": 20.0}), session=session)
    await app.startup()
    try:
        users = list(range(3001, 3011))
        await add_users(app, users)
        repo = app.broadcaster.repo
        earlier = await repo.create(ADMIN, ADMIN, 1, "earlier", None, False, {"kind": "all"})
        await repo.launch(earlier.id, None)
        await app.broadcaster.send_campaign(await repo.get(earlier.id))
        campaign = await repo.create(ADMIN, ADMIN, 1, "t", None, False, {"kind": "all"})
        await repo.launch(campaign.id, None)
        # before the sender starts: the Unsubscribe button / command
        await app.users.repo.set_subscribed(3002, False)
        # withdrawing consent unsubscribes too
        await app.privacy.withdraw(3003)
        before = len(copies(session))
        sending = asyncio.create_task(app.broadcaster.send_campaign(await repo.get(campaign.id)))
        # after the sender has read its batch (all of them): /unsubscribe as the user would
        for _ in range(500):
            if len(copies(session)) > before:
                break
            await asyncio.sleep(0.01)
        assert len(copies(session)) > before
        late = Chatter(app, session, user_id=3010)
        await late.send("/unsubscribe")
        assert await sending == "done"
        sent_to = [c.chat_id for c in copies(session)[before:]]
        assert sorted(sent_to) == [u for u in users if u not in (3002, 3003, 3010)]
        counts = await repo.counts(campaign.id)
        assert counts["skipped"] == 3 and counts["pending"] == counts["sending"] == 0
        report = [m.text for m in session.calls if isinstance(m, SendMessage) and m.chat_id == ADMIN][-1]
        assert "отписались до отправки: 3" in report
        # the finished campaign is history: unsubscribing later changes none of its figures
        assert (await repo.counts(earlier.id))["sent"] == 10
        assert (await repo.counts(earlier.id))["skipped"] == 0
        admin = Chatter(app, session, user_id=ADMIN)
        listing = sent_texts(await admin.send("/campaigns"))[-1]
        assert "отписались 3" in listing
    finally:
        await app.shutdown()


async def test_migration_0006_keeps_recipients_and_allows_skipped(tmp_path):
    import sqlite3

    from storage.db import Database, list_migrations

    path = tmp_path / "v5.sqlite3"
    conn = sqlite3.connect(path)
    for version, _, sql in list_migrations()[:5]:
        conn.executescript(sql)
        conn.execute(f"PRAGMA user_version = {version}")
    conn.executescript("""
        INSERT INTO campaigns (id, admin_id, source_chat_id, source_message_id, audience, status, total)
            VALUES (1, 900, 900, 5, '{"kind": "all"}', 'running', 3);
        INSERT INTO campaign_recipients (campaign_id, user_id, status, attempts, error)
            VALUES (1, 11, 'sent', 1, NULL), (1, 12, 'failed', 5, 'boom'), (1, 13, 'pending', 0, NULL);
    """)
    conn.commit()
    conn.close()
    db = Database(path)
    await db.open()
    try:
        assert await db.schema_version() >= 6
        rows = await db.fetchall("SELECT user_id, status, attempts, error FROM campaign_recipients ORDER BY user_id")
        assert [tuple(r) for r in rows] == [(11, "sent", 1, None), (12, "failed", 5, "boom"), (13, "pending", 0, None)]
        await db.write("UPDATE campaign_recipients SET status = 'skipped' WHERE user_id = 13")
        indexes = {r[0] for r in await db.fetchall("SELECT name FROM sqlite_master WHERE type = 'index'")}
        assert {"campaign_recipients_todo", "campaign_recipients_user"} <= indexes
        assert await db.fetchall("PRAGMA foreign_key_check") == []
    finally:
        await db.close()


async def test_a_scheduled_campaign_paused_and_resumed_stays_scheduled(app):
    from aiogram.methods import EditMessageReplyMarkup

    admin = Chatter(app, app.bot.session, user_id=ADMIN, language_code="en")
    await add_users(app, [1001, 1002])
    await admin.send("/broadcast")
    await admin.send("Text")
    await admin.press(admin.last_message(), BroadcastCb(action="next").pack())
    await admin.press(admin.last_message(), BroadcastCb(action="aud", value="all").pack())
    await admin.press(admin.last_message(), BroadcastCb(action="schedule").pack())
    await admin.send("2099-12-31 23:59")
    calls = await admin.press(admin.last_message(), BroadcastCb(action="send").pack())
    scheduled = [c for c in calls if isinstance(c, SendMessage)][-1]
    assert "scheduled" in scheduled.text
    buttons = [b.text for row in scheduled.reply_markup.inline_keyboard for b in row]
    assert any("Pause" in b for b in buttons), buttons  # in the admin's language
    campaign_id = (await app.db.fetchone("SELECT max(id) FROM campaigns"))[0]
    message = admin.last_message()

    calls = await admin.press(message, CampaignCb(action="pause", id=campaign_id).pack())
    edits = [c for c in calls if isinstance(c, EditMessageReplyMarkup)]
    assert edits and any("Resume" in b.text for row in edits[-1].reply_markup.inline_keyboard for b in row)
    assert (await app.db.fetchone("SELECT status FROM campaigns WHERE id = ?", (campaign_id,)))[0] == "paused"

    calls = await admin.press(admin.last_message(), CampaignCb(action="resume", id=campaign_id).pack())
    assert (await app.db.fetchone("SELECT status FROM campaigns WHERE id = ?", (campaign_id,)))[0] == "scheduled"
    edits = [c for c in calls if isinstance(c, EditMessageReplyMarkup)]
    assert edits and any("Pause" in b.text for row in edits[-1].reply_markup.inline_keyboard for b in row)
    assert await app.broadcaster.repo.next_active(time.time()) is None  # not due: nothing sent
    assert not copies(app.bot.session)


async def test_editing_the_message_keeps_the_buttons_audience_and_time(app):
    admin = Chatter(app, app.bot.session, user_id=ADMIN)
    await add_users(app, [1001])
    await admin.send("/broadcast")
    await admin.send("Первый текст")
    cluster_id, _ = app.kb.by_slug("cluster", "interregional-chemical")
    await admin.press(admin.last_message(), BroadcastCb(action="join", value=str(cluster_id)).pack())
    await admin.press(admin.last_message(), BroadcastCb(action="next").pack())
    await admin.press(admin.last_message(), BroadcastCb(action="aud", value="all").pack())
    await admin.press(admin.last_message(), BroadcastCb(action="schedule").pack())
    await admin.send("2099-12-31 23:59")
    await admin.press(admin.last_message(), BroadcastCb(action="edit").pack())
    calls = await admin.send("Второй текст")
    ctx = app.dp.fsm.get_context(bot=app.bot, chat_id=ADMIN, user_id=ADMIN)
    assert await ctx.get_state() == Compose.confirm.state
    data = await ctx.get_data()
    assert data["summary"] == "Второй текст" and data["join_cluster"] == "interregional-chemical"
    assert data["aud_kind"] == "all" and data.get("send_at")
    assert "Получателей сейчас" in sent_texts(calls)[-1]


# --- two senders on one database (issue 8, defect 2) ----------------------------------------


class SlowSession(FlakySession):
    """Copies take a moment, as over the network, so two senders' messages interleave."""

    async def make_request(self, bot, method, timeout=None):  # noqa: ANN001, ANN201
        if isinstance(method, CopyMessage):
            await asyncio.sleep(0.002)
        return await super().make_request(bot, method, timeout)


async def two_processes(settings, rate: float = 2000.0):  # noqa: ANN001, ANN201
    """Two bots on one file: two Database connections, each with its own Bot session."""
    fast = settings.model_copy(update={"broadcast_rate": rate})
    apps = []
    for _ in range(2):
        app = create_app(fast, session=SlowSession())
        await app.startup()
        app.broadcaster.progress_every = 0.05
        apps.append(app)
    return apps


async def until(condition, timeout: float = 5.0) -> None:  # noqa: ANN001
    for _ in range(int(timeout / 0.002)):
        if condition():
            return
        await asyncio.sleep(0.002)
    raise AssertionError("timed out")


def reports(session) -> list[SendMessage]:  # noqa: ANN001
    return [c for c in session.calls if isinstance(c, SendMessage) and c.chat_id == ADMIN and "завершена" in c.text]


async def test_two_senders_on_one_database_send_each_recipient_once_and_report_once(settings):
    a, b = await two_processes(settings)
    try:
        recipients = list(range(5001, 5301))
        await add_users(a, recipients)
        repo_a, repo_b = a.broadcaster.repo, b.broadcaster.repo
        campaign = await repo_a.create(ADMIN, ADMIN, 1, "t", None, False, {"kind": "all"})
        assert await repo_a.launch(campaign.id, None) == 300
        first = asyncio.create_task(a.broadcaster.send_campaign(await repo_a.get(campaign.id)))
        await until(lambda: len(copies(a.bot.session)) >= 20)  # B starts while A is at work
        second = asyncio.create_task(b.broadcaster.send_campaign(await repo_b.get(campaign.id)))
        statuses = sorted(await asyncio.gather(first, second))
        sent_a = [c.chat_id for c in copies(a.bot.session)]
        sent_b = [c.chat_id for c in copies(b.bot.session)]
        assert sent_a and sent_b  # both really sent: the race happened
        twice = sorted({u for u in sent_a + sent_b if (sent_a + sent_b).count(u) > 1})
        assert not twice, f"{len(twice)} recipients got two copies"
        assert sorted(sent_a + sent_b) == recipients  # every recipient exactly one copy
        assert len(reports(a.bot.session)) + len(reports(b.bot.session)) == 1
        assert statuses.count("done") == 1 and set(statuses) <= {"done", "waiting", "finished-elsewhere"}, statuses
        # the one left "waiting" looks again: the campaign is over, it reports nothing
        for app in (a, b):
            again = await app.broadcaster.send_campaign(await app.broadcaster.repo.get(campaign.id))
            assert again == "finished-elsewhere"
        assert len(reports(a.bot.session)) + len(reports(b.bot.session)) == 1
        counts = await repo_b.counts(campaign.id)
        assert counts["sent"] == 300 and counts["pending"] == counts["sending"] == 0
        assert (await repo_b.get(campaign.id)).status == "done"
        assert await repo_a.senders() == sorted([a.broadcaster.sender, b.broadcaster.sender])
    finally:
        await a.shutdown()
        await b.shutdown()
    # a clean stop leaves the registry of senders
    reopened = create_app(settings, session=FlakySession())
    await reopened.startup()
    try:
        assert await reopened.broadcaster.repo.senders() == []
    finally:
        await reopened.shutdown()


async def test_pause_in_one_process_stops_the_sender_in_the_other(settings):
    a, b = await two_processes(settings, rate=200.0)
    try:
        await add_users(a, range(6001, 6101))
        repo = b.broadcaster.repo
        campaign = await repo.create(ADMIN, ADMIN, 1, "t", None, False, {"kind": "all"})
        await repo.launch(campaign.id, None)
        sending = asyncio.create_task(b.broadcaster.send_campaign(await repo.get(campaign.id)))
        await until(lambda: len(copies(b.bot.session)) >= 5)
        assert await a.broadcaster.pause(campaign.id)  # pressed in process A
        assert await asyncio.wait_for(sending, 5) == "paused"
        paused_at = len(copies(b.bot.session))
        await asyncio.sleep(0.1)
        assert len(copies(b.bot.session)) == paused_at < 100
        assert (await repo.counts(campaign.id))["sending"] == 0
    finally:
        await a.shutdown()
        await b.shutdown()


async def test_in_flight_recipients_of_a_dead_sender_are_sent_again_of_a_live_one_not(settings):
    import sys

    app = create_app(settings.model_copy(update={"broadcast_rate": 1000.0}), session=FlakySession())
    await app.startup()
    try:
        await add_users(app, range(7001, 7011))
        repo = app.broadcaster.repo
        campaign = await repo.create(ADMIN, ADMIN, 1, "t", None, False, {"kind": "all"})
        await repo.launch(campaign.id, None)
        for uid in range(7001, 7006):
            await repo.mark(campaign.id, uid, "sent")
        await repo.mark(campaign.id, 7006, "sending")  # in flight in another process
        host = broadcast_module._HOST
        live = f"{host}:{os.getppid()}:live"  # a process that is running
        await repo.register_sender(live)
        status = await app.broadcaster.send_campaign(await repo.get(campaign.id))
        assert status == "waiting"  # 7006 is the live sender's: not sent here, no report
        assert sorted(c.chat_id for c in copies(app.bot.session)) == list(range(7007, 7011))
        assert not reports(app.bot.session)
        # that sender's process is gone (killed): its recipient is sent again, then the report
        gone = await asyncio.create_subprocess_exec(sys.executable, "-c", "pass")
        await gone.wait()
        await repo.unregister_senders([live])
        await repo.register_sender(f"{host}:{gone.pid}:dead")
        assert await app.broadcaster.send_campaign(await repo.get(campaign.id)) == "done"
        assert sorted(c.chat_id for c in copies(app.bot.session)) == list(range(7006, 7011))
        assert len(reports(app.bot.session)) == 1
        assert await repo.senders() == [app.broadcaster.sender]  # the dead one was pruned
    finally:
        await app.shutdown()


async def test_with_the_lock_every_in_flight_recipient_is_a_dead_runs(settings):
    """At start-up with the single-instance lock nobody else can be sending: the hard-kill
    window (README) — the messages that were in flight are sent again at once."""
    app = create_app(settings.model_copy(update={"broadcast_rate": 1000.0}), session=FlakySession())
    await app.startup()
    try:
        app.db.exclusive = True
        await add_users(app, range(7101, 7104))
        repo = app.broadcaster.repo
        campaign = await repo.create(ADMIN, ADMIN, 1, "t", None, False, {"kind": "all"})
        await repo.launch(campaign.id, None)
        await repo.mark(campaign.id, 7101, "sending")
        await repo.register_sender(f"otherhost:{os.getpid()}:x")  # not checkable, yet gone
        assert await app.broadcaster.send_campaign(await repo.get(campaign.id)) == "done"
        assert sorted(c.chat_id for c in copies(app.bot.session)) == [7101, 7102, 7103]
        assert await repo.senders() == [app.broadcaster.sender]
    finally:
        await app.shutdown()
