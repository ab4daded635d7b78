"""Campaigns: the audience materialized once in SQL, per-recipient state written as it goes."""

from __future__ import annotations

import json
from dataclasses import dataclass, fields
from typing import Any

from storage.db import Database

_NOW = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')"
AUDIENCE_KINDS = ("all", "language", "region", "cluster", "status", "never_applied")
RU_LIKE = ("ru", "uk", "be", "kk", "ky", "uz", "tg", "hy", "az")
# The language the bot speaks with user `u`: their choice, else Russian for Russian-like
# Telegram languages and unknown ones, English otherwise (constants, not input).
USER_LOCALE = (
    "COALESCE(u.locale, CASE WHEN u.language_code IS NULL OR u.language_code = ''"
    f" OR substr(u.language_code, 1, 2) IN ({', '.join(repr(c) for c in RU_LIKE)}) THEN 'ru' ELSE 'en' END)"
)


# Run inside the transaction that unsubscribes a user: the campaigns under way skip them.
SKIP_UNSUBSCRIBED = (
    "UPDATE campaign_recipients SET status = 'skipped', error = 'unsubscribed', updated_at = " + _NOW +
    " WHERE user_id = ? AND status = 'pending'"
    " AND campaign_id IN (SELECT id FROM campaigns WHERE status IN ('scheduled', 'running', 'paused'))"
)


@dataclass(frozen=True, slots=True)
class Campaign:
    id: int
    admin_id: int
    source_chat_id: int
    source_message_id: int
    summary: str
    join_cluster: str | None
    unsubscribe_button: int
    audience: str
    status: str
    send_at: float | None
    total: int
    progress_chat_id: int | None
    progress_message_id: int | None
    created_at: str
    started_at: str | None
    finished_at: str | None

    @property
    def audience_spec(self) -> dict[str, Any]:
        return json.loads(self.audience)


_COLS = ", ".join(f.name for f in fields(Campaign))


def audience_where(kind: str, value: Any) -> tuple[str, tuple]:
    """The SQL condition on `users u` selecting a segment; only subscribed, reachable users."""
    base = "u.subscribed = 1 AND u.blocked = 0"
    if kind == "all":
        return base, ()
    if kind == "language":
        return f"{base} AND {USER_LOCALE} = ?", (str(value),)
    if kind == "region":
        return f"{base} AND EXISTS (SELECT 1 FROM applications a WHERE a.user_id = u.id AND a.region = ?)", (str(value),)
    if kind == "cluster":
        return f"{base} AND EXISTS (SELECT 1 FROM applications a WHERE a.user_id = u.id AND a.cluster_id = ?)", (int(value),)
    if kind == "status":
        return f"{base} AND EXISTS (SELECT 1 FROM applications a WHERE a.user_id = u.id AND a.status = ?)", (str(value),)
    if kind == "never_applied":
        return f"{base} AND NOT EXISTS (SELECT 1 FROM applications a WHERE a.user_id = u.id)", ()
    raise ValueError(f"unknown audience {kind!r}")


class CampaignRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def count_audience(self, kind: str, value: Any) -> int:
        where, params = audience_where(kind, value)
        row = await self.db.fetchone(f"SELECT count(*) FROM users u WHERE {where}", params)
        return int(row[0]) if row else 0

    async def audience_regions(self) -> list[str]:
        rows = await self.db.fetchall("SELECT DISTINCT region FROM applications ORDER BY region")
        return [r[0] for r in rows]

    async def create(
        self, admin_id: int, source_chat_id: int, source_message_id: int, summary: str,
        join_cluster: str | None, unsubscribe_button: bool, audience: dict[str, Any],
    ) -> Campaign:
        campaign_id = await self.db.write(
            "INSERT INTO campaigns (admin_id, source_chat_id, source_message_id, summary, join_cluster,"
            " unsubscribe_button, audience) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (admin_id, source_chat_id, source_message_id, summary[:200], join_cluster,
             int(unsubscribe_button), json.dumps(audience, ensure_ascii=False)),
        )
        found = await self.get(campaign_id)
        assert found is not None
        return found

    async def get(self, campaign_id: int) -> Campaign | None:
        row = await self.db.fetchone(f"SELECT {_COLS} FROM campaigns WHERE id = ?", (campaign_id,))
        return Campaign(*row) if row else None

    async def launch(self, campaign_id: int, send_at: float | None) -> int:
        """Materialize the audience once (one INSERT … SELECT) and mark the campaign running or
        scheduled, in one transaction. Returns the number of recipients."""
        campaign = await self.get(campaign_id)
        if campaign is None or campaign.status != "draft":
            raise LookupError(campaign_id)
        spec = campaign.audience_spec
        where, params = audience_where(spec["kind"], spec.get("value"))
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                "INSERT OR IGNORE INTO campaign_recipients (campaign_id, user_id)"
                f" SELECT ?, u.id FROM users u WHERE {where}",
                (campaign_id, *params),
            )
            total = cur.rowcount
            await cur.close()
            await conn.execute(
                "UPDATE campaigns SET total = ?, status = ?, send_at = ?,"
                f" started_at = CASE WHEN ? IS NULL THEN {_NOW} ELSE NULL END WHERE id = ?",
                (total, "scheduled" if send_at else "running", send_at, send_at, campaign_id),
            )
        return total

    async def set_status(self, campaign_id: int, status: str, *, allowed_from: tuple[str, ...]) -> bool:
        finished = f", finished_at = {_NOW}" if status in ("done", "cancelled") else ""
        started = f", started_at = COALESCE(started_at, {_NOW})" if status == "running" else ""
        async with self.db.transaction() as conn:
            marks = ", ".join("?" * len(allowed_from))
            cur = await conn.execute(
                f"UPDATE campaigns SET status = ?{finished}{started} WHERE id = ? AND status IN ({marks})",
                (status, campaign_id, *allowed_from),
            )
            changed = cur.rowcount
            await cur.close()
        return changed > 0

    async def set_progress_message(self, campaign_id: int, chat_id: int, message_id: int) -> None:
        await self.db.write(
            "UPDATE campaigns SET progress_chat_id = ?, progress_message_id = ? WHERE id = ?",
            (chat_id, message_id, campaign_id),
        )

    async def next_active(self, now: float) -> Campaign | None:
        """The campaign to work on: running first (oldest), then a scheduled one that is due."""
        row = await self.db.fetchone(
            f"SELECT {_COLS} FROM campaigns WHERE status = 'running' ORDER BY id LIMIT 1"
        )
        if row:
            return Campaign(*row)
        row = await self.db.fetchone(
            f"SELECT {_COLS} FROM campaigns WHERE status = 'scheduled' AND send_at <= ? ORDER BY send_at, id LIMIT 1",
            (now,),
        )
        return Campaign(*row) if row else None

    async def next_scheduled_at(self) -> float | None:
        row = await self.db.fetchone("SELECT min(send_at) FROM campaigns WHERE status = 'scheduled'")
        return float(row[0]) if row and row[0] is not None else None

    async def user_locale(self, user_id: int) -> str:
        """The language the bot speaks with this user (as for recipients); 'ru' if unknown."""
        row = await self.db.fetchone(
            f"SELECT {USER_LOCALE} FROM users u WHERE u.id = ?",
            (user_id,),
        )
        return row[0] if row and row[0] else "ru"

    async def pending_batch_with_locale(self, campaign_id: int, after_user: int, limit: int) -> list[tuple[int, str]]:
        """(user id, language) of the next recipients, in user id order."""
        rows = await self.db.fetchall(
            f"SELECT r.user_id, {USER_LOCALE}"
            " FROM campaign_recipients r LEFT JOIN users u ON u.id = r.user_id"
            " WHERE r.campaign_id = ? AND r.status = 'pending' AND r.user_id > ?"
            " ORDER BY r.user_id LIMIT ?",
            (campaign_id, after_user, limit),
        )
        return [(r[0], r[1] or "ru") for r in rows]

    async def claim(self, campaign_id: int, user_id: int) -> bool:
        """Mark the recipient "sending" if nobody holds them and the campaign is still running;
        False means: don't send (another sender claimed them, they were skipped meanwhile, or the
        campaign was paused, cancelled or finished — possibly by another process).

        One UPDATE decides: SQLite serializes writers, so of two senders claiming the same
        recipient exactly one sees rowcount 1. A recipient left "sending" by a run that died is
        claimable again only after `release_in_flight()` made them "pending" (the broadcaster
        decides when that is safe)."""
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                f"UPDATE campaign_recipients SET status = 'sending', updated_at = {_NOW}"
                " WHERE campaign_id = ? AND user_id = ? AND status = 'pending'"
                " AND EXISTS (SELECT 1 FROM campaigns WHERE id = ? AND status = 'running')",
                (campaign_id, user_id, campaign_id),
            )
            claimed = cur.rowcount > 0
            await cur.close()
        return claimed

    async def release_in_flight(self) -> int:
        """Make every "sending" recipient of an unfinished campaign "pending" again (they were
        in flight when their sender died); only when no live sender can hold any of them."""
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                f"UPDATE campaign_recipients SET status = 'pending', updated_at = {_NOW}"
                " WHERE status = 'sending' AND campaign_id IN"
                " (SELECT id FROM campaigns WHERE status IN ('scheduled', 'running', 'paused'))"
            )
            released = cur.rowcount
            await cur.close()
        return released

    async def finish(self, campaign_id: int) -> bool:
        """running → done once nobody is left pending or in flight. True for exactly one caller:
        the sender that gets True sends the final progress and the report."""
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                f"UPDATE campaigns SET status = 'done', finished_at = {_NOW}"
                " WHERE id = ? AND status = 'running' AND NOT EXISTS (SELECT 1 FROM campaign_recipients"
                " WHERE campaign_id = ? AND status IN ('pending', 'sending'))",
                (campaign_id, campaign_id),
            )
            finished = cur.rowcount > 0
            await cur.close()
        return finished

    # The senders at work (a registry in `kv`, key SENDER_KEY + "<host>:<pid>:<token>"): who may
    # still hold "sending" recipients. A sender registers before its first claim and leaves at
    # a clean stop; one killed stays listed until a later sender sees its process is gone.
    SENDER_KEY = "campaign_sender:"

    async def register_sender(self, sender: str) -> None:
        await self.db.write(
            f"INSERT INTO kv (key, value) VALUES (?, {_NOW}) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (self.SENDER_KEY + sender,),
        )

    async def unregister_senders(self, senders: list[str]) -> None:
        if senders:
            async with self.db.transaction() as conn:
                await conn.executemany("DELETE FROM kv WHERE key = ?", [(self.SENDER_KEY + s,) for s in senders])

    async def senders(self) -> list[str]:
        rows = await self.db.fetchall(
            "SELECT key FROM kv WHERE key >= ? AND key < ? ORDER BY key",
            (self.SENDER_KEY, self.SENDER_KEY[:-1] + chr(ord(self.SENDER_KEY[-1]) + 1)),
        )
        return [r[0][len(self.SENDER_KEY):] for r in rows]

    async def mark(self, campaign_id: int, user_id: int, status: str, error: str | None = None,
                   *, attempt: bool = False) -> None:
        await self.db.write(
            f"UPDATE campaign_recipients SET status = ?, error = ?, updated_at = {_NOW},"
            " attempts = attempts + ? WHERE campaign_id = ? AND user_id = ?",
            (status, error, int(attempt), campaign_id, user_id),
        )

    async def counts(self, campaign_id: int) -> dict[str, int]:
        rows = await self.db.fetchall(
            "SELECT status, count(*) FROM campaign_recipients WHERE campaign_id = ? GROUP BY status",
            (campaign_id,),
        )
        out = dict.fromkeys(("pending", "sending", "sent", "blocked", "failed", "skipped"), 0)
        out.update({r[0]: r[1] for r in rows})
        return out

    async def failures(self, campaign_id: int) -> list[tuple[int, str, str]]:
        rows = await self.db.fetchall(
            "SELECT user_id, status, COALESCE(error, '') FROM campaign_recipients"
            " WHERE campaign_id = ? AND status IN ('failed', 'blocked') ORDER BY user_id",
            (campaign_id,),
        )
        return [(r[0], r[1], r[2]) for r in rows]

    async def history(self, limit: int = 20) -> list[tuple[Campaign, dict[str, int], int]]:
        rows = await self.db.fetchall(f"SELECT {_COLS} FROM campaigns WHERE status != 'draft' ORDER BY id DESC LIMIT ?", (limit,))
        out = []
        for row in rows:
            campaign = Campaign(*row)
            applied = await self.db.fetchone(
                "SELECT count(*) FROM applications WHERE campaign = ?", (f"c{campaign.id}",)
            )
            out.append((campaign, await self.counts(campaign.id), int(applied[0]) if applied else 0))
        return out

    async def block_user(self, user_id: int) -> None:
        await self.db.write("UPDATE users SET blocked = 1 WHERE id = ?", (user_id,))
