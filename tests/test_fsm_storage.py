"""SQLiteStorage: the aiogram FSM kept in the bot's database, surviving restarts."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import itertools
import json
from pathlib import Path

import pytest
from aiogram import Bot, Dispatcher, F, Router
from aiogram.exceptions import DataNotDictLikeError
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.fsm.storage.base import BaseStorage, StorageKey
from aiogram.methods import SendMessage
from aiogram.types import Chat, Message, Update, User

from bot.local_session import LocalSession
from storage.db import Database
from storage.fsm import SQLiteStorage, UserLocks

KEY = StorageKey(bot_id=42, chat_id=501, user_id=501)


class Form(StatesGroup):
    name = State()
    city = State()


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "fsm.sqlite3"


@pytest.fixture
async def db(db_path: Path):
    database = Database(db_path)
    await database.open()
    yield database
    await database.close()


@pytest.fixture
def storage(db: Database) -> SQLiteStorage:
    return SQLiteStorage(db)


async def rows(db: Database) -> list[dict]:
    return [
        dict(r) for r in await db.fetchall("SELECT * FROM fsm_states ORDER BY chat_id, user_id")
    ]


# --- state ----------------------------------------------------------------------------------


async def test_state_object_is_stored_by_its_name(storage: SQLiteStorage):
    assert await storage.get_state(KEY) is None
    await storage.set_state(KEY, Form.name)
    assert await storage.get_state(KEY) == "Form:name" == Form.name.state


async def test_state_string_and_overwrite(storage: SQLiteStorage, db: Database):
    await storage.set_state(KEY, "custom:step1")
    assert await storage.get_state(KEY) == "custom:step1"
    await storage.set_state(KEY, Form.city)
    assert await storage.get_state(KEY) == "Form:city"
    assert len(await rows(db)) == 1  # overwritten in place, not a second row


async def test_state_of_wrong_type_is_rejected(storage: SQLiteStorage, db: Database):
    with pytest.raises(TypeError, match="int"):
        await storage.set_state(KEY, 5)  # type: ignore[arg-type]
    assert await rows(db) == []


# --- data -----------------------------------------------------------------------------------


async def test_set_get_and_update_data(storage: SQLiteStorage):
    assert await storage.get_data(KEY) == {}
    await storage.set_data(KEY, {"name": "Иван", "age": 30, "tags": ["a", "b"], "ok": True})
    assert await storage.get_data(KEY) == {
        "name": "Иван",
        "age": 30,
        "tags": ["a", "b"],
        "ok": True,
    }

    merged = await storage.update_data(KEY, {"age": 31, "city": None})
    expected = {"name": "Иван", "age": 31, "tags": ["a", "b"], "ok": True, "city": None}
    assert merged == expected
    assert await storage.get_data(KEY) == expected
    assert await storage.get_value(KEY, "age") == 31
    assert await storage.get_value(KEY, "missing", "dflt") == "dflt"

    await storage.set_data(KEY, {"only": 1})  # set_data replaces, it does not merge
    assert await storage.get_data(KEY) == {"only": 1}


async def test_update_data_creates_the_row(storage: SQLiteStorage, db: Database):
    assert await storage.update_data(KEY, {"x": 1}) == {"x": 1}
    assert [(r["state"], json.loads(r["data"])) for r in await rows(db)] == [(None, {"x": 1})]


async def test_returned_data_is_a_copy(storage: SQLiteStorage):
    await storage.set_data(KEY, {"items": [1, 2]})
    got = await storage.get_data(KEY)
    got["items"].append(3)
    got["new"] = True
    returned = await storage.update_data(KEY, {"more": 1})
    returned["items"].clear()
    assert await storage.get_data(KEY) == {"items": [1, 2], "more": 1}


async def test_state_and_data_are_independent(storage: SQLiteStorage):
    await storage.set_state(KEY, Form.name)
    await storage.set_data(KEY, {"a": 1})
    await storage.set_state(KEY, Form.city)
    assert await storage.get_data(KEY) == {"a": 1}
    await storage.set_data(KEY, {"b": 2})
    assert await storage.get_state(KEY) == "Form:city"


# --- keys -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "other",
    [
        dataclasses.replace(KEY, user_id=502),
        dataclasses.replace(KEY, chat_id=-100500),
        dataclasses.replace(KEY, bot_id=43),
        dataclasses.replace(KEY, thread_id=7),
        dataclasses.replace(KEY, business_connection_id="bc-1"),
        dataclasses.replace(KEY, destiny="admin"),
    ],
    ids=["user", "chat", "bot", "thread", "business_connection", "destiny"],
)
async def test_keys_are_isolated(storage: SQLiteStorage, db: Database, other: StorageKey):
    await storage.set_state(KEY, Form.name)
    await storage.set_data(KEY, {"who": "main"})
    assert await storage.get_state(other) is None
    assert await storage.get_data(other) == {}

    await storage.set_state(other, Form.city)
    await storage.update_data(other, {"who": "other"})
    assert await storage.get_state(KEY) == "Form:name"
    assert await storage.get_data(KEY) == {"who": "main"}
    assert await storage.get_state(other) == "Form:city"
    assert await storage.get_data(other) == {"who": "other"}
    assert len(await rows(db)) == 2

    await storage.set_state(other, None)
    await storage.set_data(other, {})
    assert await storage.get_state(KEY) == "Form:name"
    assert len(await rows(db)) == 1


async def test_optional_key_parts_are_stored_as_sentinels(storage: SQLiteStorage, db: Database):
    await storage.set_state(KEY, Form.name)
    await storage.set_state(
        StorageKey(
            bot_id=42,
            chat_id=-100,
            user_id=501,
            thread_id=9,
            business_connection_id="bc",
            destiny="x",
        ),
        Form.city,
    )
    got = {
        (r["chat_id"], r["thread_id"], r["business_connection_id"], r["destiny"], r["state"])
        for r in await rows(db)
    }
    assert got == {(501, 0, "", "default", "Form:name"), (-100, 9, "bc", "x", "Form:city")}
    assert all(r["updated_at"] for r in await rows(db))


# --- clearing -------------------------------------------------------------------------------


async def test_clearing_state_keeps_data_and_the_empty_row_is_deleted(
    storage: SQLiteStorage, db: Database
):
    await storage.set_state(KEY, Form.name)
    await storage.set_data(KEY, {"a": 1})

    await storage.set_state(KEY, None)
    assert await storage.get_state(KEY) is None
    assert await storage.get_data(KEY) == {"a": 1}
    assert len(await rows(db)) == 1

    await storage.set_data(KEY, {})
    assert await storage.get_data(KEY) == {}
    assert await rows(db) == []


async def test_clearing_data_keeps_state(storage: SQLiteStorage, db: Database):
    await storage.set_state(KEY, Form.name)
    await storage.set_data(KEY, {"a": 1})
    await storage.set_data(KEY, {})
    assert await storage.get_state(KEY) == "Form:name"
    assert [(r["state"], r["data"]) for r in await rows(db)] == [("Form:name", "{}")]
    await storage.set_state(KEY, None)
    assert await rows(db) == []


async def test_fsm_context_clear_removes_the_row(storage: SQLiteStorage, db: Database):
    ctx = FSMContext(storage, KEY)
    await ctx.set_state(Form.city)
    await ctx.update_data(name="Иван")
    assert len(await rows(db)) == 1
    await ctx.clear()
    assert await ctx.get_state() is None
    assert await ctx.get_data() == {}
    assert await rows(db) == []


async def test_clearing_an_unknown_key_is_a_no_op(storage: SQLiteStorage, db: Database):
    await storage.set_state(KEY, None)
    await storage.set_data(KEY, {})
    assert await storage.update_data(KEY, {}) == {}
    assert await rows(db) == []


# --- persistence ----------------------------------------------------------------------------


async def test_state_and_data_survive_reopening_the_database(db_path: Path):
    first = Database(db_path)
    await first.open()
    await SQLiteStorage(first).set_state(KEY, Form.city)
    await SQLiteStorage(first).update_data(KEY, {"name": "Иван", "n": 1})
    await first.close()

    second = Database(db_path)
    await second.open()
    try:
        storage = SQLiteStorage(second)
        assert await storage.get_state(KEY) == "Form:city"
        assert await storage.get_data(KEY) == {"name": "Иван", "n": 1}
    finally:
        await second.close()


async def test_close_leaves_the_shared_database_open(storage: SQLiteStorage, db: Database):
    await storage.set_state(KEY, Form.name)
    await storage.close()
    assert (await db.fetchone("SELECT count(*) FROM fsm_states"))[0] == 1
    assert await storage.get_state(KEY) == "Form:name"  # still usable


# --- atomicity ------------------------------------------------------------------------------


async def test_concurrent_update_data_loses_nothing(storage: SQLiteStorage):
    await storage.set_data(KEY, {"start": True})
    results = await asyncio.gather(*(storage.update_data(KEY, {f"k{i}": i}) for i in range(50)))
    expected = {"start": True} | {f"k{i}": i for i in range(50)}
    assert await storage.get_data(KEY) == expected
    # each update saw every update that committed before it: the results grow one key at a time
    assert sorted(len(r) for r in results) == list(range(2, 52))


async def test_the_naive_read_then_write_update_would_lose_writes(storage: SQLiteStorage):
    """Control for the test above: BaseStorage's default update_data is not atomic."""
    await asyncio.gather(*(BaseStorage.update_data(storage, KEY, {f"k{i}": i}) for i in range(50)))
    assert len(await storage.get_data(KEY)) < 50


# --- JSON -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"when": dt.date(2024, 1, 1)}, r"\['when'\].*date"),
        ({"ok": 1, "obj": object()}, r"\['obj'\].*object"),
        ({"draft": {"items": [1, {2, 3}]}}, r"\['draft'\]\['items'\]\[1\].*set"),
        ({"ratio": float("nan")}, r"\['ratio'\].*nan"),
        ({"by_id": {1: "a"}}, r"key 1 in data\['by_id'\].*int"),
        ({"raw": b"bytes"}, r"\['raw'\].*bytes"),
    ],
    ids=["date", "object", "nested-set", "nan", "int-key", "bytes"],
)
async def test_unstorable_data_is_rejected_naming_the_key(
    storage: SQLiteStorage, db: Database, data: dict, message: str
):
    await storage.set_data(KEY, {"kept": "yes"})
    with pytest.raises(TypeError, match=message):
        await storage.set_data(KEY, data)
    with pytest.raises(TypeError, match=message):
        await storage.update_data(KEY, data)
    assert await storage.get_data(KEY) == {"kept": "yes"}


async def test_circular_data_is_rejected(storage: SQLiteStorage, db: Database):
    loop: list = []
    loop.append(loop)
    with pytest.raises(TypeError, match=r"\['loop'\].*circular"):
        await storage.set_data(KEY, {"loop": loop})
    assert await rows(db) == []


async def test_non_mapping_data_is_rejected(storage: SQLiteStorage, db: Database):
    with pytest.raises(DataNotDictLikeError):
        await storage.set_data(KEY, [("a", 1)])  # type: ignore[arg-type]
    with pytest.raises(DataNotDictLikeError):
        await storage.update_data(KEY, "a=1")  # type: ignore[arg-type]
    assert await rows(db) == []


async def test_cyrillic_and_markup_round_trip_exactly(storage: SQLiteStorage, db: Database):
    tricky = (
        'Привет, <b>мир</b> & <a href="https://x.ru/?a=1&b=2">ссылка</a> '
        "*жирный* _курсив_ `код` [текст](url) \\ \"кавычки\" 'апостроф' «ёлочки» — "
        "\n\t\r 🚀 \u200b \x00 ещё"
    )
    await storage.set_state(KEY, "Анкета:шаг_1")
    await storage.set_data(
        KEY, {"текст": tricky, "list": [tricky, "ё"], "вложено": {"<i>": "</i>"}}
    )
    assert await storage.get_state(KEY) == "Анкета:шаг_1"
    assert await storage.get_data(KEY) == {
        "текст": tricky,
        "list": [tricky, "ё"],
        "вложено": {"<i>": "</i>"},
    }
    raw = (await rows(db))[0]["data"]
    assert "Привет" in raw and "\\u041f" not in raw  # stored readable (ensure_ascii=False)


# --- through a Dispatcher -------------------------------------------------------------------


def form_router() -> Router:
    router = Router()

    @router.message(Command("start"))
    async def start(message: Message, state: FSMContext) -> None:
        await state.set_state(Form.name)
        await message.answer("Как вас зовут?")

    @router.message(Form.name, F.text)
    async def got_name(message: Message, state: FSMContext) -> None:
        await state.update_data(name=message.text)
        await state.set_state(Form.city)
        await message.answer("Из какого вы города?")

    @router.message(Form.city, F.text)
    async def got_city(message: Message, state: FSMContext) -> None:
        data = await state.get_data()
        await state.clear()
        await message.answer(f"{data['name']} из города {message.text}")

    @router.message()
    async def no_dialogue(message: Message) -> None:
        await message.answer("Наберите /start")

    return router


class Client:
    """A bot process: a Dispatcher on SQLiteStorage, fed updates from one user."""

    _ids = itertools.count(1)

    def __init__(self, db: Database) -> None:
        self.session = LocalSession()
        self.bot = Bot(token="42:TEST", session=self.session)
        self.dp = Dispatcher(storage=SQLiteStorage(db))
        self.dp.include_router(form_router())
        self.user = User(id=501, is_bot=False, first_name="Иван", language_code="ru")
        self.chat = Chat(id=501, type="private")

    async def send(self, text: str) -> list[str]:
        mark = len(self.session.calls)
        message = Message(
            message_id=next(self._ids),
            date=dt.datetime.now(dt.UTC),
            chat=self.chat,
            from_user=self.user,
            text=text,
        )
        await self.dp.feed_update(self.bot, Update(update_id=next(self._ids), message=message))
        return [c.text for c in self.session.calls[mark:] if isinstance(c, SendMessage)]


async def test_dialogue_continues_after_a_restart(db_path: Path):
    first_db = Database(db_path)
    await first_db.open()
    first = Client(first_db)
    assert await first.send("/start") == ["Как вас зовут?"]
    assert await first.send("Иван <Петров> & сын") == ["Из какого вы города?"]
    key = StorageKey(bot_id=first.bot.id, chat_id=501, user_id=501)
    assert await first.dp.storage.get_state(key) == "Form:city"
    await first.dp.storage.close()
    await first_db.close()

    # restart: a new database connection, a new Dispatcher, a new Bot
    second_db = Database(db_path)
    await second_db.open()
    try:
        second = Client(second_db)
        assert await second.send("Казань") == ["Иван <Петров> & сын из города Казань"]
        assert await second.dp.storage.get_state(key) is None
        assert await rows(second_db) == []
        assert await second.send("Казань") == ["Наберите /start"]  # the dialogue is over
    finally:
        await second_db.close()


async def test_without_the_stored_state_the_dialogue_would_not_continue(db: Database):
    """Control for the test above: a fresh database has no dialogue to continue."""
    client = Client(db)
    assert await client.send("Казань") == ["Наберите /start"]


# --- another writer on the same file (issue 8, defect 2) -----------------------------------


async def test_a_second_process_never_applies_input_to_a_stale_step(db_path: Path):
    """Two bots on one file (two connections): B's earlier read of the step must not take input
    meant for the step A has moved the dialogue to (stored applications had the ИНН as the
    organization name)."""
    db_a, db_b = Database(db_path), Database(db_path)
    await db_a.open()
    await db_b.open()
    try:
        a, b = Client(db_a), Client(db_b)
        assert await b.send("/start") == ["Как вас зовут?"]  # B has read (and cached) Form:name
        assert await a.send("Иван") == ["Из какого вы города?"]  # A moved it to Form:city
        assert await b.send("Казань") == ["Иван из города Казань"]  # not "Казань" as the name
        key = StorageKey(bot_id=a.bot.id, chat_id=501, user_id=501)
        assert await a.dp.storage.get_state(key) is None
        assert await b.dp.storage.get_state(key) is None
        assert await rows(db_a) == []
    finally:
        await db_a.close()
        await db_b.close()


async def test_states_are_cached_only_while_this_process_holds_the_lock(db_path: Path):
    db_a, db_b = Database(db_path), Database(db_path)
    await db_a.open()
    await db_b.open()
    try:
        mine, other = SQLiteStorage(db_a), SQLiteStorage(db_b)
        await mine.set_state(KEY, Form.name)
        await other.set_state(KEY, Form.city)  # another writer: seen at once without the lock
        assert await mine.get_state(KEY) == Form.city.state

        db_a.exclusive = True  # the single-instance lock: the cache is used from now on
        assert await mine.get_state(KEY) == Form.city.state
        await db_a.write(f"UPDATE fsm_states SET state = 'X' WHERE user_id = {KEY.user_id}")
        assert await mine.get_state(KEY) == Form.city.state  # served from memory (the point)
        await mine.set_state(KEY, Form.name)  # write-through
        assert await mine.get_state(KEY) == Form.name.state

        db_a.exclusive = False  # the lock is gone: what was cached is dropped, not trusted
        await other.set_state(KEY, Form.city)
        assert await mine.get_state(KEY) == Form.city.state
        db_a.exclusive = True  # taken again: nothing cached before is used
        await other.set_state(KEY, None)
        assert await mine.get_state(KEY) is None
        assert not mine._states or list(mine._states.values()) == [None]
    finally:
        await db_a.close()
        await db_b.close()


async def test_under_the_lock_a_new_users_state_needs_no_read(db_path: Path):
    """With the lock, every stored state is read once; then a key with no row is known to have
    no state (a new user's first update costs no database read), and keys stay right after
    writes, clears and a deletion of a user's rows."""
    db = Database(db_path)
    await db.open()
    try:
        earlier = SQLiteStorage(db)
        await earlier.set_state(KEY, Form.name)  # stored before this process took the lock
        storage = SQLiteStorage(db)
        db.exclusive = True
        reads = 0
        fetchone = db.fetchone

        async def counting(sql: str, params: tuple | dict = ()):  # noqa: ANN202
            nonlocal reads
            reads += 1
            return await fetchone(sql, params)

        db.fetchone = counting  # type: ignore[method-assign]
        assert await storage.get_state(KEY) == Form.name.state  # the stored state, read with the rest
        before = reads
        newcomer = StorageKey(bot_id=KEY.bot_id, chat_id=777, user_id=777)
        assert await storage.get_state(newcomer) is None
        assert reads == before  # known without a read
        await storage.set_state(newcomer, Form.city)
        assert await storage.get_state(newcomer) == Form.city.state
        await storage.set_state(newcomer, None)
        assert await storage.get_state(newcomer) is None
        assert newcomer.user_id not in {p[2] for p in storage._states}  # absent means none
        storage.forget_user(KEY.user_id)  # its rows deleted elsewhere (consent withdrawn)
        assert await storage.get_state(KEY) is None
        assert reads == before
    finally:
        await db.close()


async def test_a_full_state_cache_falls_back_to_reading(db_path: Path):
    db = Database(db_path)
    await db.open()
    try:
        storage = SQLiteStorage(db)
        storage.STATE_CACHE_SIZE = 2  # type: ignore[misc]
        db.exclusive = True
        keys = [StorageKey(bot_id=KEY.bot_id, chat_id=900 + i, user_id=900 + i) for i in range(4)]
        for key in keys:
            await storage.set_state(key, Form.name)
        # the oldest states were let go from memory: they are read again, not taken as none
        assert [await storage.get_state(key) for key in keys] == [Form.name.state] * 4
    finally:
        await db.close()


# ---- issue 9: one event of a user at a time, without a lock kept per user ever seen ------------

async def test_events_of_one_user_wait_for_each_other_and_others_do_not():
    locks = UserLocks()
    other = StorageKey(bot_id=KEY.bot_id, chat_id=502, user_id=502)
    order: list[str] = []
    release = asyncio.Event()

    async def first() -> None:
        async with locks.lock(key=KEY):
            order.append("first in")
            await release.wait()
            order.append("first out")

    async def second(key: StorageKey, name: str) -> None:
        async with locks.lock(key=key):
            order.append(name)

    held = asyncio.create_task(first())
    await asyncio.sleep(0)
    same = asyncio.create_task(second(KEY, "same user"))
    await second(other, "other user")  # not held up by the first user's event
    await asyncio.sleep(0)
    assert order == ["first in", "other user"] and not same.done()
    release.set()
    await asyncio.gather(held, same)
    assert order == ["first in", "other user", "first out", "same user"]
    assert locks.held == 0  # nobody holds or waits: nothing is kept


async def test_a_cancelled_wait_leaves_the_lock_to_the_others():
    locks = UserLocks()
    release = asyncio.Event()
    entered: list[str] = []

    async def take(name: str, wait: bool = False) -> None:
        async with locks.lock(key=KEY):
            entered.append(name)
            if wait:
                await release.wait()

    holder = asyncio.create_task(take("holder", wait=True))
    await asyncio.sleep(0)
    cancelled = asyncio.create_task(take("cancelled"))
    waiting = asyncio.create_task(take("waiting"))
    await asyncio.sleep(0)
    cancelled.cancel()
    await asyncio.sleep(0)
    release.set()
    await asyncio.gather(holder, waiting)
    assert cancelled.cancelled() and entered == ["holder", "waiting"]
    assert locks.held == 0


async def test_the_dispatcher_keeps_no_lock_for_users_it_is_done_with(app):
    from tests.conftest import Chatter

    for user_id in range(7001, 7031):
        await Chatter(app, app.bot.session, user_id=user_id).send("какие кластеры есть")
    assert isinstance(app.dp.fsm.events_isolation, UserLocks)
    assert app.dp.fsm.events_isolation.held == 0  # (aiogram's SimpleEventIsolation: one per user, for ever)
