-- 0006: a recipient who unsubscribes (or withdraws consent) while a campaign is under way is
-- 'skipped' by it instead of being sent the message. SQLite cannot change a CHECK constraint in
-- place, so campaign_recipients is rebuilt (nothing references it).
CREATE TABLE campaign_recipients_new (
    campaign_id INTEGER NOT NULL REFERENCES campaigns (id),
    user_id     INTEGER NOT NULL,
    status      TEXT NOT NULL DEFAULT 'pending'
                CHECK (status IN ('pending', 'sending', 'sent', 'blocked', 'failed', 'skipped')),
    attempts    INTEGER NOT NULL DEFAULT 0,
    error       TEXT,
    updated_at  TEXT,
    PRIMARY KEY (campaign_id, user_id)
) WITHOUT ROWID;
INSERT INTO campaign_recipients_new (campaign_id, user_id, status, attempts, error, updated_at)
SELECT campaign_id, user_id, status, attempts, error, updated_at FROM campaign_recipients;
DROP TABLE campaign_recipients;
ALTER TABLE campaign_recipients_new RENAME TO campaign_recipients;
CREATE INDEX campaign_recipients_todo ON campaign_recipients (campaign_id, status, user_id);
-- a user's place in the campaigns under way, found when they unsubscribe
CREATE INDEX campaign_recipients_user ON campaign_recipients (user_id, status);
