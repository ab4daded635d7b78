"""Self-test of tests/fake_telegram.py, using aiogram itself as the client."""

from __future__ import annotations

import asyncio
import time

import aiohttp
import pytest
import pytest_asyncio
from aiogram import Bot, Dispatcher, F
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramRetryAfter,
)
from aiogram.types import (
    BotCommand,
    BotCommandScopeAllPrivateChats,
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
)

from tests.fake_telegram import MESSAGE_NOT_MODIFIED, FakeTelegram

USER = 1001


def kb(*buttons: tuple[str, str]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text=t, callback_data=d)] for t, d in buttons]
    )


@pytest_asyncio.fixture
async def fake():
    server = FakeTelegram()
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


@pytest_asyncio.fixture
async def bot(fake: FakeTelegram):
    session = AiohttpSession(api=TelegramAPIServer.from_base(fake.url))
    b = Bot(fake.token, session=session, default=DefaultBotProperties(parse_mode="HTML"))
    try:
        yield b
    finally:
        # AiohttpSession.close() sleeps 250 ms for SSL shutdown; plain HTTP doesn't need it.
        inner = getattr(session, "_session", None)
        if inner is not None and not inner.closed:
            await inner.close()


@pytest.mark.asyncio
async def test_get_me(fake: FakeTelegram, bot: Bot) -> None:
    me = await bot.get_me()
    assert me.id == fake.bot_id
    assert me.is_bot is True
    assert me.username == "cluster_test_bot"
    assert fake.calls[-1].method == "getMe" and fake.calls[-1].ok


@pytest.mark.asyncio
async def test_send_message_valid_html_and_echoed_message(fake: FakeTelegram, bot: Bot) -> None:
    html = '<b>Hi</b> &lt;you&gt; &amp; <a href="https://example.com/?a=1&amp;b=2">link</a> AT&T'
    msg = await bot.send_message(USER, html, reply_markup=kb(("Yes", "yes"), ("No", "no")))
    assert msg.chat.id == USER and msg.chat.type == "private"
    assert msg.from_user is not None and msg.from_user.id == fake.bot_id and msg.from_user.is_bot
    assert msg.text == "Hi <you> & link AT&T"
    assert (
        msg.reply_markup is not None
        and msg.reply_markup.inline_keyboard[1][0].callback_data == "no"
    )

    second = await bot.send_message(USER, "plain second", parse_mode=None)
    assert second.message_id == msg.message_id + 1

    sent = fake.sent_to(USER)
    assert [m.message_id for m in sent] == [msg.message_id, second.message_id]
    assert sent[0].text == "Hi <you> & link AT&T"
    assert sent[0].html == html
    assert sent[0].parse_mode == "HTML"
    assert sent[0].button_texts == ["Yes", "No"]
    assert {"type": "bold", "offset": 0, "length": 2} in sent[0].entities
    call = fake.calls_of("sendMessage")[0]
    assert call.params["chat_id"] == USER  # numbers decoded from the multipart form
    assert call.params["reply_markup"]["inline_keyboard"][0][0]["text"] == "Yes"  # JSON decoded


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("<foo>bar</foo>", 'Unsupported start tag "foo" at byte offset 0'),
        ("1 < 2", 'Unsupported start tag "" at byte offset 2'),
        ("<b>unclosed", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b><i>x</b></i>", "Unmatched end tag"),
        ("a&nbsp;b", 'Unsupported HTML entity "&nbsp;"'),
        ("<span>x</span>", 'Tag "span" must have class "tg-spoiler"'),
    ],
)
async def test_send_message_invalid_html_fails(
    fake: FakeTelegram, bot: Bot, text: str, fragment: str
) -> None:
    with pytest.raises(TelegramBadRequest) as exc:
        await bot.send_message(USER, text)
    assert "Bad Request: can't parse entities: " in exc.value.message
    assert fragment in exc.value.message
    assert fake.sent_to(USER) == []
    assert fake.calls[-1].status == 400
    # Without parse_mode the same text is fine.
    ok = await bot.send_message(USER, text, parse_mode=None)
    assert ok.text == text


@pytest.mark.asyncio
async def test_length_and_button_validation(fake: FakeTelegram, bot: Bot) -> None:
    await bot.send_message(USER, "x" * 4096)
    with pytest.raises(TelegramBadRequest, match="message is too long"):
        await bot.send_message(USER, "x" * 4097)
    # 4096 characters *after* entity parsing: tags don't count.
    await bot.send_message(USER, "<b>" + "x" * 4096 + "</b>")
    with pytest.raises(TelegramBadRequest, match="message text is empty"):
        await bot.send_message(USER, "<b> </b>")
    with pytest.raises(TelegramBadRequest, match="BUTTON_DATA_INVALID"):
        await bot.send_message(USER, "kb", reply_markup=kb(("Long", "d" * 65)))
    with pytest.raises(TelegramBadRequest, match="message caption is too long"):
        await bot.send_document(USER, BufferedInputFile(b"x", filename="x.txt"), caption="c" * 1025)
    with pytest.raises(TelegramBadRequest, match="Text buttons are unallowed"):
        await bot.send_message(
            USER,
            "kb",
            reply_markup=InlineKeyboardMarkup(
                inline_keyboard=[[InlineKeyboardButton(text="nothing")]]
            ),
        )
    assert len(fake.sent_to(USER)) == 2


@pytest.mark.asyncio
async def test_edit_message(fake: FakeTelegram, bot: Bot) -> None:
    msg = await bot.send_message(USER, "<b>Menu</b>", reply_markup=kb(("A", "a")))
    sent = fake.messages[(USER, msg.message_id)]
    mark = sent.seq

    with pytest.raises(TelegramBadRequest) as exc:
        await bot.edit_message_text(
            text="<b>Menu</b>", chat_id=USER, message_id=msg.message_id, reply_markup=kb(("A", "a"))
        )
    assert exc.value.message == MESSAGE_NOT_MODIFIED
    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await bot.edit_message_reply_markup(
            chat_id=USER, message_id=msg.message_id, reply_markup=kb(("A", "a"))
        )

    edited = await bot.edit_message_text(
        text="<i>Menu 2</i>", chat_id=USER, message_id=msg.message_id, reply_markup=kb(("B", "b"))
    )
    assert isinstance(edited, Message) and edited.text == "Menu 2" and edited.edit_date
    assert sent.text == "Menu 2" and sent.html == "<i>Menu 2</i>" and sent.edited == 1
    assert sent.history == ["Menu"]
    assert sent.button_texts == ["B"]
    got = await fake.wait_message(USER, contains="Menu 2", after=mark, timeout=1)
    assert got is sent and got.seq > mark

    # Editing the text without reply_markup removes the keyboard (like Telegram).
    await bot.edit_message_text(text="<i>Menu 2</i>", chat_id=USER, message_id=msg.message_id)
    assert sent.reply_markup is None

    with pytest.raises(TelegramBadRequest, match="message to edit not found"):
        await bot.edit_message_text(text="x", chat_id=USER, message_id=999)
    assert await bot.delete_message(USER, msg.message_id) is True
    assert sent.deleted and fake.sent_to(USER) == []
    with pytest.raises(TelegramBadRequest, match="message to delete not found"):
        await bot.delete_message(USER, msg.message_id)


@pytest.mark.asyncio
async def test_get_updates_long_poll_and_offset(fake: FakeTelegram, bot: Bot) -> None:
    poll = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.1)
    assert not poll.done()  # long polling is waiting
    t0 = time.monotonic()
    update_id = fake.send_text(USER, "hello bot", first_name="Ann", username="ann")
    updates = await asyncio.wait_for(poll, 2)
    assert time.monotonic() - t0 < 1.0  # returned early, not after the 5 s timeout
    assert [u.update_id for u in updates] == [update_id]
    m = updates[0].message
    assert m is not None and m.text == "hello bot"
    assert m.from_user.id == USER and m.from_user.first_name == "Ann" and m.chat.id == USER
    assert m.from_user.language_code == "ru"

    # Not confirmed yet: delivered again.
    again = await bot.get_updates(timeout=0)
    assert [u.update_id for u in again] == [update_id]
    # offset confirms it.
    assert await bot.get_updates(offset=update_id + 1, timeout=0) == []
    assert fake.pending_updates == []
    assert fake.confirmed_update_id == update_id

    second = fake.send_text(USER, "/start payload")
    batch = await bot.get_updates(offset=update_id + 1, timeout=1)
    assert [u.update_id for u in batch] == [second]
    assert batch[0].message.entities[0].type == "bot_command"


@pytest.mark.asyncio
async def test_get_updates_timeout_returns_empty_raw_json(fake: FakeTelegram) -> None:
    async with aiohttp.ClientSession() as http:
        t0 = time.monotonic()
        async with http.post(f"{fake.api_base}/getUpdates", json={"timeout": 0.3}) as resp:
            body = await resp.json()
        elapsed = time.monotonic() - t0
        assert body == {"ok": True, "result": []}
        assert 0.25 <= elapsed < 2
        async with http.post(f"{fake.api_base}/noSuchMethod") as resp:
            assert resp.status == 404
            assert await resp.json() == {"ok": False, "error_code": 404, "description": "Not Found"}
        async with http.post(f"{fake.url}/bot999:WRONG/getMe") as resp:
            assert resp.status == 401
            body = await resp.json()
            assert body["ok"] is False and body["error_code"] == 401


@pytest.mark.asyncio
async def test_press_button_callback_query(fake: FakeTelegram, bot: Bot) -> None:
    msg = await bot.send_message(
        USER, "Choose:", reply_markup=kb(("✅ Confirm", "ok:1"), ("Cancel", "cancel"))
    )
    sent = fake.messages[(USER, msg.message_id)]

    with pytest.raises(AssertionError) as exc:
        fake.press_button(USER, sent, "Delete")
    assert "✅ Confirm" in str(exc.value) and "Cancel" in str(exc.value)

    cq_id = fake.press_button(USER, sent, "Confirm")
    updates = await bot.get_updates(timeout=1)
    assert len(updates) == 1
    cq = updates[0].callback_query
    assert cq is not None and cq.id == cq_id and cq.data == "ok:1"
    assert cq.from_user.id == USER
    assert cq.message.message_id == msg.message_id and cq.message.chat.id == USER
    assert cq.message.text == "Choose:"
    assert cq.message.reply_markup.inline_keyboard[0][0].text == "✅ Confirm"

    assert await bot.answer_callback_query(cq_id, text="Done") is True
    assert (await fake.wait_callback_answer(cq_id, timeout=1))["text"] == "Done"
    with pytest.raises(TelegramBadRequest, match="query is too old"):
        await bot.answer_callback_query(cq_id)

    # press_button uses the CURRENT keyboard.
    await bot.edit_message_reply_markup(
        chat_id=USER, message_id=msg.message_id, reply_markup=kb(("Undo", "undo"))
    )
    fake.press_button(USER, msg.message_id, "Undo")
    updates = await bot.get_updates(offset=updates[0].update_id + 1, timeout=1)
    assert [u.callback_query.data for u in updates] == ["undo"]


@pytest.mark.asyncio
async def test_fail_next_retry_after(fake: FakeTelegram, bot: Bot) -> None:
    fake.fail_next("sendMessage", 429, "Too Many Requests: retry after 7", retry_after=7)
    with pytest.raises(TelegramRetryAfter) as exc:
        await bot.send_message(USER, "first")
    assert exc.value.retry_after == 7
    assert fake.calls[-1].response["parameters"] == {"retry_after": 7}
    ok = await bot.send_message(USER, "second")  # only the next call failed
    assert ok.text == "second"
    assert [m.text for m in fake.sent_to(USER)] == ["second"]

    fake.fail_next("getMe", 500, "Internal Server Error", count=2)
    for _ in range(2):
        with pytest.raises(Exception, match="Internal Server Error"):
            await bot.get_me()
    assert (await bot.get_me()).id == fake.bot_id


@pytest.mark.asyncio
async def test_delay_next_holds_the_answer_not_the_record(fake: FakeTelegram, bot: Bot) -> None:
    fake.delay_next("sendMessage", 0.3)
    sending = asyncio.create_task(bot.send_message(USER, "slow"))
    await fake.wait_for(lambda f: f.calls_of("sendMessage"), timeout=5)
    assert fake.calls_of("sendMessage")[0].status is None and not fake.sent_to(USER)  # held
    assert (await sending).text == "slow"
    assert (await bot.send_message(USER, "next")).text == "next"
    assert [m.text for m in fake.sent_to(USER)] == ["slow", "next"]


@pytest.mark.asyncio
async def test_fail_chat_forbidden(fake: FakeTelegram, bot: Bot) -> None:
    fake.fail_chat(USER, 403, "Forbidden: bot was blocked by the user")
    with pytest.raises(TelegramForbiddenError, match="bot was blocked by the user"):
        await bot.send_message(USER, "hi")
    with pytest.raises(TelegramForbiddenError):
        await bot.send_chat_action(USER, "typing")
    other = await bot.send_message(USER + 1, "other chat works")
    assert other.chat.id == USER + 1
    fake.clear_failures()
    assert (await bot.send_message(USER, "unblocked")).text == "unblocked"
    assert [m.text for m in fake.sent_to(USER)] == ["unblocked"]


@pytest.mark.asyncio
async def test_send_document_records_file(fake: FakeTelegram, bot: Bot) -> None:
    data = b"id,name\n1,\xd0\x90\xd0\xbd\xd1\x8f\n"
    msg = await bot.send_document(
        USER, BufferedInputFile(data, filename="report.csv"), caption="<b>Report</b> for you"
    )
    assert msg.document is not None and msg.document.file_name == "report.csv"
    assert msg.document.file_size == len(data)
    assert msg.caption == "Report for you"
    sent = fake.messages[(USER, msg.message_id)]
    assert sent.kind == "document" and sent.document is not None
    assert sent.document.filename == "report.csv" and sent.document.data == data
    assert sent.text == "Report for you"

    # Re-send by file_id, and download through the file endpoint.
    again = await bot.send_document(USER + 5, msg.document.file_id)
    assert fake.messages[(USER + 5, again.message_id)].file.data == data
    file = await bot.get_file(msg.document.file_id)
    downloaded = await bot.download_file(file.file_path)
    assert downloaded.read() == data

    photo = await bot.send_photo(USER, BufferedInputFile(b"PNGDATA", filename="p.png"))
    assert photo.photo and fake.messages[(USER, photo.message_id)].photo.data == b"PNGDATA"


@pytest.mark.asyncio
async def test_global_rate_limit(fake: FakeTelegram, bot: Bot) -> None:
    fake.global_rate_limit = 3
    results = []
    for i in range(5):
        try:
            await bot.send_message(USER + i, f"msg {i}")
            results.append("ok")
        except TelegramRetryAfter as e:
            assert e.retry_after >= 1
            results.append("429")
    assert results == ["ok", "ok", "ok", "429", "429"]
    assert fake.rate_limited_count == 2
    assert len(fake.messages) == 3
    # Non-sending methods are not limited.
    assert (await bot.get_me()).id == fake.bot_id


@pytest.mark.asyncio
async def test_commands_chat_and_members(fake: FakeTelegram, bot: Bot) -> None:
    commands = [
        BotCommand(command="start", description="Start"),
        BotCommand(command="help", description="Help"),
    ]
    assert await bot.set_my_commands(
        commands, scope=BotCommandScopeAllPrivateChats(), language_code="ru"
    )
    assert [c["command"] for c in fake.get_commands("all_private_chats", "ru")] == ["start", "help"]
    got = await bot.get_my_commands(scope=BotCommandScopeAllPrivateChats(), language_code="ru")
    assert [c.command for c in got] == ["start", "help"]
    assert await bot.get_my_commands() == []
    with pytest.raises(TelegramBadRequest, match="BOT_COMMAND_INVALID"):
        await bot.set_my_commands([BotCommand(command="Bad-Cmd", description="x")])
    assert await bot.delete_my_commands(scope=BotCommandScopeAllPrivateChats(), language_code="ru")
    assert fake.get_commands("all_private_chats", "ru") is None

    with pytest.raises(TelegramBadRequest, match="chat not found"):
        await bot.get_chat(777)
    fake.send_text(777, "hi", username="u777")
    chat = await bot.get_chat(777)
    assert chat.id == 777 and chat.type == "private" and chat.username == "u777"
    member = await bot.get_chat_member(777, 777)
    assert member.status == "member" and member.user.id == 777
    fake.add_chat(-100500, title="Team")
    fake.set_member_status(-100500, 777, "administrator")
    assert (await bot.get_chat_member(-100500, 777)).status == "administrator"
    assert (await bot.get_chat(-100500)).type == "supergroup"


@pytest.mark.asyncio
async def test_copy_forward_and_wait_helpers(fake: FakeTelegram, bot: Bot) -> None:
    fake.send_text(USER, "user says hi")
    user_mid = fake.pending_updates[0]["message"]["message_id"]
    copied = await bot.copy_message(chat_id=-100900, from_chat_id=USER, message_id=user_mid)
    assert fake.messages[(-100900, copied.message_id)].text == "user says hi"
    fwd = await bot.forward_message(chat_id=-100900, from_chat_id=USER, message_id=user_mid)
    assert fwd.forward_origin is not None and fwd.text == "user says hi"
    with pytest.raises(TelegramBadRequest, match="message to copy not found"):
        await bot.copy_message(chat_id=-100900, from_chat_id=USER, message_id=4242)

    mark = fake.seq

    async def later() -> None:
        await asyncio.sleep(0.05)
        await bot.send_message(USER, "late reply")

    task = asyncio.create_task(later())
    got = await fake.wait_message(USER, contains="late", after=mark, timeout=2)
    await task
    assert got.text == "late reply" and got.first_seq > mark
    call = await fake.wait_call("sendMessage", after=mark, timeout=1)
    assert call.params["text"] == "late reply"

    with pytest.raises(AssertionError) as exc:
        await fake.wait_message(USER, contains="never sent", after=mark, timeout=0.1)
    text = str(exc.value)
    assert "never sent" in text and "sendMessage" in text and "late reply" in text


@pytest.mark.asyncio
async def test_with_aiogram_dispatcher_polling(fake: FakeTelegram, bot: Bot) -> None:
    """The fake drives a real aiogram Dispatcher: message -> reply with button -> callback -> edit."""
    dp = Dispatcher()

    @dp.message(F.text == "/start")
    async def start(message: Message) -> None:
        await message.answer("Welcome, <b>friend</b>!", reply_markup=kb(("Go", "go")))

    @dp.callback_query(F.data == "go")
    async def go(cb: CallbackQuery) -> None:
        await cb.answer("going")
        await cb.message.edit_text("Gone &amp; done")

    polling = asyncio.create_task(
        dp.start_polling(bot, handle_signals=False, close_bot_session=False, polling_timeout=1)
    )
    try:
        mark = fake.send_text(USER, "/start")
        welcome = await fake.wait_message(USER, contains="Welcome, friend!", after=mark, timeout=3)
        assert welcome.button_texts == ["Go"]
        cq_id = fake.press_button(USER, welcome, "Go")
        edited = await fake.wait_message(USER, contains="Gone & done", after=welcome.seq, timeout=3)
        assert edited is welcome and edited.reply_markup is None
        assert (await fake.wait_callback_answer(cq_id, timeout=3))["text"] == "going"
    finally:
        await dp.stop_polling()
        await asyncio.wait_for(polling, 3)
