-- 0003: join applications with their audit trail and messages, the durable outbox,
-- questions handed to a person, and the staff-group threads replies attach to.
CREATE TABLE counters (
    name  TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);

CREATE TABLE applications (
    id              INTEGER PRIMARY KEY,
    number          TEXT NOT NULL UNIQUE,           -- 2026-0001
    user_id         INTEGER NOT NULL,
    cluster_id      INTEGER NOT NULL REFERENCES clusters (id),
    org_name        TEXT NOT NULL,
    inn             TEXT NOT NULL,
    ogrn            TEXT,
    region          TEXT NOT NULL,
    products        TEXT NOT NULL,
    okved           TEXT NOT NULL DEFAULT '',       -- comma-separated codes
    contact_name    TEXT NOT NULL,
    phone           TEXT NOT NULL,                  -- E.164
    email           TEXT NOT NULL,
    comment         TEXT NOT NULL DEFAULT '',
    consent_version TEXT NOT NULL,
    consent_at      TEXT NOT NULL,
    language        TEXT NOT NULL,
    campaign        TEXT,                           -- the deep link's campaign, if any
    username        TEXT,
    full_name       TEXT NOT NULL DEFAULT '',
    status          TEXT NOT NULL DEFAULT 'new'
                    CHECK (status IN ('new', 'in_review', 'info_requested', 'accepted', 'rejected')),
    assignee_id     INTEGER,
    assignee_name   TEXT,
    staff_chat_id   INTEGER,
    staff_message_id INTEGER,
    created_at      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX applications_user ON applications (user_id, id);
CREATE INDEX applications_status ON applications (status, created_at);
-- one open application per ИНН and cluster
CREATE UNIQUE INDEX applications_open_inn ON applications (inn, cluster_id)
    WHERE status IN ('new', 'in_review', 'info_requested');

CREATE TABLE application_events (
    id             INTEGER PRIMARY KEY,
    application_id INTEGER NOT NULL REFERENCES applications (id),
    actor_id       INTEGER,
    actor_name     TEXT,
    from_status    TEXT,
    to_status      TEXT NOT NULL,
    note           TEXT,
    created_at     TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX application_events_app ON application_events (application_id, id);

-- what staff and applicant said to each other about an application
CREATE TABLE application_messages (
    id             INTEGER PRIMARY KEY,
    application_id INTEGER NOT NULL REFERENCES applications (id),
    direction      TEXT NOT NULL CHECK (direction IN ('to_applicant', 'from_applicant')),
    author_id      INTEGER,
    text           TEXT NOT NULL,
    created_at     TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX application_messages_app ON application_messages (application_id, id);

CREATE TABLE handoffs (
    id               INTEGER PRIMARY KEY,
    user_id          INTEGER NOT NULL,
    language         TEXT NOT NULL,
    text             TEXT NOT NULL,
    found            TEXT NOT NULL DEFAULT '',      -- what the bot found, for the staff card
    status           TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'answered')),
    username         TEXT,
    full_name        TEXT NOT NULL DEFAULT '',
    staff_chat_id    INTEGER,
    staff_message_id INTEGER,
    created_at       TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at       TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

-- every bot message in the staff group a reply can thread to (cards and relayed messages)
CREATE TABLE staff_threads (
    chat_id    INTEGER NOT NULL,
    message_id INTEGER NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('application', 'handoff')),
    ref_id     INTEGER NOT NULL,
    PRIMARY KEY (chat_id, message_id)
);

-- messages the bot sent to a user that the user can answer by replying
CREATE TABLE user_threads (
    chat_id    INTEGER NOT NULL,
    message_id INTEGER NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('application', 'handoff')),
    ref_id     INTEGER NOT NULL,
    PRIMARY KEY (chat_id, message_id)
);

-- the durable outbox: a job is done only when Telegram accepted the message
CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY,
    kind            TEXT NOT NULL,
    payload         TEXT NOT NULL,                  -- JSON
    status          TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at REAL NOT NULL DEFAULT 0,        -- unix time
    last_error      TEXT,
    created_at      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    done_at         TEXT
);
CREATE INDEX outbox_due ON outbox (status, next_attempt_at, id);

CREATE TABLE kv (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
