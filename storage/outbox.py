"""The durable outbox: messages to deliver, written in the same transaction as the change."""

from __future__ import annotations

import json
import time
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

import aiosqlite

from storage.db import Database


@dataclass(frozen=True, slots=True)
class Job:
    id: int
    kind: str
    payload: dict[str, Any]
    attempts: int


async def enqueue(conn: aiosqlite.Connection, kind: str, payload: dict[str, Any]) -> int:
    """Add a job inside the caller's transaction."""
    cur = await conn.execute(
        "INSERT INTO outbox (kind, payload, next_attempt_at) VALUES (?, ?, ?)",
        (kind, json.dumps(payload, ensure_ascii=False), 0.0),
    )
    return cur.lastrowid or 0


def _not_in(kinds: Collection[str]) -> tuple[str, list[str]]:
    if not kinds:
        return "", []
    ordered = sorted(kinds)
    return f" AND kind NOT IN ({', '.join('?' * len(ordered))})", ordered


class OutboxRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def add(self, kind: str, payload: dict[str, Any]) -> int:
        async with self.db.transaction() as conn:
            return await enqueue(conn, kind, payload)

    async def due(self, now: float | None = None, limit: int = 20,
                  exclude_kinds: Collection[str] = ()) -> list[Job]:
        """The oldest jobs due now, leaving out kinds that are on hold."""
        now = time.time() if now is None else now
        skip, params = _not_in(exclude_kinds)
        rows = await self.db.fetchall(
            "SELECT id, kind, payload, attempts FROM outbox"
            f" WHERE status = 'pending' AND next_attempt_at <= ?{skip} ORDER BY id LIMIT ?",
            (now, *params, limit),
        )
        return [Job(r[0], r[1], json.loads(r[2]), r[3]) for r in rows]

    async def next_due_at(self, exclude_kinds: Collection[str] = ()) -> float | None:
        skip, params = _not_in(exclude_kinds)
        row = await self.db.fetchone(
            f"SELECT min(next_attempt_at) FROM outbox WHERE status = 'pending'{skip}", tuple(params)
        )
        return float(row[0]) if row and row[0] is not None else None

    async def mark_done(self, job_id: int) -> None:
        await self.db.write(
            "UPDATE outbox SET status = 'done', attempts = attempts + 1, last_error = NULL,"
            " done_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = ?",
            (job_id,),
        )

    async def retry_later(self, job_id: int, at: float, error: str, *, count_attempt: bool = True) -> None:
        await self.db.write(
            "UPDATE outbox SET attempts = attempts + ?, next_attempt_at = ?, last_error = ?"
            " WHERE id = ?",
            (int(count_attempt), at, error[:500], job_id),
        )

    async def mark_failed(self, job_id: int, error: str) -> None:
        await self.db.write(
            "UPDATE outbox SET status = 'failed', attempts = attempts + 1, last_error = ? WHERE id = ?",
            (error[:500], job_id),
        )

    async def counts(self) -> dict[str, int]:
        rows = await self.db.fetchall("SELECT status, count(*) FROM outbox GROUP BY status")
        return {r[0]: r[1] for r in rows}

    async def get_kv(self, key: str) -> str | None:
        row = await self.db.fetchone("SELECT value FROM kv WHERE key = ?", (key,))
        return row[0] if row else None

    async def set_kv(self, key: str, value: str | None) -> None:
        if value is None:
            await self.db.write("DELETE FROM kv WHERE key = ?", (key,))
        else:
            await self.db.write(
                "INSERT INTO kv (key, value) VALUES (?, ?)"
                " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, value),
            )
