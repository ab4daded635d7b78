-- 0002: aiogram FSM storage (storage/fsm.py), so a restart mid-dialogue loses nothing.
-- One row per aiogram StorageKey. The optional parts of the key are stored with sentinels
-- (thread_id 0, business_connection_id '') so the primary key can be NOT NULL.
-- A row with no state and empty data is deleted rather than kept.
CREATE TABLE fsm_states (
    bot_id                 INTEGER NOT NULL,
    chat_id                INTEGER NOT NULL,
    user_id                INTEGER NOT NULL,
    thread_id              INTEGER NOT NULL DEFAULT 0,   -- 0 = no thread
    business_connection_id TEXT    NOT NULL DEFAULT '',  -- '' = no business connection
    destiny                TEXT    NOT NULL DEFAULT 'default',
    state                  TEXT,                         -- NULL = no state
    data                   TEXT    NOT NULL DEFAULT '{}' CHECK (json_valid(data)),  -- a JSON object
    updated_at             TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    PRIMARY KEY (bot_id, chat_id, user_id, thread_id, business_connection_id, destiny)
) WITHOUT ROWID;
