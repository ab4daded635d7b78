"""Applications, their audit trail and messages; questions handed to a person; threads."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Any

import aiosqlite

from storage.db import Database
from storage.outbox import enqueue

OPEN_STATUSES = ("new", "in_review", "info_requested")
# "withdrawn": the applicant withdrew consent (/privacy) while the application was open
STATUSES = (*OPEN_STATUSES, "accepted", "rejected", "withdrawn")
_NOW = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')"
# a staff prompt answered or cancelled stays, expired from now on (a late reply is told so)
_CLOSE = "expires_at = min(expires_at, (julianday('now') - 2440587.5) * 86400.0)"


@dataclass(frozen=True, slots=True)
class Application:
    id: int
    number: str
    user_id: int
    cluster_id: int
    org_name: str
    inn: str
    ogrn: str | None
    region: str
    products: str
    okved: str
    contact_name: str
    phone: str
    email: str
    comment: str
    consent_version: str
    consent_at: str
    language: str
    campaign: str | None
    username: str | None
    full_name: str
    status: str
    assignee_id: int | None
    assignee_name: str | None
    staff_chat_id: int | None
    staff_message_id: int | None
    created_at: str
    updated_at: str
    erased_at: str | None = None  # the applicant's personal data was erased (consent withdrawn)


_APP_COLUMNS = ", ".join(f.name for f in fields(Application))


@dataclass(frozen=True, slots=True)
class NewApplication:
    user_id: int
    cluster_id: int
    org_name: str
    inn: str
    ogrn: str | None
    region: str
    products: str
    okved: str
    contact_name: str
    phone: str
    email: str
    comment: str
    consent_version: str
    consent_at: str
    language: str
    campaign: str | None
    username: str | None
    full_name: str


@dataclass(frozen=True, slots=True)
class Event:
    actor_id: int | None
    actor_name: str | None
    from_status: str | None
    to_status: str
    note: str | None
    created_at: str


@dataclass(frozen=True, slots=True)
class AppMessage:
    direction: str
    author_id: int | None
    text: str
    created_at: str


@dataclass(frozen=True, slots=True)
class Handoff:
    id: int
    user_id: int
    language: str
    text: str
    found: str
    status: str
    username: str | None
    full_name: str
    staff_chat_id: int | None
    staff_message_id: int | None
    created_at: str


class DuplicateApplication(Exception):
    def __init__(self, existing: Application) -> None:
        super().__init__(existing.number)
        self.existing = existing


class TransitionRefused(Exception):
    """The application is not in a status that allows this change (someone acted first)."""

    def __init__(self, current: Application) -> None:
        super().__init__(current.status)
        self.current = current


Jobs = list[tuple[str, dict[str, Any]]]
# called inside the transaction that stores a row, with the creation times (ISO) of the person's
# rows created after a given moment: raises to refuse (a per-person limit), so that the check and
# the insert are atomic
Check = Callable[[list[str]], None]


async def _recent(conn: aiosqlite.Connection, table: str, user_id: int, since: str) -> list[str]:
    rows = await conn.execute_fetchall(
        f"SELECT created_at FROM {table} WHERE user_id = ? AND created_at > ?", (user_id, since)
    )
    return [r[0] for r in rows]


class ApplicationRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    @staticmethod
    def _row(row: Any) -> Application:
        return Application(*row)

    async def get(self, app_id: int) -> Application | None:
        row = await self.db.fetchone(f"SELECT {_APP_COLUMNS} FROM applications WHERE id = ?", (app_id,))
        return self._row(row) if row else None

    async def by_number(self, number: str) -> Application | None:
        row = await self.db.fetchone(
            f"SELECT {_APP_COLUMNS} FROM applications WHERE number = ?", (number,)
        )
        return self._row(row) if row else None

    async def find_open(self, inn: str, cluster_id: int) -> Application | None:
        row = await self.db.fetchone(
            f"SELECT {_APP_COLUMNS} FROM applications WHERE inn = ? AND cluster_id = ?"
            f" AND status IN {OPEN_STATUSES} ORDER BY id DESC LIMIT 1",
            (inn, cluster_id),
        )
        return self._row(row) if row else None

    async def of_user(self, user_id: int, limit: int = 20) -> list[Application]:
        rows = await self.db.fetchall(
            f"SELECT {_APP_COLUMNS} FROM applications WHERE user_id = ? ORDER BY id DESC LIMIT ?",
            (user_id, limit),
        )
        return [self._row(r) for r in rows]

    async def create(self, new: NewApplication, jobs: Jobs, year: int | None = None,
                     check: tuple[str, Check] | None = None) -> Application:
        """Store the application, its first audit event and its outbox jobs in one transaction.

        Job payloads may use "{id}" and "{number}" placeholders, filled in here. `check` =
        (since, function) sees the times of the user's applications created after `since`.
        """
        year = year or dt.datetime.now(dt.UTC).year
        try:
            async with self.db.transaction() as conn:
                if check is not None:
                    check[1](await _recent(conn, "applications", new.user_id, check[0]))
                cur = await conn.execute(
                    "INSERT INTO counters (name, value) VALUES (?, 1)"
                    " ON CONFLICT (name) DO UPDATE SET value = value + 1 RETURNING value",
                    (f"applications-{year}",),
                )
                seq = (await cur.fetchone())[0]
                await cur.close()
                number = f"{year}-{seq:04d}"
                values = {f.name: getattr(new, f.name) for f in fields(NewApplication)}
                columns = ", ".join(["number", *values])
                marks = ", ".join("?" * (len(values) + 1))
                cur = await conn.execute(
                    f"INSERT INTO applications ({columns}) VALUES ({marks})",
                    (number, *values.values()),
                )
                app_id = cur.lastrowid
                await cur.close()
                await conn.execute(
                    "INSERT INTO application_events (application_id, actor_id, to_status) VALUES (?, ?, 'new')",
                    (app_id, new.user_id),
                )
                # a new consent was given: a withdrawal (/privacy) no longer stands
                await conn.execute(
                    "UPDATE users SET consent_withdrawn_at = NULL WHERE id = ?", (new.user_id,)
                )
                for kind, payload in jobs:
                    await enqueue(conn, kind, _fill(payload, app_id, number))
        except sqlite3.IntegrityError as exc:
            if "applications.inn" in str(exc) or "applications_open_inn" in str(exc):
                existing = await self.find_open(new.inn, new.cluster_id)
                if existing is not None:
                    raise DuplicateApplication(existing) from None
            raise
        created = await self.get(app_id)  # type: ignore[arg-type]
        assert created is not None
        return created

    async def transition(
        self,
        app_id: int,
        allowed_from: tuple[str, ...],
        to_status: str,
        actor_id: int | None,
        actor_name: str | None,
        note: str | None,
        jobs: Jobs,
        *,
        assign: bool = False,
        message: tuple[str, str] | None = None,
        prompt: tuple[int, int] | None = None,
    ) -> tuple[Application, Application]:
        """Change the status if it is one of `allowed_from`; audit it and enqueue `jobs` atomically.

        Returns (before, after). `message` = (direction, text) is stored with the application;
        `prompt` = (chat id, message id): the staff prompt this answers, used up with the change.
        """
        async with self.db.transaction() as conn:
            cur = await conn.execute(f"SELECT {_APP_COLUMNS} FROM applications WHERE id = ?", (app_id,))
            row = await cur.fetchone()
            await cur.close()
            if row is None:
                raise LookupError(app_id)
            before = self._row(row)
            if before.status not in allowed_from:
                raise TransitionRefused(before)
            if assign:
                await conn.execute(
                    f"UPDATE applications SET status = ?, assignee_id = ?, assignee_name = ?, updated_at = {_NOW} WHERE id = ?",
                    (to_status, actor_id, actor_name, app_id),
                )
            else:
                await conn.execute(
                    f"UPDATE applications SET status = ?, updated_at = {_NOW} WHERE id = ?",
                    (to_status, app_id),
                )
            await conn.execute(
                "INSERT INTO application_events (application_id, actor_id, actor_name, from_status, to_status, note)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (app_id, actor_id, actor_name, before.status, to_status, note),
            )
            if message is not None:
                await conn.execute(
                    "INSERT INTO application_messages (application_id, direction, author_id, text) VALUES (?, ?, ?, ?)",
                    (app_id, message[0], actor_id, message[1]),
                )
            if prompt is not None:
                await conn.execute(f"UPDATE staff_prompts SET {_CLOSE} WHERE chat_id = ? AND message_id = ?", prompt)
            for kind, payload in jobs:
                await enqueue(conn, kind, _fill(payload, app_id, before.number))
        after = await self.get(app_id)
        assert after is not None
        return before, after

    async def add_message(
        self, app_id: int, direction: str, author_id: int | None, text: str, jobs: Jobs
    ) -> None:
        async with self.db.transaction() as conn:
            await conn.execute(
                "INSERT INTO application_messages (application_id, direction, author_id, text) VALUES (?, ?, ?, ?)",
                (app_id, direction, author_id, text),
            )
            for kind, payload in jobs:
                await enqueue(conn, kind, payload)

    async def set_card(self, app_id: int, chat_id: int, message_id: int) -> None:
        async with self.db.transaction() as conn:
            await conn.execute(
                "UPDATE applications SET staff_chat_id = ?, staff_message_id = ? WHERE id = ?",
                (chat_id, message_id, app_id),
            )
            await _thread(conn, "staff_threads", chat_id, message_id, "application", app_id)

    async def events(self, app_id: int) -> list[Event]:
        rows = await self.db.fetchall(
            "SELECT actor_id, actor_name, from_status, to_status, note, created_at"
            " FROM application_events WHERE application_id = ? ORDER BY id",
            (app_id,),
        )
        return [Event(*r) for r in rows]

    async def messages(self, app_id: int) -> list[AppMessage]:
        rows = await self.db.fetchall(
            "SELECT direction, author_id, text, created_at FROM application_messages"
            " WHERE application_id = ? ORDER BY id",
            (app_id,),
        )
        return [AppMessage(*r) for r in rows]

    async def export_rows(
        self,
        status: str | None = None,
        cluster_id: int | None = None,
        date_from: str | None = None,
        date_to: str | None = None,
    ) -> list[Application]:
        where, params = [], []
        if status:
            where.append("status = ?")
            params.append(status)
        if cluster_id:
            where.append("cluster_id = ?")
            params.append(cluster_id)
        if date_from:
            where.append("created_at >= ?")
            params.append(date_from)
        if date_to:
            where.append("created_at < ?")
            params.append(date_to)
        clause = (" WHERE " + " AND ".join(where)) if where else ""
        rows = await self.db.fetchall(
            f"SELECT {_APP_COLUMNS} FROM applications{clause} ORDER BY id", tuple(params)
        )
        return [self._row(r) for r in rows]

    async def count(self) -> int:
        row = await self.db.fetchone("SELECT count(*) FROM applications")
        return int(row[0]) if row else 0


class HandoffRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    _COLS = "id, user_id, language, text, found, status, username, full_name, staff_chat_id, staff_message_id, created_at"

    async def create(
        self, user_id: int, language: str, text: str, found: str, username: str | None,
        full_name: str, jobs: Jobs, check: tuple[str, Check] | None = None,
    ) -> Handoff:
        async with self.db.transaction() as conn:
            if check is not None:  # a per-person limit over the user's hand-offs since check[0]
                check[1](await _recent(conn, "handoffs", user_id, check[0]))
            # after a withdrawal of consent (until a new one) the user's name isn't stored
            withdrawn = await conn.execute_fetchall(
                "SELECT 1 FROM users WHERE id = ? AND consent_withdrawn_at IS NOT NULL", (user_id,)
            )
            if withdrawn:
                username, full_name = None, ""
            cur = await conn.execute(
                "INSERT INTO handoffs (user_id, language, text, found, username, full_name) VALUES (?, ?, ?, ?, ?, ?)",
                (user_id, language, text, found, username, full_name),
            )
            handoff_id = cur.lastrowid
            await cur.close()
            for kind, payload in jobs:
                await enqueue(conn, kind, _fill(payload, handoff_id, ""))
        found_row = await self.get(handoff_id)  # type: ignore[arg-type]
        assert found_row is not None
        return found_row

    async def get(self, handoff_id: int) -> Handoff | None:
        row = await self.db.fetchone(f"SELECT {self._COLS} FROM handoffs WHERE id = ?", (handoff_id,))
        return Handoff(*row) if row else None

    async def set_card(self, handoff_id: int, chat_id: int, message_id: int) -> None:
        async with self.db.transaction() as conn:
            await conn.execute(
                "UPDATE handoffs SET staff_chat_id = ?, staff_message_id = ? WHERE id = ?",
                (chat_id, message_id, handoff_id),
            )
            await _thread(conn, "staff_threads", chat_id, message_id, "handoff", handoff_id)

    async def mark_answered(self, handoff_id: int, jobs: Jobs, *, status: str = "answered") -> None:
        async with self.db.transaction() as conn:
            await conn.execute(
                f"UPDATE handoffs SET status = ?, updated_at = {_NOW} WHERE id = ?", (status, handoff_id)
            )
            for kind, payload in jobs:
                await enqueue(conn, kind, payload)


class ThreadRepository:
    """Which conversation a message belongs to, in the staff group and in users' chats."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def staff(self, chat_id: int, message_id: int) -> tuple[str, int] | None:
        row = await self.db.fetchone(
            "SELECT kind, ref_id FROM staff_threads WHERE chat_id = ? AND message_id = ?",
            (chat_id, message_id),
        )
        return (row[0], row[1]) if row else None

    async def user(self, chat_id: int, message_id: int) -> tuple[str, int] | None:
        row = await self.db.fetchone(
            "SELECT kind, ref_id FROM user_threads WHERE chat_id = ? AND message_id = ?",
            (chat_id, message_id),
        )
        return (row[0], row[1]) if row else None

    async def remember(self, table: str, chat_id: int, message_id: int, kind: str, ref_id: int) -> None:
        if table not in ("staff_threads", "user_threads"):
            raise ValueError(table)
        async with self.db.transaction() as conn:
            await _thread(conn, table, chat_id, message_id, kind, ref_id)


async def _thread(conn: aiosqlite.Connection, table: str, chat_id: int, message_id: int, kind: str, ref_id: int) -> None:
    await conn.execute(
        f"INSERT OR REPLACE INTO {table} (chat_id, message_id, kind, ref_id) VALUES (?, ?, ?, ?)",
        (chat_id, message_id, kind, ref_id),
    )


def _fill(payload: dict[str, Any], ref_id: int, number: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in payload.items():
        if value == "{id}":
            out[key] = ref_id
        elif value == "{number}":
            out[key] = number
        else:
            out[key] = value
    return out


@dataclass(frozen=True, slots=True)
class StaffPrompt:
    """A pending "write the reason / the question" prompt in the staff group."""

    chat_id: int
    message_id: int
    application_id: int
    action: str  # reject | info
    staff_id: int
    expires_at: float
    hinted: bool

    def expired(self, now: float) -> bool:
        return now >= self.expires_at


class StaffPromptRepository:
    """Prompts by the bot's prompt message; a staff member's prompts on an application."""

    _COLS = "chat_id, message_id, application_id, action, staff_id, expires_at, hinted"
    # an expired (or answered, or cancelled) prompt is kept this long: a late reply is told so
    KEEP_EXPIRED = 7 * 24 * 3600

    def __init__(self, db: Database) -> None:
        self.db = db

    @classmethod
    def _row(cls, row: Any) -> StaffPrompt:
        return StaffPrompt(row[0], row[1], row[2], row[3], row[4], float(row[5]), bool(row[6]))

    async def add(self, prompt: StaffPrompt) -> None:
        async with self.db.transaction() as conn:
            await conn.execute(
                "DELETE FROM staff_prompts WHERE expires_at < ?", (prompt.expires_at - self.KEEP_EXPIRED,)
            )
            await conn.execute(
                f"INSERT OR REPLACE INTO staff_prompts ({self._COLS}) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (prompt.chat_id, prompt.message_id, prompt.application_id, prompt.action,
                 prompt.staff_id, prompt.expires_at, int(prompt.hinted)),
            )

    async def get(self, chat_id: int, message_id: int) -> StaffPrompt | None:
        row = await self.db.fetchone(
            f"SELECT {self._COLS} FROM staff_prompts WHERE chat_id = ? AND message_id = ?", (chat_id, message_id)
        )
        return self._row(row) if row else None

    async def latest_for(self, chat_id: int, staff_id: int, application_id: int, now: float) -> StaffPrompt | None:
        """The staff member's newest prompt on the application that has not expired."""
        row = await self.db.fetchone(
            f"SELECT {self._COLS} FROM staff_prompts WHERE chat_id = ? AND staff_id = ? AND application_id = ?"
            " AND expires_at > ? ORDER BY message_id DESC LIMIT 1",
            (chat_id, staff_id, application_id, now),
        )
        return self._row(row) if row else None

    async def pending_of(self, chat_id: int, staff_id: int, now: float) -> list[StaffPrompt]:
        """The staff member's prompts that have not expired, oldest first."""
        rows = await self.db.fetchall(
            f"SELECT {self._COLS} FROM staff_prompts WHERE chat_id = ? AND staff_id = ? AND expires_at > ?"
            " ORDER BY message_id",
            (chat_id, staff_id, now),
        )
        return [self._row(r) for r in rows]

    async def mark_hinted(self, prompts: list[StaffPrompt]) -> None:
        async with self.db.transaction() as conn:
            await conn.executemany(
                "UPDATE staff_prompts SET hinted = 1 WHERE chat_id = ? AND message_id = ?",
                [(p.chat_id, p.message_id) for p in prompts],
            )

    async def close(self, prompts: list[StaffPrompt]) -> None:
        """Cancelled or used up: expired from now on (kept, so a late reply is told so)."""
        async with self.db.transaction() as conn:
            await conn.executemany(
                f"UPDATE staff_prompts SET {_CLOSE} WHERE chat_id = ? AND message_id = ?",
                [(p.chat_id, p.message_id) for p in prompts],
            )
