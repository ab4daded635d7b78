-- 0007: the update ids the bot has handled, so that an update Telegram delivers again (a
-- webhook retry; polling after a crash before the offset moved) is handled only once, across
-- restarts. Written in batches after the handling finished; rows older than two days are
-- pruned (Telegram keeps an undelivered update for 24 hours).
CREATE TABLE handled_updates (
    update_id  INTEGER PRIMARY KEY,
    handled_at INTEGER NOT NULL  -- unix time, seconds
);
CREATE INDEX handled_updates_at ON handled_updates (handled_at);
