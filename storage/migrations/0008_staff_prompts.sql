-- 0008: a staff prompt ("write the reason", "what to ask") belongs to its card. The bot's prompt
-- message in the staff group answers only a reply to it (or to its application's card) by the
-- staff member who pressed the button, until it expires. Kept in the database so a restart
-- keeps pending prompts; expired rows stay a while so a late reply can be told it expired.
CREATE TABLE staff_prompts (
    chat_id        INTEGER NOT NULL,
    message_id     INTEGER NOT NULL,               -- the prompt the bot sent (ForceReply)
    application_id INTEGER NOT NULL REFERENCES applications (id),
    action         TEXT NOT NULL CHECK (action IN ('reject', 'info')),
    staff_id       INTEGER NOT NULL,               -- who pressed the button
    expires_at     REAL NOT NULL,                  -- unix time
    hinted         INTEGER NOT NULL DEFAULT 0,     -- told once that a plain message is not taken
    created_at     TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    PRIMARY KEY (chat_id, message_id)
) WITHOUT ROWID;
CREATE INDEX staff_prompts_staff ON staff_prompts (chat_id, staff_id, application_id);
-- the old design kept the prompt in the staff member's dialogue state: such a state would now
-- capture nothing, but leave no stale rows behind
DELETE FROM fsm_states WHERE state LIKE 'StaffInput:%';
