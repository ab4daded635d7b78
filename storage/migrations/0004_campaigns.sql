-- 0004: invitation campaigns (broadcasts) with durable per-recipient delivery state.
CREATE TABLE campaigns (
    id                  INTEGER PRIMARY KEY,
    admin_id            INTEGER NOT NULL,
    source_chat_id      INTEGER NOT NULL,           -- the admin's message, delivered with copyMessage
    source_message_id   INTEGER NOT NULL,
    summary             TEXT NOT NULL DEFAULT '',   -- a short text for lists ("Приглашение…")
    join_cluster        TEXT,                       -- slug for the "Apply to join" button, if any
    unsubscribe_button  INTEGER NOT NULL DEFAULT 0,
    audience            TEXT NOT NULL,              -- JSON: {"kind": …, "value": …}
    status              TEXT NOT NULL DEFAULT 'draft'
                        CHECK (status IN ('draft', 'scheduled', 'running', 'paused', 'cancelled', 'done')),
    send_at             REAL,                       -- unix time for a scheduled start
    total               INTEGER NOT NULL DEFAULT 0,
    progress_chat_id    INTEGER,
    progress_message_id INTEGER,
    created_at          TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    started_at          TEXT,
    finished_at         TEXT
);
CREATE INDEX campaigns_status ON campaigns (status, send_at);

CREATE TABLE campaign_recipients (
    campaign_id INTEGER NOT NULL REFERENCES campaigns (id),
    user_id     INTEGER NOT NULL,
    status      TEXT NOT NULL DEFAULT 'pending'
                CHECK (status IN ('pending', 'sending', 'sent', 'blocked', 'failed')),
    attempts    INTEGER NOT NULL DEFAULT 0,
    error       TEXT,
    updated_at  TEXT,
    PRIMARY KEY (campaign_id, user_id)
) WITHOUT ROWID;
CREATE INDEX campaign_recipients_todo ON campaign_recipients (campaign_id, status, user_id);

CREATE INDEX applications_campaign ON applications (campaign);
CREATE INDEX users_audience ON users (subscribed, blocked);
