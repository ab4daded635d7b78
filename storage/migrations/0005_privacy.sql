-- 0005: withdrawal of consent to personal-data processing (/privacy).
-- Applications get the status 'withdrawn' and the time their personal data was erased; users get
-- the time they withdrew consent (NULL = not withdrawn, or consented again since).
--
-- SQLite cannot change a CHECK constraint in place, so `applications` is rebuilt, and with it the
-- two tables whose foreign keys point at it. Foreign keys stay on (the migration runs in one
-- transaction, where PRAGMA foreign_keys cannot change): the new children reference the new
-- parent, the old children are dropped before the old parent, and renaming the new parent
-- rewrites the children's references to the final name.
CREATE TABLE applications_new (
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
    contact_name    TEXT NOT NULL,                  -- '' once erased
    phone           TEXT NOT NULL,                  -- E.164; '' once erased
    email           TEXT NOT NULL,                  -- '' once erased
    comment         TEXT NOT NULL DEFAULT '',
    consent_version TEXT NOT NULL,
    consent_at      TEXT NOT NULL,
    language        TEXT NOT NULL,
    campaign        TEXT,                           -- the deep link's campaign, if any
    username        TEXT,
    full_name       TEXT NOT NULL DEFAULT '',
    status          TEXT NOT NULL DEFAULT 'new'
                    CHECK (status IN ('new', 'in_review', 'info_requested', 'accepted', 'rejected', 'withdrawn')),
    assignee_id     INTEGER,
    assignee_name   TEXT,
    staff_chat_id   INTEGER,
    staff_message_id INTEGER,
    created_at      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    erased_at       TEXT                            -- the applicant's personal data was erased
);
INSERT INTO applications_new (
    id, number, user_id, cluster_id, org_name, inn, ogrn, region, products, okved, contact_name,
    phone, email, comment, consent_version, consent_at, language, campaign, username, full_name,
    status, assignee_id, assignee_name, staff_chat_id, staff_message_id, created_at, updated_at
)
SELECT
    id, number, user_id, cluster_id, org_name, inn, ogrn, region, products, okved, contact_name,
    phone, email, comment, consent_version, consent_at, language, campaign, username, full_name,
    status, assignee_id, assignee_name, staff_chat_id, staff_message_id, created_at, updated_at
FROM applications;

CREATE TABLE application_events_new (
    id             INTEGER PRIMARY KEY,
    application_id INTEGER NOT NULL REFERENCES applications_new (id),
    actor_id       INTEGER,
    actor_name     TEXT,
    from_status    TEXT,
    to_status      TEXT NOT NULL,
    note           TEXT,
    created_at     TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
INSERT INTO application_events_new (id, application_id, actor_id, actor_name, from_status, to_status, note, created_at)
SELECT id, application_id, actor_id, actor_name, from_status, to_status, note, created_at FROM application_events;

CREATE TABLE application_messages_new (
    id             INTEGER PRIMARY KEY,
    application_id INTEGER NOT NULL REFERENCES applications_new (id),
    direction      TEXT NOT NULL CHECK (direction IN ('to_applicant', 'from_applicant')),
    author_id      INTEGER,
    text           TEXT NOT NULL,                   -- '' once erased (the applicant's own words)
    created_at     TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
INSERT INTO application_messages_new (id, application_id, direction, author_id, text, created_at)
SELECT id, application_id, direction, author_id, text, created_at FROM application_messages;

DROP TABLE application_events;
DROP TABLE application_messages;
DROP TABLE applications;
ALTER TABLE applications_new RENAME TO applications;
ALTER TABLE application_events_new RENAME TO application_events;
ALTER TABLE application_messages_new RENAME TO application_messages;

-- the indexes went with the old tables (0003 and 0004)
CREATE INDEX applications_user ON applications (user_id, id);
CREATE INDEX applications_status ON applications (status, created_at);
CREATE UNIQUE INDEX applications_open_inn ON applications (inn, cluster_id)
    WHERE status IN ('new', 'in_review', 'info_requested');
CREATE INDEX applications_campaign ON applications (campaign);
CREATE INDEX application_events_app ON application_events (application_id, id);
CREATE INDEX application_messages_app ON application_messages (application_id, id);

ALTER TABLE users ADD COLUMN consent_withdrawn_at TEXT;  -- set by /privacy, cleared by a new consent
CREATE INDEX questions_user ON questions (user_id);       -- a user's question log, for /privacy
CREATE INDEX handoffs_user ON handoffs (user_id);
