"""A user's personal data: what is stored (for /privacy and the download), and the withdrawal of
consent that erases it — in one transaction, with the staff group's notices in the outbox."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from storage.applications import (
    _APP_COLUMNS,
    OPEN_STATUSES,
    Application,
    AppMessage,
    Event,
    Jobs,
)
from storage.campaigns import SKIP_UNSUBSCRIBED
from storage.db import Database
from storage.outbox import enqueue

_NOW = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')"
_OPEN = ", ".join(f"'{s}'" for s in OPEN_STATUSES)  # constants, not input
WITHDRAWN_NOTE = "consent withdrawn"


@dataclass(frozen=True, slots=True)
class Profile:
    user_id: int
    first_name: str
    last_name: str | None
    username: str | None
    language_code: str | None
    locale: str | None
    subscribed: bool
    blocked: bool
    first_seen: str
    last_seen: str
    consent_withdrawn_at: str | None


@dataclass(frozen=True, slots=True)
class Overview:
    """What /privacy shows."""

    profile: Profile | None
    applications: list[Application]  # newest first
    questions: int  # entries of the question log
    open_handoffs: int  # questions handed to a person and not answered yet
    handoffs: int


@dataclass(frozen=True, slots=True)
class LoggedQuestion:
    text: str
    language: str
    answered: bool
    created_at: str


@dataclass(frozen=True, slots=True)
class HandoffRecord:
    id: int
    text: str
    language: str
    status: str
    created_at: str


@dataclass(frozen=True, slots=True)
class PersonalData:
    """Everything stored about one user (the download)."""

    profile: Profile | None
    applications: list[Application]  # oldest first
    events: dict[int, list[Event]]  # by application id
    messages: dict[int, list[AppMessage]]  # by application id
    questions: list[LoggedQuestion]
    handoffs: list[HandoffRecord]


@dataclass(frozen=True, slots=True)
class StaffMessage:
    """A bot message in the staff group that belongs to an application or a hand-off."""

    chat_id: int
    message_id: int
    ref_id: int
    is_card: bool


@dataclass(frozen=True, slots=True)
class Withdrawal:
    at: str
    applications: list[Application]  # erased now, as they were before (status: open or not)
    app_messages: list[StaffMessage]  # the applicant's words relayed to the staff group
    handoff_messages: list[StaffMessage]  # hand-off cards and follow-ups in the staff group
    handoffs: int  # deleted
    questions: int  # deleted from the log


class PrivacyRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def profile(self, user_id: int) -> Profile | None:
        row = await self.db.fetchone(
            "SELECT id, first_name, last_name, username, language_code, locale, subscribed, blocked,"
            " first_seen, last_seen, consent_withdrawn_at FROM users WHERE id = ?",
            (user_id,),
        )
        if row is None:
            return None
        return Profile(
            row[0], row[1], row[2], row[3], row[4], row[5], bool(row[6]), bool(row[7]), row[8], row[9], row[10]
        )

    async def _applications(self, user_id: int, order: str) -> list[Application]:
        rows = await self.db.fetchall(
            f"SELECT {_APP_COLUMNS} FROM applications WHERE user_id = ? ORDER BY id {order}", (user_id,)
        )
        return [Application(*r) for r in rows]

    async def overview(self, user_id: int) -> Overview:
        counts = await self.db.fetchone(
            "SELECT (SELECT count(*) FROM questions WHERE user_id = ?),"
            " (SELECT count(*) FROM handoffs WHERE user_id = ? AND status = 'open'),"
            " (SELECT count(*) FROM handoffs WHERE user_id = ?)",
            (user_id, user_id, user_id),
        )
        assert counts is not None
        return Overview(
            profile=await self.profile(user_id),
            applications=await self._applications(user_id, "DESC"),
            questions=int(counts[0]),
            open_handoffs=int(counts[1]),
            handoffs=int(counts[2]),
        )

    async def personal_data(self, user_id: int) -> PersonalData:
        apps = await self._applications(user_id, "ASC")
        events: dict[int, list[Event]] = {a.id: [] for a in apps}
        messages: dict[int, list[AppMessage]] = {a.id: [] for a in apps}
        for r in await self.db.fetchall(
            "SELECT e.application_id, e.actor_id, e.actor_name, e.from_status, e.to_status, e.note, e.created_at"
            " FROM application_events e JOIN applications a ON a.id = e.application_id"
            " WHERE a.user_id = ? ORDER BY e.id",
            (user_id,),
        ):
            events[r[0]].append(Event(*r[1:]))
        for r in await self.db.fetchall(
            "SELECT m.application_id, m.direction, m.author_id, m.text, m.created_at"
            " FROM application_messages m JOIN applications a ON a.id = m.application_id"
            " WHERE a.user_id = ? ORDER BY m.id",
            (user_id,),
        ):
            messages[r[0]].append(AppMessage(*r[1:]))
        questions = [
            LoggedQuestion(r[0], r[1], bool(r[2]), r[3])
            for r in await self.db.fetchall(
                "SELECT text, language, answered, created_at FROM questions WHERE user_id = ? ORDER BY id",
                (user_id,),
            )
        ]
        handoffs = [
            HandoffRecord(*r)
            for r in await self.db.fetchall(
                "SELECT id, text, language, status, created_at FROM handoffs WHERE user_id = ? ORDER BY id",
                (user_id,),
            )
        ]
        return PersonalData(await self.profile(user_id), apps, events, messages, questions, handoffs)

    async def withdraw(self, user_id: int, jobs_for: Callable[[Withdrawal], Jobs]) -> Withdrawal:
        """Withdraw the user's consent and erase their personal data, in one transaction.

        Applications keep what describes the enterprise (organization, ИНН/ОГРН, region, cluster,
        products, ОКВЭД), their number, status and audit trail; the contact person, phone,
        e-mail, comment, the applicant's Telegram name and their own messages are erased, and
        open applications become "withdrawn". Hand-offs and the question log of the user are
        deleted, the profile's name is erased, campaigns are unsubscribed, the dialogue state is
        dropped, and outbox jobs carrying the user's words are emptied (pending ones to the staff
        are not delivered). `jobs_for` gets what was erased and returns the jobs that tell the
        staff group; they are enqueued in the same transaction.
        """
        params = (user_id,)
        async with self.db.transaction() as conn:
            cur = await conn.execute(f"SELECT {_NOW}")
            at = (await cur.fetchone())[0]
            await cur.close()
            cur = await conn.execute(
                f"SELECT {_APP_COLUMNS} FROM applications WHERE user_id = ? AND erased_at IS NULL ORDER BY id",
                params,
            )
            apps = [Application(*r) for r in await cur.fetchall()]
            await cur.close()
            cur = await conn.execute(
                "SELECT t.chat_id, t.message_id, t.ref_id FROM staff_threads t"
                " JOIN applications a ON a.id = t.ref_id"
                " WHERE t.kind = 'application' AND a.user_id = ? AND a.erased_at IS NULL"
                " AND NOT (t.chat_id IS a.staff_chat_id AND t.message_id IS a.staff_message_id)"
                " ORDER BY t.chat_id, t.message_id",
                params,
            )
            app_messages = [StaffMessage(r[0], r[1], r[2], False) for r in await cur.fetchall()]
            await cur.close()
            cur = await conn.execute(
                "SELECT t.chat_id, t.message_id, t.ref_id,"
                " (t.chat_id IS h.staff_chat_id AND t.message_id IS h.staff_message_id)"
                " FROM staff_threads t JOIN handoffs h ON h.id = t.ref_id"
                " WHERE t.kind = 'handoff' AND h.user_id = ? ORDER BY t.chat_id, t.message_id",
                params,
            )
            handoff_messages = [StaffMessage(r[0], r[1], r[2], bool(r[3])) for r in await cur.fetchall()]
            await cur.close()

            # the outbox: what carries the user's words is emptied; what is still to be sent to
            # the staff (their messages, follow-ups) is not sent at all; the notices of an
            # earlier withdrawal (no personal data) still go
            await conn.execute(
                "UPDATE outbox SET payload = '{}',"
                " last_error = CASE status WHEN 'pending' THEN 'personal data erased' ELSE last_error END,"
                " status = CASE status WHEN 'pending' THEN 'failed' ELSE status END"
                " WHERE kind = 'staff_message' AND json_extract(payload, '$.notice') IS NULL AND ("
                "  (json_extract(payload, '$.reply_to[0]') = 'application'"
                "   AND json_extract(payload, '$.reply_to[1]') IN (SELECT id FROM applications WHERE user_id = ?))"
                "  OR (json_extract(payload, '$.reply_to[0]') = 'handoff'"
                "   AND json_extract(payload, '$.reply_to[1]') IN (SELECT id FROM handoffs WHERE user_id = ?)))",
                (user_id, user_id),
            )
            await conn.execute(
                "UPDATE outbox SET payload = '{}' WHERE kind = 'user_message' AND status != 'pending'"
                " AND json_extract(payload, '$.chat_id') = ?",
                params,
            )

            # applications: open ones are withdrawn (audited), personal fields erased
            await conn.execute(
                "INSERT INTO application_events (application_id, actor_id, from_status, to_status, note)"
                " SELECT id, user_id, status, 'withdrawn', ? FROM applications"
                f" WHERE user_id = ? AND erased_at IS NULL AND status IN ({_OPEN}) ORDER BY id",
                (WITHDRAWN_NOTE, user_id),
            )
            await conn.execute(
                f"UPDATE applications SET status = 'withdrawn', updated_at = {_NOW}"
                f" WHERE user_id = ? AND erased_at IS NULL AND status IN ({_OPEN})",
                params,
            )
            await conn.execute(
                "UPDATE applications SET contact_name = '', phone = '', email = '', comment = '',"
                f" username = NULL, full_name = '', erased_at = ?, updated_at = {_NOW}"
                " WHERE user_id = ? AND erased_at IS NULL",
                (at, user_id),
            )
            await conn.execute(
                "UPDATE application_messages SET text = '' WHERE direction = 'from_applicant'"
                " AND application_id IN (SELECT id FROM applications WHERE user_id = ?)",
                params,
            )
            await conn.execute(
                "UPDATE application_events SET actor_name = NULL WHERE actor_id = ?"
                " AND application_id IN (SELECT id FROM applications WHERE user_id = ?)",
                (user_id, user_id),
            )

            # hand-offs and the question log: the user's own words, deleted
            await conn.execute(
                "DELETE FROM staff_threads WHERE kind = 'handoff'"
                " AND ref_id IN (SELECT id FROM handoffs WHERE user_id = ?)",
                params,
            )
            await conn.execute(
                "DELETE FROM user_threads WHERE kind = 'handoff'"
                " AND ref_id IN (SELECT id FROM handoffs WHERE user_id = ?)",
                params,
            )
            cur = await conn.execute("DELETE FROM handoffs WHERE user_id = ?", params)
            handoffs = cur.rowcount
            await cur.close()
            cur = await conn.execute("DELETE FROM questions WHERE user_id = ?", params)
            questions = cur.rowcount
            await cur.close()

            # the profile: no name, no campaigns; the dialogue state (a draft may hold contacts)
            await conn.execute(
                "INSERT INTO users (id, first_name, subscribed, consent_withdrawn_at) VALUES (?, '', 0, ?)"
                " ON CONFLICT (id) DO UPDATE SET first_name = '', last_name = NULL, username = NULL,"
                " subscribed = 0, consent_withdrawn_at = excluded.consent_withdrawn_at",
                (user_id, at),
            )
            await conn.execute(SKIP_UNSUBSCRIBED, params)
            await conn.execute("DELETE FROM fsm_states WHERE user_id = ?", params)

            withdrawal = Withdrawal(at, apps, app_messages, handoff_messages, handoffs, questions)
            for kind, payload in jobs_for(withdrawal):
                await enqueue(conn, kind, payload)
        return withdrawal
