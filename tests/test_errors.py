"""Every update answered, every failure told (issue 8: defects 5, 7, 8, 9), through the
dispatcher with the local (mocked) Bot API.

- a handler that raises (a Bot API error, a bug) is logged once and its user told to retry;
- every press is answered exactly once: after the handler's work, "outdated" when nothing
  matched its data, an alert when the handler failed;
- a database that can't be written (full disk, read-only) makes the user hear "could not save,
  try again in a minute", advances nothing, and the same input works once it can be written;
- no text the bot sends exceeds Telegram's limits counted in UTF-16 units.
"""

from __future__ import annotations

import logging
import re
import sqlite3
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager

import pytest
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramServerError,
)
from aiogram.methods import (
    AnswerCallbackQuery,
    SendDocument,
    SendMessage,
    TelegramMethod,
)
from aiogram.types import BufferedInputFile

from bot.callbacks import FormCb, MenuCb, StaffCb
from bot.errors import storage_unavailable
from bot.i18n import I18n
from bot.views import fit_lines, truncate_html, truncate_text, utf16_len, visible_length
from handlers.join import JoinForm
from tests.conftest import Chatter, answered, sent_texts
from tests.fake_telegram import parse_html
from tests.test_join_handlers import (
    STAFF_CHAT,
    data_of,
    fill_until_summary,
    staff_chatter,
    state_of,
)

RU = I18n().get("ru")
EN = I18n().get("en")
SAVE_FAILED = RU("error-save-failed")
TRY_AGAIN = RU("error-try-again")
OUTDATED = RU("error-outdated")
WRITE = re.compile(r"^\s*(INSERT|UPDATE|DELETE|REPLACE)\b", re.IGNORECASE)


# ---------------------------------------------------------------------------------- faults


@asynccontextmanager
async def unwritable(db, how: str = "full") -> AsyncIterator[None]:  # noqa: ANN001
    """The database can be read but not written while inside.

    "full": every write statement fails with SQLite's own message for a full disk
    (SQLITE_FULL), raised where aiosqlite would raise it; "readonly": SQLite itself refuses
    every write (`PRAGMA query_only`, "attempt to write a readonly database").
    (`PRAGMA max_page_count` only fails writes that need a new page, so a dialogue step that
    updates its row in place would still succeed: see test_a_real_full_database below.)
    """
    conn = db.conn
    if how == "readonly":
        await conn.execute("PRAGMA query_only = ON")
        try:
            yield
        finally:
            await conn.execute("PRAGMA query_only = OFF")
        return
    originals = {name: getattr(conn, name) for name in ("execute", "executemany")}

    def guard(original):  # noqa: ANN001, ANN202
        def call(sql, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
            if WRITE.match(sql):
                raise sqlite3.OperationalError("database or disk is full")
            return original(sql, *args, **kwargs)
        return call

    for name, original in originals.items():
        setattr(conn, name, guard(original))
    try:
        yield
    finally:
        for name in originals:
            delattr(conn, name)  # back to the class's methods


@contextmanager
def bot_api_fails(session, method_type: type, error: type = TelegramBadRequest, count: int = 1,  # noqa: ANN001
                  description: str = "Bad Request: something the Bot API didn't like") -> Iterator[list]:
    """The next `count` calls of `method_type` fail with `error` (after the request middlewares)."""
    original = session.make_request
    failed: list = []

    async def make_request(bot, method: TelegramMethod, timeout=None):  # noqa: ANN001, ANN202
        if isinstance(method, method_type) and len(failed) < count:
            failed.append(method)
            if error is TelegramServerError:
                raise TelegramServerError(method=method, message="Internal Server Error")
            raise error(method=method, message=description)
        return await original(bot, method, timeout)

    session.make_request = make_request
    try:
        yield failed
    finally:
        del session.make_request


async def sent_with_card(app, chatter: Chatter):  # noqa: ANN001, ANN201
    """The chatter's application, sent, and its card delivered to the staff group."""
    await fill_until_summary(app, chatter)
    await chatter.press(chatter.last_message(), FormCb(action="send").pack())
    app_id = (await app.db.fetchone("SELECT id FROM applications"))[0]
    await app.delivery.process_due()
    return app_id, chatter.session.messages[(STAFF_CHAT, max(m for c, m in chatter.session.messages if c == STAFF_CHAT))]


def error_records(caplog) -> list[logging.LogRecord]:  # noqa: ANN001
    return [r for r in caplog.records if r.levelno >= logging.ERROR]


# ---------------------------------------------------------------------------------- defect 7


async def test_a_bot_api_error_in_a_handler_is_logged_once_and_the_user_told(app, chatter, caplog):
    caplog.set_level(logging.INFO)
    with bot_api_fails(app.bot.session, SendMessage) as failed:
        calls = await chatter.send("/help")  # feed_update must not raise
    assert len(failed) == 1
    assert sent_texts(calls)[-1] == TRY_AGAIN
    errors = error_records(caplog)
    assert len(errors) == 1, [r.getMessage() for r in errors]
    logged = errors[0].getMessage()
    assert "Traceback" in logged and "TelegramBadRequest" in logged and "didn't like" in logged
    assert "Иван" not in caplog.text and "/help" not in caplog.text  # no personal data, no input
    # and the bot goes on: the same command works now
    assert TRY_AGAIN not in sent_texts(await chatter.send("/help"))


async def test_a_bug_is_logged_without_the_input_it_may_quote(app, chatter, caplog):
    secret = "+7 912 345-67-89"
    original = app.bot.session.make_request

    async def buggy(bot, method, timeout=None):  # noqa: ANN001, ANN202
        if isinstance(method, SendMessage) and method.text != TRY_AGAIN:
            raise ValueError(f"invalid literal for int() with base 10: {secret!r}")
        return await original(bot, method, timeout)

    app.bot.session.make_request = buggy
    try:
        calls = await chatter.send("/help")
    finally:
        del app.bot.session.make_request
    assert sent_texts(calls) == [TRY_AGAIN]
    (record,) = error_records(caplog)
    assert "Traceback" in record.getMessage() and "ValueError (message withheld)" in record.getMessage()
    assert secret not in caplog.text


async def test_a_user_who_blocked_the_bot_is_not_written_to_but_presses_are_answered(app, chatter, caplog):
    await chatter.send("/menu")
    menu = chatter.last_message()
    with bot_api_fails(app.bot.session, SendMessage, error=TelegramForbiddenError, count=5,
                       description="Forbidden: bot was blocked by the user") as failed:
        await chatter.send("/help")
        assert len(failed) == 1  # no second attempt to write to them
        calls = await chatter.press(menu, MenuCb(action="join").pack())
    assert len(failed) == 2 and len(answered(calls)) == 1
    assert not error_records(caplog)


async def test_the_error_message_is_in_the_users_language(app):
    en = Chatter(app, app.bot.session, user_id=4343, language_code="en")
    with bot_api_fails(app.bot.session, SendMessage):
        calls = await en.send("/help")
    assert sent_texts(calls)[-1] == EN("error-try-again")


async def test_a_failed_press_is_told_with_an_alert_and_answered_once(app, chatter):
    await chatter.send("/menu")
    # the Bot API fails the first attempt and both retries
    with bot_api_fails(app.bot.session, SendMessage, error=TelegramServerError, count=3) as failed:
        calls = await chatter.press(chatter.last_message(), MenuCb(action="join").pack())
    assert len(failed) == 3
    answers = answered(calls)
    assert len(answers) == 1 and answers[0].show_alert and answers[0].text == TRY_AGAIN


async def test_a_bot_api_blip_is_sent_again_and_the_user_gets_the_real_answer(app, chatter, caplog):
    await chatter.send("/menu")
    with bot_api_fails(app.bot.session, SendMessage, error=TelegramServerError, count=2) as failed:
        calls = await chatter.send("/help")
    assert len(failed) == 2  # two 500s, the third attempt went through
    assert sent_texts(calls)[-1] != TRY_AGAIN and "/clusters" in sent_texts(calls)[-1]
    assert error_records(caplog) == []


async def test_a_press_answer_lost_on_the_network_is_sent_again(app, chatter):
    await chatter.send("/menu")
    with bot_api_fails(app.bot.session, AnswerCallbackQuery, error=TelegramNetworkError, count=1,
                       description="Request timeout error") as failed:
        calls = await chatter.press(chatter.last_message(), MenuCb(action="clusters").pack())
    answers = answered(calls)  # the calls that got through
    assert len(failed) == 1 and answers == failed  # the lost answer went again, once


async def test_a_message_that_may_have_gone_out_is_not_sent_twice(app, chatter, caplog):
    """A timeout after the request went out: Telegram may have sent the message, so it is not
    repeated (the user is told to try again instead); a connection that never opened is."""
    await chatter.send("/menu")
    with bot_api_fails(app.bot.session, SendMessage, error=TelegramNetworkError, count=1,
                       description="Request timeout error") as failed:
        calls = await chatter.send("/help")
    assert len(failed) == 1 and "/clusters" in failed[0].text
    assert sent_texts(calls) == [TRY_AGAIN]  # the help was not sent a second time
    with bot_api_fails(app.bot.session, SendMessage, error=TelegramNetworkError, count=1,
                       description="ClientConnectorError: Cannot connect to host") as failed:
        calls = await chatter.send("/help")
    assert len(failed) == 1 and sent_texts(calls)[-1] != TRY_AGAIN


async def test_a_failure_before_the_press_is_answered_gets_an_alert(app, chatter, caplog):
    """Staff Reject sends its prompt first and answers the press after it: when the prompt
    can't be sent, the press is answered with the alert (once), and nothing is left pending."""
    app_id, card = await sent_with_card(app, chatter)
    staff = staff_chatter(app)
    with bot_api_fails(app.bot.session, SendMessage, count=1):
        calls = await staff.press(card, StaffCb(action="reject", app=app_id).pack())
    answers = answered(calls)
    assert len(answers) == 1 and answers[0].text == TRY_AGAIN and answers[0].show_alert
    assert tuple(await app.db.fetchone("SELECT count(*) FROM staff_prompts")) == (0,)
    assert (await app.db.fetchone("SELECT status FROM applications WHERE id = ?", (app_id,)))[0] == "new"
    assert len(error_records(caplog)) == 1


async def test_a_press_answered_before_a_failure_gets_a_message(app, chatter, caplog):
    """A handler that answered first and failed later: the press can't be answered again, so
    the user gets a message in the press's chat, and the failure is logged once."""
    from aiogram import Router
    from aiogram.types import CallbackQuery

    early = Router(name="answers-first")

    @early.callback_query(MenuCb.filter())
    async def answers_then_fails(callback: CallbackQuery) -> None:
        await callback.answer()
        raise TelegramBadRequest(method=SendMessage(chat_id=1, text="x"), message="Bad Request: later")

    app.dp.sub_routers.insert(0, early)
    early._parent_router = app.dp
    await chatter.send("/start")
    calls = await chatter.press(chatter.last_message(), MenuCb(action="main").pack())
    assert len(answered(calls)) == 1  # the handler's own answer; none twice
    told = [c for c in calls if isinstance(c, SendMessage) and c.text == TRY_AGAIN]
    assert told and told[0].chat_id == chatter.chat.id
    assert len(error_records(caplog)) == 1


# ---------------------------------------------------------------------------------- defect 8


@pytest.mark.parametrize("data", [
    "garbage",
    "",
    "st:take:not-a-number",  # forged: fails StaffCb's int field
    "st:take",  # old format: a field missing
    "fm:send:x:extra:parts",
    "m:" + "x" * 62,
    "ex:zz:zz:zz:zz",
    "pv:show:abc",
    "\u202e\x00<b>",
])
async def test_a_press_nobody_handles_is_answered_outdated(app, chatter, data):
    await chatter.send("/menu")
    calls = await chatter.press(chatter.last_message(), data)
    answers = answered(calls)
    assert len(answers) == 1, calls
    assert answers[0].text == OUTDATED and answers[0].show_alert


async def test_every_handled_press_is_answered_exactly_once(app, chatter):
    """The join dialogue's buttons no longer answer before their work: each press of a whole
    dialogue is answered once, after it."""
    cluster_id, _ = app.kb.by_slug("cluster", "interregional-chemical")
    await chatter.send("/menu")
    presses = [
        MenuCb(action="join"), FormCb(action="cluster", value=str(cluster_id)), FormCb(action="back"),
        FormCb(action="cluster", value="999999"), FormCb(action="cancel"), MenuCb(action="main"),
        MenuCb(action="clusters"), MenuCb(action="help"),
    ]
    for cb in presses:
        calls = await chatter.press(chatter.last_message(), cb.pack())
        assert len(answered(calls)) == 1, (cb, calls)


# ---------------------------------------------------------------------------------- defect 5


@pytest.mark.parametrize("how", ["full", "readonly"])
async def test_a_join_step_with_an_unwritable_database_keeps_the_step(app, chatter, how):
    cluster_id, _ = app.kb.by_slug("cluster", "interregional-chemical")
    await chatter.send("/join")
    await chatter.press(chatter.last_message(), FormCb(action="cluster", value=str(cluster_id)).pack())
    assert await state_of(app, chatter) == JoinForm.org_name.state
    async with unwritable(app.db, how):
        calls = await chatter.send("ООО «Химпром»")
        assert sent_texts(calls) == [SAVE_FAILED]
        # a press in the dialogue can't save either: an alert says so
        calls = await chatter.press(chatter.last_message(), FormCb(action="back").pack())
        answers = answered(calls)
        assert len(answers) == 1 and answers[0].text == SAVE_FAILED and answers[0].show_alert
    assert await state_of(app, chatter) == JoinForm.org_name.state
    assert "org_name" not in await data_of(app, chatter)
    # space is back: the same input goes through, nothing to restart
    calls = await chatter.send("ООО «Химпром»")
    assert "ИНН" in sent_texts(calls)[-1]
    assert await state_of(app, chatter) == JoinForm.inn.state
    assert (await data_of(app, chatter))["org_name"] == "ООО «Химпром»"


@pytest.mark.parametrize("how", ["full", "readonly"])
async def test_send_with_an_unwritable_database_keeps_the_form(app, chatter, how):
    await fill_until_summary(app, chatter)
    summary = chatter.last_message()
    before = await data_of(app, chatter)
    async with unwritable(app.db, how):
        calls = await chatter.press(summary, FormCb(action="send").pack())
    answers = answered(calls)
    assert len(answers) == 1 and answers[0].show_alert and answers[0].text == SAVE_FAILED
    assert (await app.db.fetchone("SELECT count(*) FROM applications"))[0] == 0
    assert await state_of(app, chatter) == JoinForm.summary.state
    assert await data_of(app, chatter) == before
    calls = await chatter.press(summary, FormCb(action="send").pack())
    assert "отправлена" in sent_texts(calls)[-1]
    assert answered(calls)[0].text.startswith("✅")
    assert (await app.db.fetchone("SELECT count(*) FROM applications"))[0] == 1


@pytest.mark.parametrize("how", ["full", "readonly"])
async def test_staff_take_with_an_unwritable_database(app, chatter, how):
    app_id, card = await sent_with_card(app, chatter)
    staff = staff_chatter(app)
    async with unwritable(app.db, how):
        calls = await staff.press(card, StaffCb(action="take", app=app_id).pack())
    answers = answered(calls)
    assert len(answers) == 1 and answers[0].show_alert and answers[0].text == SAVE_FAILED
    assert (await app.db.fetchone("SELECT status FROM applications"))[0] == "new"
    calls = await staff.press(card, StaffCb(action="take", app=app_id).pack())
    assert "на рассмотрении" in answered(calls)[0].text
    assert (await app.db.fetchone("SELECT status FROM applications"))[0] == "in_review"


async def test_a_real_full_database(app, chatter):
    """SQLite's own SQLITE_FULL (`PRAGMA max_page_count` at the file's current size): a step
    whose input needs new pages (2,000 Cyrillic characters) is refused and kept."""
    await fill_until_summary(app, chatter)
    await chatter.press(chatter.last_message(), FormCb(action="edit", value="products").pack())
    assert await state_of(app, chatter) == JoinForm.products.state
    await app.db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    free = (await app.db.fetchone("PRAGMA freelist_count"))[0]
    if free:
        await app.db.conn.execute("VACUUM")
    pages = (await app.db.fetchone("PRAGMA page_count"))[0]
    assert (await app.db.fetchone(f"PRAGMA max_page_count = {pages}"))[0] == pages
    products = "Ж" * 1000 + "Ы" * 1000
    try:
        calls = await chatter.send(products)
        assert sent_texts(calls) == [SAVE_FAILED]
        assert (await data_of(app, chatter))["products"] == "Растворители и реактивы"
    finally:
        await app.db.fetchone("PRAGMA max_page_count = 1073741823")
    calls = await chatter.send(products)
    assert (await data_of(app, chatter))["products"] == products
    assert await state_of(app, chatter) == JoinForm.summary.state


def test_what_counts_as_a_database_that_cant_be_written():
    assert storage_unavailable(sqlite3.OperationalError("database or disk is full"))
    assert storage_unavailable(sqlite3.OperationalError("database is locked"))
    assert storage_unavailable(sqlite3.OperationalError("attempt to write a readonly database"))
    assert not storage_unavailable(sqlite3.OperationalError("no such table: x"))
    assert not storage_unavailable(ValueError("database or disk is full"))
    conn = sqlite3.connect(":memory:")
    conn.execute("PRAGMA query_only = ON")
    with pytest.raises(sqlite3.OperationalError) as real:
        conn.execute("CREATE TABLE t (x)")
    assert storage_unavailable(real.value) is real.value
    # SQLITE_FULL rolls the transaction back itself: the failing ROLLBACK hides the cause
    try:
        try:
            raise sqlite3.OperationalError("database or disk is full")
        except sqlite3.OperationalError:
            raise sqlite3.OperationalError("cannot rollback - no transaction is active") from None
    except sqlite3.OperationalError as masked:
        assert masked.__suppress_context__ and storage_unavailable(masked) is not None


async def test_one_traceback_a_minute_while_the_disk_stays_full(app, chatter, caplog):
    cluster_id, _ = app.kb.by_slug("cluster", "interregional-chemical")
    await chatter.send("/join")
    await chatter.press(chatter.last_message(), FormCb(action="cluster", value=str(cluster_id)).pack())
    async with unwritable(app.db):
        for _ in range(5):
            assert sent_texts(await chatter.send("ООО «Химпром»")) == [SAVE_FAILED]
    errors = error_records(caplog)
    assert len(errors) == 5 and sum("Traceback" in r.getMessage() for r in errors) == 1


# ---------------------------------------------------------------------------------- defect 9


LONG = "2" * 4097


@pytest.mark.parametrize("step, text", [
    ("okved", LONG),  # "«…» is not an ОКВЭД code" repeated the whole input back
    ("okved", "20.14 " + "😀" * 2040),  # fits Telegram's 4,096 units in, 4,080 units echoed
    ("okved", "<b>&amp;" * 500),
    ("org_name", LONG),
    ("products", "😀" * 2048),
    ("contact", LONG),
    ("email", "a" * 4000 + "@x.ru"),
    ("comment", LONG),
])
async def test_overlong_input_is_never_echoed_unbounded(app, chatter, step, text):
    await fill_until_summary(app, chatter)
    await chatter.press(chatter.last_message(), FormCb(action="edit", value=step).pack())
    calls = await chatter.send(text)  # the Chatter checks every length as Telegram counts it
    reply = sent_texts(calls)[-1]
    assert reply.startswith("⚠️")
    plain, _ = parse_html(reply)
    assert utf16_len(plain) < 1000


# ---------------------------------------------------------------------------------- lengths


def test_lengths_are_counted_in_utf16_units():
    assert utf16_len("😀") == 2 and utf16_len("Ж") == 1
    assert visible_length("<b>😀&amp;</b>") == 3
    lines = ["😀" * 100] * 30  # 3,000 characters, 6,000 units
    text = fit_lines(lines)
    assert utf16_len(parse_html(text)[0]) <= 4096 and text.endswith("…")


@pytest.mark.parametrize("html", [
    "<b>" + "😀" * 3000 + "</b>",
    '<a href="https://example.org/?a=1&amp;b=2">' + "ссылка " * 800 + "</a>",
    "<blockquote>" + "&lt;&amp;&gt;" * 2000 + "</blockquote>",
    "<pre><code class=\"language-python\">" + "x = 1\n" * 1000 + "</code></pre>",
    "<b>a<i>b<u>c" + "d" * 5000 + "</u></i></b>",
    "x" * 4095 + "😀😀",
])
def test_truncate_html_keeps_valid_html_within_the_limit(html):
    cut = truncate_html(html, 4096)
    plain, _ = parse_html(cut)  # raises on broken HTML as Telegram would
    assert utf16_len(plain) <= 4096 and plain.endswith("…")
    assert truncate_html("<b>short</b>", 4096) == "<b>short</b>"
    assert utf16_len(truncate_text("😀" * 150, 200)) <= 200


async def test_the_request_middleware_fits_every_overlong_text(app, caplog):
    """The net under every handler, the outbox and campaigns: nothing the bot sends is
    refused by Telegram for its length."""
    caplog.set_level(logging.WARNING)
    session = app.bot.session
    mark = len(session.calls)
    await app.bot.send_message(501, "<b>Заголовок</b>\n" + "<i>😀 текст &amp; </i>" * 1000)
    await app.bot.send_message(501, "😀" * 3000, parse_mode=None)
    await app.bot.send_document(-100777, BufferedInputFile(b"x", "x.csv"), caption="<b>" + "Ж" * 2000 + "</b>")
    await app.bot.answer_callback_query("1", text="😀" * 150)
    calls = session.calls[mark:]
    html, plain = [c for c in calls if isinstance(c, SendMessage)]
    parsed, _ = parse_html(html.text)
    assert utf16_len(parsed) <= 4096 and parsed.startswith("Заголовок")
    assert utf16_len(plain.text) <= 4096
    (doc,) = [c for c in calls if isinstance(c, SendDocument)]
    assert utf16_len(parse_html(doc.caption)[0]) <= 1024
    (answer,) = [c for c in calls if isinstance(c, AnswerCallbackQuery)]
    assert utf16_len(answer.text) <= 200
    warnings = [r for r in caplog.records if "over Telegram's limit" in r.getMessage()]
    assert len(warnings) == 4
    assert "😀" not in caplog.text and "Ж" not in caplog.text  # the text itself is not logged


async def test_a_staff_text_of_2048_emoji_is_measured_as_telegram_counts(app, chatter):
    """Telegram lets a user send 4,096 units (2,048 emoji); with the bot's own words around it
    the relayed message was longer than Telegram accepts. Staff texts are measured in UTF-16
    units now: 2,048 emoji are over the 3,000 allowed, refused with the limit named, nothing
    relayed; 1,400 emoji (2,800 units) are relayed whole, within Telegram's limit."""
    app_id, card = await sent_with_card(app, chatter)
    staff = staff_chatter(app)
    calls = await staff.send("😀" * 2048, reply_to_message=card)
    assert "Слишком длинный текст" in sent_texts(calls)[-1]
    await staff.send("😀" * 1400, reply_to_message=card)
    mark = len(app.bot.session.calls)
    await app.delivery.process_due()
    to_applicant = [c for c in app.bot.session.calls[mark:]
                    if isinstance(c, SendMessage) and c.chat_id == chatter.user.id]
    assert len(to_applicant) == 1
    plain, _ = parse_html(to_applicant[0].text)
    assert utf16_len(plain) <= 4096 and plain.count("😀") == 1400


async def test_an_applicants_answer_is_kept_when_it_cannot_be_stored(app, chatter):
    """The applicant answers a staff request for information while the database can't be
    written: they are told, the answer prompt stays (the text isn't dropped with a cleared
    state), and the same text sent again reaches the staff."""
    from bot.callbacks import AppReplyCb
    from handlers.applicant import Conversation

    app_id, card = await sent_with_card(app, chatter)
    staff = staff_chatter(app)
    await staff.press(card, StaffCb(action="info", app=app_id).pack())
    prompt = max((m for (c, _), m in chatter.session.messages.items() if c == STAFF_CHAT), key=lambda m: m.message_id)
    await staff.send("Пришлите, пожалуйста, выписку", reply_to_message=prompt)
    await app.delivery.process_due()
    await chatter.press(chatter.last_message(), AppReplyCb(app=app_id).pack())
    assert await state_of(app, chatter) == Conversation.answer.state

    # the answer's own write fails (the dialogue row could still be written: a lock timeout,
    # or a full disk that an in-place update of the state row doesn't notice)
    original = app.applications.applicant_message

    async def fails(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        raise sqlite3.OperationalError("database or disk is full")

    app.applications.applicant_message = fails
    try:
        calls = await chatter.send("Выписку отправим завтра")
    finally:
        app.applications.applicant_message = original
    assert SAVE_FAILED in sent_texts(calls)
    assert await state_of(app, chatter) == Conversation.answer.state
    calls = await chatter.send("Выписку отправим завтра")
    assert await state_of(app, chatter) is None
    stored = await app.db.fetchall(
        "SELECT text FROM application_messages WHERE application_id = ? AND direction = 'from_applicant'", (app_id,)
    )
    assert [row[0] for row in stored] == ["Выписку отправим завтра"]  # once, not twice
