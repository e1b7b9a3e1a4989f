-- The change log of the effective set: one row per decision touched by a statement (ban, extension, unban, expiry,
-- import addition or removal), written by triggers so that no code path can forget it.
--
-- Readers do not order by seq: two transactions can commit in the opposite order of their sequence numbers. Each
-- row carries its writing transaction's id instead, and a cursor is a PostgreSQL snapshot (pg_snapshot): the
-- changes after a cursor are the rows whose transaction was not visible in that snapshot and is committed now.
CREATE TABLE decision_changes (
    seq         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    txid        xid8        NOT NULL DEFAULT pg_current_xact_id(),
    decision_id bigint      NOT NULL,
    changed_at  timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX decision_changes_txid ON decision_changes (txid, seq);
CREATE INDEX decision_changes_changed_at ON decision_changes (changed_at);

-- Purging keeps the largest purged transaction id: a cursor whose snapshot's xmin is not above it may have missed
-- a purged change and is answered 410 CURSOR_EXPIRED.
CREATE TABLE change_log_state (
    id             boolean PRIMARY KEY DEFAULT true CHECK (id),
    purged_through xid8    NOT NULL DEFAULT '0'
);
INSERT INTO change_log_state DEFAULT VALUES;

CREATE FUNCTION decisions_log_inserts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO decision_changes (decision_id) SELECT id FROM inserted;
    IF FOUND THEN
        PERFORM pg_notify('banlist_changes', '');
    END IF;
    RETURN NULL;
END
$$;

CREATE FUNCTION decisions_log_updates() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO decision_changes (decision_id)
    SELECT n.id FROM updated_new n JOIN updated_old o ON o.id = n.id
    WHERE n.ended_at IS DISTINCT FROM o.ended_at OR n.expires_at IS DISTINCT FROM o.expires_at
       OR n.type <> o.type OR n.value <> o.value OR n.origin <> o.origin
       OR n.jail IS DISTINCT FROM o.jail OR n.reason IS DISTINCT FROM o.reason;
    IF FOUND THEN
        PERFORM pg_notify('banlist_changes', '');
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER decisions_changes_insert AFTER INSERT ON decisions
    REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION decisions_log_inserts();
CREATE TRIGGER decisions_changes_update AFTER UPDATE ON decisions
    REFERENCING OLD TABLE AS updated_old NEW TABLE AS updated_new
    FOR EACH STATEMENT EXECUTE FUNCTION decisions_log_updates();

-- Server-side cursors of CrowdSec bouncers, which keep none themselves: per key name and client address. Rows
-- not used within the change-log retention are purged with it (their cursor would be expired anyway).
CREATE TABLE bouncer_cursors (
    key_name   text        NOT NULL,
    client     text        NOT NULL,
    cursor     text        NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (key_name, client)
);
