"""End to end: invitation campaigns (broadcasts) with the real `python -m bot` process long polling
the fake Bot API over real HTTP.

The admin (900) composes every campaign through the real dialogue: /broadcast, the message itself
(a text with a bold entity, as a Telegram client sends formatting), the options screen, the
audience "Все подписчики", the confirm screen and "🚀 Отправить сейчас". Large audiences are
pre-inserted into the `users` table before the bot starts; small ones are real users who sent
/start (the bot records users in batches within about a second, so the tests wait for the rows).
The admin is known to the bot as well, so "Все подписчики" includes the admin.

1. 400 users, every tenth blocked (403), the fake enforcing 30 msg/s and the bot at 25 msg/s; the
   bot is SIGKILLed midway and restarted on the same database: the campaign resumes by itself.
2. Only admins compose or control campaigns; pause, resume and cancel.
3. /unsubscribe, the "Отписаться" button under a campaign message, /subscribe.
4. Attribution: an application through the campaign's deep link is counted in /campaigns.

Four more pin down bugs these tests found (fixed in a78d145): IN_FLIGHT + 1 copies after a
pause, sends during a 429's retry_after, an absurd speed after cancelling a paused campaign, and
/unsubscribe lost when it is a new user's very first message.
"""

from __future__ import annotations

import asyncio
import csv
import io
import re
import sqlite3
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from pathlib import Path

import pytest

from bot.services.broadcast import IN_FLIGHT
from storage.db import Database
from tests.botproc import JOIN_PROMPTS, BotProcess
from tests.fake_telegram import (
    BLOCKED_BY_USER,
    MESSAGE_NOT_MODIFIED,
    Call,
    FakeTelegram,
    MessageEvent,
    SentMessage,
)

ADMIN = 900
STAFF = 700
OUTSIDER = 555
STAFF_CHAT = -1001234567890
ENV = {"ADMIN_IDS": str(ADMIN), "STAFF_IDS": str(STAFF), "STAFF_CHAT_ID": str(STAFF_CHAT)}

JOIN_SLUG = "interregional-chemical"
CLUSTER = "Межрегиональный химический промышленный кластер"
# what the admin types, with "Приглашение" in bold (a client sends formatting as entities)
CAMPAIGN_TEXT = "Приглашение в кластер: новые меры поддержки и встреча участников 1 декабря"
BOLD = {"type": "bold", "offset": 0, "length": len("Приглашение")}
UNSUB_DATA = "sb:0"
STARTED = re.compile(r"Рассылка № (\d+) запущена: (\d+) получател")
COUNT = re.compile(r"Получателей сейчас: (\d+)")

INN = "7707083893"
PROMPT = JOIN_PROMPTS


# ---------------------------------------------------------------------------------- fixtures


@pytest.fixture
async def fake():
    server = FakeTelegram()
    await server.start()
    server.add_chat(STAFF_CHAT, "supergroup", title="Сотрудники АКИТ")
    server.add_user(ADMIN, "Админ")
    server.add_user(STAFF, "Сотрудник")
    yield server
    await server.stop()


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "bot.sqlite3"


@pytest.fixture
async def procs():
    """Bot processes started by a test; whatever is still running is killed at the end."""
    started: list[BotProcess] = []
    yield started
    for proc in started:
        await proc.kill()


async def start_bot(procs: list[BotProcess], fake: FakeTelegram, db_path: Path, **env: str) -> BotProcess:
    proc = BotProcess(fake, db_path, **{**ENV, **env})
    procs.append(proc)
    await proc.start()
    return proc


# ---------------------------------------------------------------------------------- helpers


async def seed_users(db_path: Path, ids: Iterable[int]) -> None:
    """Users the bot already knows (subscribed, not blocked), written before the bot starts."""
    db = Database(db_path)
    await db.open()  # creates the file and applies the migrations
    try:
        async with db.transaction() as conn:
            await conn.executemany(
                "INSERT INTO users (id, first_name, language_code) VALUES (?, ?, 'ru')",
                [(uid, f"Участник {uid}") for uid in ids],
            )
    finally:
        await db.close()


def read_db(db_path: Path, sql: str, params: tuple = ()) -> list[tuple]:
    conn = sqlite3.connect(db_path, timeout=10)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


async def wait_db(db_path: Path, sql: str, params: tuple, expect: Callable[[list[tuple]], bool],
                  timeout: float = 10) -> list[tuple]:
    deadline = time.monotonic() + timeout
    while True:
        rows = read_db(db_path, sql, params)
        if expect(rows) or time.monotonic() > deadline:
            return rows
        await asyncio.sleep(0.1)


def chat_of(call: Call) -> int | None:
    try:
        return int(call.params.get("chat_id"))
    except (TypeError, ValueError):
        return None


def copies(fake: FakeTelegram, *, ok: bool | None = None) -> list[Call]:
    """Answered copyMessage calls (campaign deliveries), oldest first."""
    return [
        c for c in fake.calls
        if c.method == "copyMessage" and c.status is not None and (ok is None or c.ok == ok)
    ]


def copy_count(fake: FakeTelegram) -> int:
    return sum(1 for c in fake.calls if c.method == "copyMessage" and c.ok)


def api_errors(fake: FakeTelegram, injected: Callable[[Call], bool] | None = None) -> list[str]:
    """Failed API calls (getUpdates aside), except those `injected` says the test caused."""
    return [
        c.short() for c in fake.calls
        if c.status is not None and not c.ok and c.method != "getUpdates"
        and not (injected and injected(c))
    ]


def event_buttons(ev: MessageEvent) -> list[str]:
    return [b.get("text", "") for row in (ev.reply_markup or {}).get("inline_keyboard", []) for b in row]


async def press_ok(fake: FakeTelegram, user_id: int, message: SentMessage, button: str) -> dict:
    """Press a real button; the callback must be answered without an alert."""
    cq = fake.press_button(user_id, message, button)
    answer = await fake.wait_callback_answer(cq)
    assert not answer.get("show_alert"), answer
    return answer


async def press_data(fake: FakeTelegram, user_id: int, message: SentMessage, data: str) -> dict:
    """Press (possibly forged) callback data on a message in that user's chat; returns the answer."""
    cq = fake.press(user_id, message, data, chat_id=message.chat_id)
    return await fake.wait_callback_answer(cq)


async def says(fake: FakeTelegram, user_id: int, text: str, expect: str) -> SentMessage:
    mark = fake.send_text(user_id, text)
    return await fake.wait_message(user_id, contains=expect, after=mark)


async def compose(fake: FakeTelegram, *, join: bool, unsub: bool) -> tuple[int, int, int]:
    """The admin composes a campaign to "Все подписчики" and sends it now.

    Returns (campaign id, the id of the admin's message that is copied, recipients)."""
    await says(fake, ADMIN, "/broadcast", "Пришлите сообщение рассылки")
    mark = fake.send_user_message(ADMIN, {"text": CAMPAIGN_TEXT, "entities": [BOLD]})
    source_id = max(mid for (chat, mid) in fake.user_messages if chat == ADMIN)
    options = await fake.wait_message(ADMIN, contains="Кнопки под сообщением", after=mark)
    assert any("«Подать заявку» — Межрегиональный химический" in b for b in options.button_texts), options

    def toggled(label: str) -> Callable[[MessageEvent], bool]:
        return lambda ev: any(b.startswith("✅") and label in b for b in event_buttons(ev))

    if join:
        mark = fake.seq
        await press_ok(fake, ADMIN, options, "Межрегиональный химический")
        options = await fake.wait_message(ADMIN, contains="Кнопки под сообщением", after=mark,
                                          where=toggled("Подать заявку"))
    if unsub:
        mark = fake.seq
        await press_ok(fake, ADMIN, options, "«Отписаться»")
        options = await fake.wait_message(ADMIN, contains="Кнопки под сообщением", after=mark,
                                          where=toggled("«Отписаться»"))
    mark = fake.seq
    await press_ok(fake, ADMIN, options, "Далее: получатели")
    audience = await fake.wait_message(ADMIN, contains="Кому отправить?", after=mark)
    mark = fake.seq
    await press_ok(fake, ADMIN, audience, "Все подписчики")
    confirm = await fake.wait_message(ADMIN, contains="Рассылка готова", after=mark)
    assert "Получатели: Все подписчики" in confirm.text, confirm
    count = COUNT.search(confirm.text.replace("\xa0", " "))
    assert count, confirm
    mark = fake.seq
    await press_ok(fake, ADMIN, confirm, "🚀 Отправить сейчас")
    started = await fake.wait_message(ADMIN, contains="запущена", after=mark)
    found = STARTED.search(started.text.replace("\xa0", " "))
    assert found, started
    assert found.group(2) == count.group(1)  # the count on the confirm screen was right
    return int(found.group(1)), source_id, int(found.group(2))


async def progress_message(fake: FakeTelegram, campaign_id: int) -> SentMessage:
    return await fake.wait_message(ADMIN, contains=f"📣 Рассылка № {campaign_id} —")


async def wait_progress(fake: FakeTelegram, progress: SentMessage, contains: str, after: int,
                        timeout: float = 10) -> SentMessage:
    ev = await fake.wait_event(
        ADMIN, contains=contains, after=after, kinds=("edited",), timeout=timeout,
        where=lambda e: e.message_id == progress.message_id,
    )
    return ev.message


async def wait_report(fake: FakeTelegram, campaign_id: int, timeout: float = 30) -> SentMessage:
    return await fake.wait_message(ADMIN, contains=f"Рассылка № {campaign_id} завершена.", timeout=timeout,
                                   where=lambda e: not e.text.startswith("📣"))


def delivered_to(fake: FakeTelegram, user_id: int) -> list[SentMessage]:
    return [m for m in fake.sent_to(user_id) if m.method == "copyMessage"]


async def settled(db_path: Path, campaign_id: int, status: str) -> None:
    """The campaign has that status and no recipient is in flight ("sending") any more.

    The progress message may say "на паузе" before that: its periodic edit reads the status while
    the messages already in flight are still going out."""
    rows = await wait_db(
        db_path,
        "SELECT status, (SELECT count(*) FROM campaign_recipients WHERE campaign_id = c.id"
        " AND status = 'sending') FROM campaigns c WHERE id = ?",
        (campaign_id,), lambda rows: rows == [(status, 0)],
    )
    assert rows == [(status, 0)], rows


async def quiet_for(fake: FakeTelegram, seconds: float) -> tuple[int, int]:
    """Copies delivered at the start and at the end of `seconds` of waiting."""
    before = copy_count(fake)
    await asyncio.sleep(seconds)
    return before, copy_count(fake)


# ---------------------------------------------------------------------------------- 1. crash


async def test_campaign_400_users_survives_sigkill_paced_blocked_users_and_report(
    fake, db_path, procs, record_property
):
    users = list(range(5_000_001, 5_000_401))
    blocked = set(users[::10])
    assert len(blocked) == 40
    await seed_users(db_path, [*users, ADMIN])
    for uid in blocked:
        fake.fail_chat(uid, 403, BLOCKED_BY_USER)
    fake.global_rate_limit = 30
    env = {"BROADCAST_RATE": "25"}

    first = await start_bot(procs, fake, db_path, **env)
    campaign_id, source_id, total = await compose(fake, join=True, unsub=True)
    assert total == len(users) + 1  # and the admin, who is a subscriber too
    recipients = {*users, ADMIN}
    progress = await progress_message(fake, campaign_id)

    # ---- midway: SIGKILL, then a new process on the same database
    await fake.wait_for(lambda f: copy_count(f) >= 150, timeout=30, description="150 copies")
    await first.kill()
    assert first.proc is not None and first.proc.returncode == -9
    at_kill = dict(read_db(db_path, "SELECT status, count(*) FROM campaign_recipients GROUP BY status"))
    sending_at_kill = {r[0] for r in read_db(
        db_path, "SELECT user_id FROM campaign_recipients WHERE status = 'sending'")}
    blocked_at_kill = {r[0] for r in read_db(
        db_path, "SELECT user_id FROM campaign_recipients WHERE status = 'blocked'")}
    assert 0 < at_kill.get("sent", 0) < total - len(blocked), at_kill
    assert len(sending_at_kill) <= IN_FLIGHT, sending_at_kill
    kill_seq = fake.seq

    await start_bot(procs, fake, db_path, **env)
    report = await wait_report(fake, campaign_id, timeout=40)
    document = (await fake.wait_call("sendDocument", where=lambda c: chat_of(c) == ADMIN)).result
    assert document, "no CSV"

    # ---- every reachable recipient got exactly one copy; repeats only from the kill window
    by_user: dict[int, list[Call]] = defaultdict(list)
    for c in copies(fake):
        by_user[chat_of(c)].append(c)
    assert set(by_user) == recipients, set(by_user) ^ recipients
    delivered = Counter({uid: sum(c.ok for c in calls) for uid, calls in by_user.items()})
    reachable = recipients - blocked
    assert all(delivered[uid] >= 1 for uid in reachable), [u for u in reachable if not delivered[u]]
    repeats = {uid: n for uid, n in delivered.items() if n > 1}
    assert set(repeats) <= sending_at_kill, (repeats, sending_at_kill)
    assert all(n == 2 for n in repeats.values()), repeats
    record_property("repeats_after_sigkill", len(repeats))
    record_property("in_flight_at_kill", len(sending_at_kill))
    print(f"\nSIGKILL after {at_kill.get('sent', 0)} sent: {len(sending_at_kill)} recipients were "
          f"'sending' (in flight), {len(repeats)} of them got a repeat copy")

    # ---- blocked users: the first attempt is the 403, never a second one once it was recorded
    for uid in blocked:
        calls = by_user[uid]
        assert all(c.status == 403 for c in calls), calls
        assert len(calls) == 1 or (uid in sending_at_kill and len(calls) == 2), (uid, calls)
        assert uid not in blocked_at_kill or all(c.seq < kill_seq for c in calls), (uid, calls)
    assert fake.rate_limited_count == 0  # the pacing never provoked a 429

    # ---- the copies: the admin's own message (formatting kept) with the two buttons
    link = f"https://t.me/{fake.bot_username}?start=join_{JOIN_SLUG}__c{campaign_id}"
    for c in copies(fake, ok=True):
        assert int(c.params["from_chat_id"]) == ADMIN and int(c.params["message_id"]) == source_id, c.short()
    for uid in (users[1], users[155], users[-1], ADMIN):
        [copy] = delivered_to(fake, uid)[-1:]
        assert copy.copied_from == (ADMIN, source_id)
        assert copy.text == CAMPAIGN_TEXT and BOLD in copy.entities, copy.entities
        assert copy.inline_keyboard == [
            [{"text": "📝 Подать заявку на вступление", "url": link}],
            [{"text": "🔕 Отписаться от рассылок", "callback_data": UNSUB_DATA}],
        ], copy.inline_keyboard
    assert len(link.split("?start=")[1]) <= 64  # Telegram's limit for a start parameter

    # ---- one progress message, edited across both processes, never with the same content
    progress_msgs = [m for m in fake.sent_to(ADMIN) if m.text.startswith(f"📣 Рассылка № {campaign_id}")]
    assert progress_msgs == [progress]
    edits = [c for c in fake.calls if c.method == "editMessageText" and chat_of(c) == ADMIN
             and int(c.params.get("message_id", 0)) == progress.message_id]
    assert len(edits) >= 2 and progress.edited >= 2, edits
    assert any(c.seq > kill_seq for c in edits)  # the restarted process kept editing it
    assert not [c.short() for c in fake.calls if c.error and MESSAGE_NOT_MODIFIED[:40] in c.error]
    texts = [progress.params["text"]] + [c.params["text"] for c in edits]
    assert all(a != b for a, b in zip(texts, texts[1:], strict=False)), texts
    assert "завершена" in progress.text and "100%" in progress.text, progress
    assert progress.inline_keyboard == []  # no Pause/Stop on a finished campaign

    # ---- the final report and the CSV of the 40 blocked users
    assert f"Доставлено: {len(reachable)} из {total}" in report.text, report
    assert "заблокировали бота: 40" in report.text and "ошибки: 0" in report.text, report
    csv_msg = fake.last_message(ADMIN)
    assert csv_msg is not None and csv_msg.document is not None, fake.sent_to(ADMIN)[-3:]
    assert csv_msg.document.filename == f"campaign-{campaign_id}-failures.csv"
    assert "Недоставленные: 40" in csv_msg.caption
    rows = list(csv.reader(io.StringIO(csv_msg.document.data.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["user_id", "status", "error"]
    assert {int(r[0]) for r in rows[1:]} == blocked and len(rows) == 41
    assert {(r[1], r[2]) for r in rows[1:]} == {("blocked", BLOCKED_BY_USER)}

    # ---- the database: blocked=1 for exactly those 40, the campaign done
    assert {r[0] for r in read_db(db_path, "SELECT id FROM users WHERE blocked = 1")} == blocked
    assert read_db(db_path, "SELECT status, total FROM campaigns WHERE id = ?", (campaign_id,)) == [("done", total)]
    assert dict(read_db(db_path, "SELECT status, count(*) FROM campaign_recipients GROUP BY status")) == {
        "sent": len(reachable), "blocked": 40}
    assert not api_errors(fake, lambda c: c.method == "copyMessage" and chat_of(c) in blocked)


# ---------------------------------------------------------------------------------- 2. controls


async def test_only_admins_control_campaigns_pause_resume_cancel(fake, db_path, procs):
    users = list(range(6_000_001, 6_000_301))
    await seed_users(db_path, [*users, ADMIN, OUTSIDER])
    await start_bot(procs, fake, db_path)

    refused = await says(fake, OUTSIDER, "/broadcast", "только администраторам")
    assert "Пришлите сообщение" not in refused.text
    campaign_id, _, total = await compose(fake, join=False, unsub=False)
    assert total == len(users) + 2  # the outsider and the admin are subscribers too
    progress = await progress_message(fake, campaign_id)
    await fake.wait_for(lambda f: copy_count(f) >= 15, timeout=10, description="15 copies")

    # ---- a non-admin's forged control buttons: an alert, and the campaign keeps running
    for action in ("pause", "cancel"):
        answer = await press_data(fake, OUTSIDER, refused, f"cp:{action}:{campaign_id}")
        assert answer.get("show_alert") and "только администраторам" in answer.get("text", ""), answer
    assert read_db(db_path, "SELECT status FROM campaigns WHERE id = ?", (campaign_id,)) == [("running",)]
    now = copy_count(fake)
    await fake.wait_for(lambda f: copy_count(f) >= now + 20, timeout=5, description="still sending")

    # ---- Pause: at most the messages already in flight go out, then nothing
    mark = fake.seq
    answer = await press_ok(fake, ADMIN, progress, "⏸ Пауза")
    assert answer.get("text") == "Рассылка на паузе."
    at_pause = copy_count(fake)
    paused = await wait_progress(fake, progress, "на паузе", after=mark)
    assert "▶️ Продолжить" in paused.button_texts and "⏹ Остановить" in paused.button_texts
    await settled(db_path, campaign_id, "paused")
    before, after = await quiet_for(fake, 2.0)
    assert after == before, "copies went out during the pause"
    assert before - at_pause <= IN_FLIGHT  # only the messages already in flight
    assert read_db(db_path, "SELECT status FROM campaigns WHERE id = ?", (campaign_id,)) == [("paused",)]

    # ---- Resume
    mark = fake.seq
    answer = await press_ok(fake, ADMIN, paused, "▶️ Продолжить")
    assert answer.get("text") == "Рассылка продолжается."
    await fake.wait_for(lambda f: copy_count(f) >= after + 20, timeout=5, description="resumed")
    running = await wait_progress(fake, progress, "— идёт", after=mark)

    # ---- Cancel: for good
    mark = fake.seq
    answer = await press_ok(fake, ADMIN, running, "⏹ Остановить")
    assert answer.get("text") == "Рассылка остановлена."
    cancelled = await wait_progress(fake, progress, "отменена", after=mark)
    assert cancelled.inline_keyboard == []
    await settled(db_path, campaign_id, "cancelled")
    before, after = await quiet_for(fake, 2.0)
    assert after == before, "copies went out after the cancel"
    assert after < total
    answer = await press_data(fake, ADMIN, cancelled, f"cp:resume:{campaign_id}")
    assert answer.get("show_alert") and answer.get("text") == "Эту рассылку нельзя продолжить.", answer
    before, after = await quiet_for(fake, 1.0)
    assert after == before

    history = await says(fake, ADMIN, "/campaigns", "Рассылки")
    text = history.text.replace("\xa0", " ")
    assert f"№ {campaign_id} · отменена" in text, text
    assert f"доставлено {after}," in text and f"из {total}" in text, text
    assert read_db(db_path, "SELECT status FROM campaigns WHERE id = ?", (campaign_id,)) == [("cancelled",)]
    assert not [u for u, n in Counter(chat_of(c) for c in copies(fake, ok=True)).items() if n > 1]
    assert not api_errors(fake)


async def test_pause_stops_at_the_messages_in_flight(fake, db_path, procs):
    """Regression: the recipient the sender was waiting to start when Pause came was still sent
    (IN_FLIGHT + 1 copies after the pause); the slot is now re-checked (a78d145)."""
    users = list(range(6_200_001, 6_200_041))
    await seed_users(db_path, [*users, ADMIN])
    await start_bot(procs, fake, db_path, BROADCAST_RATE="3")  # slow: no timing races
    campaign_id, _, _ = await compose(fake, join=False, unsub=False)
    progress = await progress_message(fake, campaign_id)
    await fake.wait_for(lambda f: copy_count(f) >= 2, timeout=10, description="2 copies")
    mark = fake.seq
    answer = await press_ok(fake, ADMIN, progress, "⏸ Пауза")
    assert answer.get("text") == "Рассылка на паузе."
    at_pause = copy_count(fake)
    await wait_progress(fake, progress, "на паузе", after=mark, timeout=10)
    await settled(db_path, campaign_id, "paused")
    before, after = await quiet_for(fake, 0.5)
    assert after == before
    assert after - at_pause <= IN_FLIGHT, f"{after - at_pause} copies after the pause"


async def test_cancel_while_paused_shows_a_sane_speed(fake, db_path, procs):
    """Regression: cancelling a paused campaign showed "Скорость: 19000.0/с" (the final progress
    was rendered as if started that instant, with nothing sent before) (a78d145)."""
    users = list(range(6_300_001, 6_300_101))
    await seed_users(db_path, [*users, ADMIN])
    await start_bot(procs, fake, db_path)
    campaign_id, _, _ = await compose(fake, join=False, unsub=False)
    progress = await progress_message(fake, campaign_id)
    await fake.wait_for(lambda f: copy_count(f) >= 10, timeout=10, description="10 copies")
    mark = fake.seq
    await press_ok(fake, ADMIN, progress, "⏸ Пауза")
    paused = await wait_progress(fake, progress, "на паузе", after=mark)
    await settled(db_path, campaign_id, "paused")
    mark = fake.seq
    answer = await press_ok(fake, ADMIN, paused, "⏹ Остановить")
    assert answer.get("text") == "Рассылка остановлена."
    cancelled = await wait_progress(fake, progress, "отменена", after=mark)
    speed = re.search(r"Скорость: ([\d.]+)/с", cancelled.text)
    assert speed, cancelled
    assert float(speed.group(1)) <= 25 * 1.1, cancelled.text


async def test_429_makes_every_sender_wait_retry_after(fake, db_path, procs):
    """Regression: the sends already queued in the limiter when a 429 came went out during
    retry_after (7 requests within the 2 s); they now re-check the wait (a78d145)."""
    users = list(range(6_400_001, 6_400_061))
    await seed_users(db_path, [*users, ADMIN])
    await start_bot(procs, fake, db_path)
    campaign_id, _, total = await compose(fake, join=False, unsub=False)
    await fake.wait_for(lambda f: copy_count(f) >= 10, timeout=10, description="10 copies")
    fake.fail_next("copyMessage", 429, "Too Many Requests: retry after 2", retry_after=2)
    limited = await fake.wait_call("copyMessage", where=lambda c: c.status == 429, timeout=5)
    await wait_report(fake, campaign_id)
    # the same recipient is retried once the wait is over, and everybody got exactly one copy
    retried = [c for c in copies(fake) if chat_of(c) == chat_of(limited)]
    assert [c.status for c in retried] == [429, 200], retried
    assert retried[1].time >= limited.time + 1.9
    assert sorted(Counter(chat_of(c) for c in copies(fake, ok=True)).values()) == [1] * total
    early = [c.short(80) for c in copies(fake) if limited.time + 0.05 < c.time < limited.time + 1.95]
    assert early == [], f"{len(early)} copyMessage calls during retry_after: {early}"


# ---------------------------------------------------------------------------------- 3. subscriptions


async def test_unsubscribe_button_and_subscribe(fake, db_path, procs):
    u1, u2, u3 = 7001, 7002, 7003
    await start_bot(procs, fake, db_path)
    for uid in (u1, u2, u3, ADMIN):
        await says(fake, uid, "/start", "Здравствуйте")
    # the bot records users in batches within about a second
    await wait_db(db_path, "SELECT count(*) FROM users WHERE id IN (?, ?, ?, ?)", (u1, u2, u3, ADMIN),
                  lambda rows: rows[0][0] == 4)

    reply = await says(fake, u1, "/unsubscribe", "Вы отписались")
    assert "🔔 Подписаться снова" in reply.button_texts
    first, _, total = await compose(fake, join=False, unsub=True)
    assert total == 3  # u2, u3 and the admin
    await wait_report(fake, first)
    assert delivered_to(fake, u1) == []
    [copy2] = delivered_to(fake, u2)
    assert len(delivered_to(fake, u3)) == 1

    # the button under the campaign message unsubscribes
    cq = fake.press_button(u2, copy2, "Отписаться")
    answer = await fake.wait_callback_answer(cq)
    assert answer.get("show_alert") and "Вы отписались" in answer.get("text", ""), answer
    assert read_db(db_path, "SELECT subscribed FROM users WHERE id = ?", (u2,)) == [(0,)]

    await says(fake, u1, "/subscribe", "Вы подписаны")
    second, _, total = await compose(fake, join=False, unsub=True)
    assert total == 3  # u1, u3 and the admin
    await wait_report(fake, second)
    assert len(delivered_to(fake, u1)) == 1
    assert len(delivered_to(fake, u2)) == 1  # only the first campaign
    assert len(delivered_to(fake, u3)) == 2
    assert not api_errors(fake)


async def test_unsubscribe_as_the_very_first_message_is_kept(fake, db_path, procs):
    """Regression: /unsubscribe as a new user's first message was lost (an UPDATE of a row still
    waiting in the 1-second batch of seen users); it is an upsert now (a78d145)."""
    newcomer = 7100
    await seed_users(db_path, [ADMIN])
    await start_bot(procs, fake, db_path)
    await says(fake, newcomer, "/unsubscribe", "Вы отписались")
    rows = await wait_db(db_path, "SELECT subscribed FROM users WHERE id = ?", (newcomer,), bool)
    assert rows, "the user was never recorded"
    campaign_id, _, _ = await compose(fake, join=False, unsub=True)
    await wait_report(fake, campaign_id)
    assert delivered_to(fake, newcomer) == [], "a campaign reached a user who had unsubscribed"
    assert rows == [(0,)]


# ---------------------------------------------------------------------------------- 4. attribution


async def test_application_through_the_campaign_link_is_counted(fake, db_path, procs):
    applicant, other = 7201, 7202
    await start_bot(procs, fake, db_path)
    for uid in (applicant, other, ADMIN):
        await says(fake, uid, "/start", "Здравствуйте")
    await wait_db(db_path, "SELECT count(*) FROM users WHERE id IN (?, ?, ?)", (applicant, other, ADMIN),
                  lambda rows: rows[0][0] == 3)
    campaign_id, _, total = await compose(fake, join=True, unsub=False)
    assert total == 3
    await wait_report(fake, campaign_id)
    [copy] = delivered_to(fake, applicant)
    url = copy.find_button("Подать заявку")["url"]
    start_param = url.split("?start=", 1)[1]
    assert start_param == f"join_{JOIN_SLUG}__c{campaign_id}"

    # opening the link makes the client send "/start <param>"
    msg = await says(fake, applicant, f"/start {start_param}", PROMPT["org_name"])
    assert "Шаг 2 из 12" in msg.text  # the cluster is preselected
    await says(fake, applicant, "ООО «Химпром»", PROMPT["inn"])
    msg = await says(fake, applicant, INN, PROMPT["ogrn"])
    msg = await _press(fake, applicant, msg, "Пропустить", PROMPT["region"])
    msg = await says(fake, applicant, "Омская область", "Это Омская область?")
    msg = await _press(fake, applicant, msg, "✅ Омская область", PROMPT["products"])
    msg = await says(fake, applicant, "Растворители и реактивы", PROMPT["okved"])
    msg = await _press(fake, applicant, msg, "Пропустить", PROMPT["contact"])
    await says(fake, applicant, "Иванов Иван, директор", PROMPT["phone"])
    await says(fake, applicant, "+7 912 345-67-89", PROMPT["email"])
    msg = await says(fake, applicant, "info@example.ru", PROMPT["comment"])
    msg = await _press(fake, applicant, msg, "Пропустить", PROMPT["consent"])
    summary = await _press(fake, applicant, msg, "Я согласен", PROMPT["summary"])
    assert f"Кластер: {CLUSTER}" in summary.text
    await _press(fake, applicant, summary, "Отправить заявку", "отправлена")
    card = await fake.wait_message(STAFF_CHAT, contains="📝 Заявка №")
    assert f"Кампания: c{campaign_id}" in card.text

    history = await says(fake, ADMIN, "/campaigns", "Рассылки")
    assert f"№ {campaign_id} · завершена" in history.text
    assert "заявок по ссылке: 1" in history.text, history.text
    assert not api_errors(fake)


async def _press(fake: FakeTelegram, user_id: int, message: SentMessage, button: str, expect: str) -> SentMessage:
    mark = fake.seq
    await press_ok(fake, user_id, message, button)
    return await fake.wait_message(user_id, contains=expect, after=mark)

