-- 0001: users, knowledge base, questions asked, search index.
CREATE TABLE users (
    id            INTEGER PRIMARY KEY,          -- Telegram user id
    first_name    TEXT NOT NULL DEFAULT '',
    last_name     TEXT,
    username      TEXT,
    language_code TEXT,                         -- as Telegram reports it
    locale        TEXT,                         -- chosen with /language; NULL = from language_code
    first_seen    TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    last_seen     TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    subscribed    INTEGER NOT NULL DEFAULT 1,
    blocked       INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE clusters (
    id                   INTEGER PRIMARY KEY,
    slug                 TEXT NOT NULL UNIQUE,
    position             INTEGER NOT NULL DEFAULT 0,
    status               TEXT NOT NULL CHECK (status IN ('active', 'creating')),
    accepts_applications INTEGER NOT NULL DEFAULT 0,
    data                 TEXT NOT NULL,         -- the validated entry as JSON
    updated_at           TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE TABLE measures (
    id         INTEGER PRIMARY KEY,
    slug       TEXT NOT NULL UNIQUE,
    position   INTEGER NOT NULL DEFAULT 0,
    kind       TEXT NOT NULL CHECK (kind IN ('subsidy', 'tax', 'loan', 'other')),
    data       TEXT NOT NULL,
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE TABLE faq (
    id         INTEGER PRIMARY KEY,
    slug       TEXT NOT NULL UNIQUE,
    position   INTEGER NOT NULL DEFAULT 0,
    intent     TEXT,
    data       TEXT NOT NULL,
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE TABLE questions (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER,
    text       TEXT NOT NULL,
    language   TEXT NOT NULL,
    best_kind  TEXT,
    best_slug  TEXT,
    score      REAL NOT NULL DEFAULT 0,
    answered   INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX questions_unanswered ON questions (answered, created_at);

-- Search index: one document per knowledge-base entry; columns hold stems computed in Python.
CREATE TABLE search_docs (
    id    INTEGER PRIMARY KEY,
    kind  TEXT NOT NULL,
    slug  TEXT NOT NULL,
    UNIQUE (kind, slug)
);
CREATE VIRTUAL TABLE search_fts USING fts5 (
    name, products, body,
    tokenize = 'unicode61 remove_diacritics 2'
);
