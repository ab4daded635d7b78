"""aiogram FSM storage in the bot's SQLite database, so a restart mid-dialogue loses nothing.

One row of `fsm_states` (migration 0002) per aiogram `StorageKey`; the key's optional parts are
stored with sentinels (thread_id 0, business_connection_id ''). The data is a JSON object; a row
with no state and empty data is deleted. Every write goes through `Database.transaction()`.
"""

from __future__ import annotations

import asyncio
import json
import math
from collections import OrderedDict
from collections.abc import Mapping
from types import TracebackType
from typing import Any

import aiosqlite
from aiogram.exceptions import DataNotDictLikeError
from aiogram.fsm.state import State
from aiogram.fsm.storage.base import BaseEventIsolation, BaseStorage, StateType, StorageKey

from storage.db import Database

_NOW = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')"
_KEY_COLUMNS = "bot_id, chat_id, user_id, thread_id, business_connection_id, destiny"
_WHERE = (
    "bot_id = ? AND chat_id = ? AND user_id = ? AND thread_id = ?"
    " AND business_connection_id = ? AND destiny = ?"
)
_EMPTY = "{}"

KeyParams = tuple[int, int, int, int, str, str]


def _key_params(key: StorageKey) -> KeyParams:
    return (
        key.bot_id,
        key.chat_id,
        key.user_id,
        key.thread_id or 0,
        key.business_connection_id or "",
        key.destiny,
    )


def _state_name(state: StateType) -> str | None:
    value = state.state if isinstance(state, State) else state
    if value is not None and not isinstance(value, str):
        raise TypeError(f"FSM state must be a str, a State or None, got {type(value).__name__}")
    return value


def _check_json(value: Any, path: str, active: set[int]) -> None:
    """Raise TypeError naming `path` if `value` would not survive a JSON round trip."""
    if value is None or isinstance(value, str | bool | int):
        return
    if isinstance(value, float):
        if not math.isfinite(value):
            raise TypeError(f"FSM data value {path} is {value!r}, which JSON cannot represent")
        return
    if isinstance(value, dict | list | tuple):
        if id(value) in active:
            raise TypeError(f"FSM data value {path} contains itself (a circular reference)")
        active.add(id(value))
        if isinstance(value, dict):
            for k, v in value.items():
                if not isinstance(k, str):
                    raise TypeError(
                        f"FSM data key {k!r} in {path} is {type(k).__name__}: JSON object keys"
                        " must be str (others would come back as strings)"
                    )
                _check_json(v, f"{path}[{k!r}]", active)
        else:
            for i, v in enumerate(value):
                _check_json(v, f"{path}[{i}]", active)
        active.discard(id(value))
        return
    raise TypeError(
        f"FSM data value {path} is {type(value).__name__}, which is not JSON-serializable;"
        " store str, int, float, bool, None, lists and dicts with str keys"
    )


def dump_data(data: Mapping[str, Any]) -> str:
    """The JSON text stored for `data`; TypeError naming the key of any unstorable value."""
    if not isinstance(data, Mapping):
        raise DataNotDictLikeError(
            f"Data must be a dict or dict-like object, got {type(data).__name__}"
        )
    data = dict(data)
    _check_json(data, "data", set())
    return json.dumps(data, ensure_ascii=False, allow_nan=False, separators=(",", ":"))


async def _store_data(conn: aiosqlite.Connection, params: KeyParams, payload: str) -> None:
    """Replace the key's data with `payload` (JSON text); inside the caller's transaction."""
    if payload == _EMPTY:
        await conn.execute(
            f"UPDATE fsm_states SET data = '{_EMPTY}', updated_at = {_NOW} WHERE {_WHERE}",
            params,
        )
        await _prune(conn, params)
    else:
        await conn.execute(
            f"INSERT INTO fsm_states ({_KEY_COLUMNS}, data) VALUES (?, ?, ?, ?, ?, ?, ?)"
            f" ON CONFLICT ({_KEY_COLUMNS}) DO UPDATE SET data = excluded.data,"
            f" updated_at = {_NOW}",
            (*params, payload),
        )


async def _prune(conn: aiosqlite.Connection, params: KeyParams) -> None:
    """Delete the key's row once it holds neither a state nor data."""
    await conn.execute(
        f"DELETE FROM fsm_states WHERE {_WHERE} AND state IS NULL AND data = '{_EMPTY}'",
        params,
    )


class SQLiteStorage(BaseStorage):
    """FSM storage on the bot's shared `Database`; `close()` leaves the database open.

    aiogram reads the state on every update, so the states read or written are kept in memory
    (write-through, LRU-bounded) — but only while `db.exclusive` is True, i.e. while this
    process holds the single-instance lock and so is the only writer of the file. Without the
    lock every `get_state` reads the row (a primary-key lookup), so a state written by another
    process (a second bot on the same file, a tool) is seen at once and input is never applied
    to a step the dialogue has left. The cache is dropped whenever `exclusive` changes, so
    nothing cached while another writer may have been active is ever used.

    Why not `PRAGMA data_version` (it changes when another connection commits) to validate the
    cache without the lock: asking it is one round trip to the database thread, measured the
    same as the primary-key read itself (~0.2 ms), and any foreign commit — of any table —
    would drop the whole cache; it buys nothing over reading the state.
    """

    STATE_CACHE_SIZE = 100_000

    def __init__(self, db: Database) -> None:
        self.db = db
        self._states: OrderedDict[KeyParams, str | None] = OrderedDict()
        self._caching = False  # the value of db.exclusive the cache was filled under
        # the cache holds every stored state, so a key it lacks has none: a new user's first
        # update needs no read (rows exist only for people in a dialogue or with data)
        self._complete = False
        self._filled = False  # the one attempt to read them all was made under this lock

    def _use_cache(self) -> bool:
        """Whether the cache may be read and filled now; drops it when `exclusive` changed."""
        exclusive = bool(self.db.exclusive)
        if exclusive != self._caching:
            self._states.clear()
            self._caching = exclusive
            self._complete = self._filled = False
        return exclusive

    async def _fill(self) -> None:
        """Read every stored state at once, unless there are too many to keep."""
        self._filled = True
        caching = self._caching
        count = await self.db.fetchone("SELECT count(*) FROM fsm_states")
        if count is None or count[0] > self.STATE_CACHE_SIZE // 2:
            return  # read per key, as without the lock
        rows = await self.db.fetchall(f"SELECT {_KEY_COLUMNS}, state FROM fsm_states")
        if self._caching != caching or not self._caching:
            return  # the lock changed meanwhile: nothing read under it is trusted
        for row in rows:
            params = tuple(row[:6])
            if params not in self._states:  # a state written meanwhile is newer than the read
                self._states[params] = row[6]  # type: ignore[index]
        self._complete = True

    def _remember(self, params: KeyParams, state: str | None) -> None:
        if not self._use_cache():
            return
        if self._complete and state is None:
            self._states.pop(params, None)  # absent means none: new users don't fill the cache
            return
        self._states[params] = state
        self._states.move_to_end(params)
        if len(self._states) > self.STATE_CACHE_SIZE:
            self._states.popitem(last=False)
            self._complete = False  # a state was let go: a key missing may have one again

    async def close(self) -> None:
        """Nothing to release: the app owns (and closes) the shared database."""

    def forget_user(self, user_id: int) -> None:
        """Drop the cached states of every key of `user_id` (after its rows were deleted in
        another transaction, e.g. the withdrawal of consent)."""
        for params in [p for p in self._states if p[2] == user_id]:
            del self._states[params]

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        value = _state_name(state)
        params = _key_params(key)
        async with self.db.transaction() as conn:
            if value is None:
                await conn.execute(
                    f"UPDATE fsm_states SET state = NULL, updated_at = {_NOW} WHERE {_WHERE}",
                    params,
                )
                await _prune(conn, params)
            else:
                await conn.execute(
                    f"INSERT INTO fsm_states ({_KEY_COLUMNS}, state) VALUES (?, ?, ?, ?, ?, ?, ?)"
                    f" ON CONFLICT ({_KEY_COLUMNS}) DO UPDATE SET state = excluded.state,"
                    f" updated_at = {_NOW}",
                    (*params, value),
                )
        self._remember(params, value)

    async def get_state(self, key: StorageKey) -> str | None:
        params = _key_params(key)
        if self._use_cache():
            if not self._filled:
                await self._fill()
            if params in self._states:
                return self._states[params]
            if self._complete:
                return None
        row = await self.db.fetchone(f"SELECT state FROM fsm_states WHERE {_WHERE}", params)
        state = row[0] if row else None
        self._remember(params, state)
        return state

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        payload = dump_data(data)
        params = _key_params(key)
        async with self.db.transaction() as conn:
            await _store_data(conn, params, payload)

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        row = await self.db.fetchone(
            f"SELECT data FROM fsm_states WHERE {_WHERE}", _key_params(key)
        )
        return json.loads(row[0]) if row else {}

    async def update_data(self, key: StorageKey, data: Mapping[str, Any]) -> dict[str, Any]:
        """Merge `data` into the stored data (like dict.update) in one transaction."""
        dump_data(data)  # reject unstorable values before taking the database lock
        params = _key_params(key)
        async with self.db.transaction() as conn:
            async with conn.execute(f"SELECT data FROM fsm_states WHERE {_WHERE}", params) as cur:
                row = await cur.fetchone()
            current: dict[str, Any] = json.loads(row[0]) if row else {}
            current.update(data)
            payload = dump_data(current)
            await _store_data(conn, params, payload)
        return json.loads(payload)


class UserLocks(BaseEventIsolation):
    """Events of one FSM key (a user in a chat) are handled one at a time, as with aiogram's
    SimpleEventIsolation; but a key's lock exists only while an event holds or waits for it
    (SimpleEventIsolation keeps one for every user ever seen), and taking it is a plain
    context manager (no generator per event)."""

    def __init__(self) -> None:
        self._locks: dict[StorageKey, _KeyLock] = {}

    def lock(self, key: StorageKey) -> _KeyLock:  # type: ignore[override]
        held = self._locks.get(key)
        if held is None:
            held = self._locks[key] = _KeyLock(self._locks, key)
        return held

    @property
    def held(self) -> int:
        """Keys with an event holding or waiting for their lock. (Not `__len__`: aiogram takes
        an isolation that is falsy for none at all.)"""
        return len(self._locks)

    async def close(self) -> None:
        self._locks.clear()


class _KeyLock:
    __slots__ = ("_key", "_lock", "_locks", "_users")

    def __init__(self, locks: dict[StorageKey, _KeyLock], key: StorageKey) -> None:
        self._locks = locks
        self._key = key
        self._lock = asyncio.Lock()
        self._users = 0  # events holding or waiting

    async def __aenter__(self) -> None:
        self._users += 1
        try:
            await self._lock.acquire()
        except BaseException:  # cancelled while waiting: no longer a user
            self._leave()
            raise

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        self._lock.release()
        self._leave()

    def _leave(self) -> None:
        self._users -= 1
        if self._users == 0 and self._locks.get(self._key) is self:
            del self._locks[self._key]
