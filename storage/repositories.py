"""Repositories: every query the bot makes, parameterized."""

from __future__ import annotations

import json
from dataclasses import dataclass

from storage.campaigns import SKIP_UNSUBSCRIBED
from storage.db import Database
from storage.models import Cluster, Faq, Measure

_NOW = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')"


@dataclass(frozen=True, slots=True)
class UserRecord:
    id: int
    first_name: str
    last_name: str | None
    username: str | None
    language_code: str | None
    locale: str | None
    subscribed: bool
    blocked: bool


# A user who withdrew consent (/privacy) keeps no name in the profile until they consent again.
_UPSERT_SEEN = (
    "INSERT INTO users (id, first_name, last_name, username, language_code)"
    " VALUES (?, ?, ?, ?, ?)"
    " ON CONFLICT (id) DO UPDATE SET"
    " first_name = CASE WHEN users.consent_withdrawn_at IS NULL THEN excluded.first_name ELSE '' END,"
    " last_name = CASE WHEN users.consent_withdrawn_at IS NULL THEN excluded.last_name END,"
    " username = CASE WHEN users.consent_withdrawn_at IS NULL THEN excluded.username END,"
    f" language_code = excluded.language_code, last_seen = {_NOW}, blocked = 0"
)


class UserRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def upsert_seen(
        self,
        user_id: int,
        first_name: str,
        last_name: str | None,
        username: str | None,
        language_code: str | None,
    ) -> None:
        """Record that the user was seen; a returning user who had blocked the bot is active again."""
        await self.db.write(_UPSERT_SEEN, (user_id, first_name, last_name, username, language_code))

    async def upsert_seen_many(self, rows: list[tuple]) -> None:
        """rows: (id, first_name, last_name, username, language_code), in one transaction."""
        async with self.db.transaction() as conn:
            await conn.executemany(_UPSERT_SEEN, rows)

    async def ids(self) -> set[int]:
        """The id of every user with a row."""
        rows = await self.db.fetchall("SELECT id FROM users")
        return {r[0] for r in rows}

    async def chosen_locales(self) -> dict[int, str]:
        rows = await self.db.fetchall("SELECT id, locale FROM users WHERE locale IS NOT NULL")
        return {r[0]: r[1] for r in rows}

    async def get(self, user_id: int) -> UserRecord | None:
        row = await self.db.fetchone(
            "SELECT id, first_name, last_name, username, language_code, locale, subscribed, blocked"
            " FROM users WHERE id = ?",
            (user_id,),
        )
        if row is None:
            return None
        return UserRecord(
            id=row[0],
            first_name=row[1],
            last_name=row[2],
            username=row[3],
            language_code=row[4],
            locale=row[5],
            subscribed=bool(row[6]),
            blocked=bool(row[7]),
        )

    async def set_locale(self, user_id: int, locale: str) -> None:
        # an upsert: the "seen" row may still be waiting in the batch
        await self.db.write(
            "INSERT INTO users (id, locale) VALUES (?, ?)"
            " ON CONFLICT (id) DO UPDATE SET locale = excluded.locale",
            (user_id, locale),
        )

    # upserts: the "seen" row of a new user may still be waiting in the batch
    async def set_blocked(self, user_id: int, blocked: bool) -> None:
        await self.db.write(
            "INSERT INTO users (id, blocked) VALUES (?, ?)"
            " ON CONFLICT (id) DO UPDATE SET blocked = excluded.blocked",
            (user_id, int(blocked)),
        )

    async def set_subscribed(self, user_id: int, subscribed: bool) -> None:
        """Unsubscribing also takes the user out of the campaigns under way (still pending)."""
        async with self.db.transaction() as conn:
            await conn.execute(
                "INSERT INTO users (id, subscribed) VALUES (?, ?)"
                " ON CONFLICT (id) DO UPDATE SET subscribed = excluded.subscribed",
                (user_id, int(subscribed)),
            )
            if not subscribed:
                await conn.execute(SKIP_UNSUBSCRIBED, (user_id,))

    async def count(self) -> int:
        row = await self.db.fetchone("SELECT count(*) FROM users")
        return int(row[0]) if row else 0


class ContentRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def is_empty(self) -> bool:
        row = await self.db.fetchone(
            "SELECT (SELECT count(*) FROM clusters) + (SELECT count(*) FROM measures)"
            " + (SELECT count(*) FROM faq)"
        )
        return not row or int(row[0]) == 0

    async def replace_all(
        self, clusters: list[Cluster], measures: list[Measure], faq: list[Faq]
    ) -> dict[str, int]:
        """Upsert every entry by slug, in one transaction."""
        async with self.db.transaction() as conn:
            for pos, c in enumerate(clusters):
                await conn.execute(
                    "INSERT INTO clusters (slug, position, status, accepts_applications, data)"
                    " VALUES (?, ?, ?, ?, ?) ON CONFLICT (slug) DO UPDATE SET"
                    " position = excluded.position, status = excluded.status,"
                    " accepts_applications = excluded.accepts_applications, data = excluded.data,"
                    f" updated_at = {_NOW}",
                    (c.slug, pos, c.status, int(c.accepts_applications), c.model_dump_json()),
                )
            for pos, m in enumerate(measures):
                await conn.execute(
                    "INSERT INTO measures (slug, position, kind, data) VALUES (?, ?, ?, ?)"
                    " ON CONFLICT (slug) DO UPDATE SET position = excluded.position,"
                    f" kind = excluded.kind, data = excluded.data, updated_at = {_NOW}",
                    (m.slug, pos, m.kind, m.model_dump_json()),
                )
            for pos, f in enumerate(faq):
                await conn.execute(
                    "INSERT INTO faq (slug, position, intent, data) VALUES (?, ?, ?, ?)"
                    " ON CONFLICT (slug) DO UPDATE SET position = excluded.position,"
                    f" intent = excluded.intent, data = excluded.data, updated_at = {_NOW}",
                    (f.slug, pos, f.intent, f.model_dump_json()),
                )
            # a running bot sees the new revision and reloads (KnowledgeBase.refresh_if_changed)
            await conn.execute(
                "INSERT INTO kv (key, value) VALUES ('content_revision', '1')"
                " ON CONFLICT (key) DO UPDATE SET value = CAST(value AS INTEGER) + 1"
            )
        return {"clusters": len(clusters), "measures": len(measures), "faq": len(faq)}

    async def revision(self) -> str | None:
        """Changes with every import; None before the first."""
        row = await self.db.fetchone("SELECT value FROM kv WHERE key = 'content_revision'")
        return str(row[0]) if row else None

    async def clusters(self) -> list[tuple[int, Cluster]]:
        rows = await self.db.fetchall("SELECT id, data FROM clusters ORDER BY position, id")
        return [(r[0], Cluster.model_validate(json.loads(r[1]))) for r in rows]

    async def measures(self) -> list[tuple[int, Measure]]:
        rows = await self.db.fetchall("SELECT id, data FROM measures ORDER BY position, id")
        return [(r[0], Measure.model_validate(json.loads(r[1]))) for r in rows]

    async def faq(self) -> list[tuple[int, Faq]]:
        rows = await self.db.fetchall("SELECT id, data FROM faq ORDER BY position, id")
        return [(r[0], Faq.model_validate(json.loads(r[1]))) for r in rows]


# The questions of a user who withdrew consent (/privacy) are logged without their id.
_INSERT_QUESTION = (
    "INSERT INTO questions (user_id, text, language, best_kind, best_slug, score, answered)"
    " VALUES (CASE WHEN EXISTS (SELECT 1 FROM users WHERE id = ? AND consent_withdrawn_at IS NOT NULL)"
    " THEN NULL ELSE ? END, ?, ?, ?, ?, ?, ?)"
)


class QuestionRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def add(
        self,
        user_id: int | None,
        text: str,
        language: str,
        best_kind: str | None,
        best_slug: str | None,
        score: float,
        answered: bool,
    ) -> int:
        return await self.db.write(
            _INSERT_QUESTION, (user_id, user_id, text, language, best_kind, best_slug, score, int(answered))
        )

    async def add_many(self, rows: list[tuple]) -> None:
        """rows: (user_id, text, language, best_kind, best_slug, score, answered)."""
        async with self.db.transaction() as conn:
            await conn.executemany(_INSERT_QUESTION, [(r[0], *r[:6], int(r[6])) for r in rows])

    async def unanswered(self, limit: int = 50) -> list[tuple[str, str, str]]:
        rows = await self.db.fetchall(
            "SELECT text, language, created_at FROM questions WHERE answered = 0"
            " ORDER BY id DESC LIMIT ?",
            (limit,),
        )
        return [(r[0], r[1], r[2]) for r in rows]
