-- An import writes only what it owns, and only while the settings it ran with are still current: every PUT of a
-- source bumps its settings version, and a run compares it under the row lock when it records its outcome.
-- Labels do not bump it: a run neither reads nor writes them.
ALTER TABLE sources ADD COLUMN settings_version bigint NOT NULL DEFAULT 1;
-- A hash of what the last apply used (jail, ban duration, max entries, format, protected ranges). While it
-- differs from the current settings, a run fetches without validators and applies even an unchanged body.
ALTER TABLE sources ADD COLUMN applied_settings text;

-- A run whose source changed under it records its outcome in the run log only: 'superseded'.
ALTER TABLE source_runs DROP CONSTRAINT source_runs_status_check;
ALTER TABLE source_runs ADD CONSTRAINT source_runs_status_check
    CHECK (status IN ('running', 'success', 'not_modified', 'unchanged', 'failed', 'skipped_locked', 'superseded'));

-- The due time a skipped run was due at: one skip per source and due time, however many ticks and replicas find
-- the source locked.
ALTER TABLE source_runs ADD COLUMN due_at timestamptz;
CREATE UNIQUE INDEX source_runs_skipped_once ON source_runs (source_id, due_at) WHERE status = 'skipped_locked';

-- Deleting a source sets source_id to NULL in every decision it ever made, ended ones included (ON DELETE SET
-- NULL): without an index over all of them that is a scan of the whole table.
CREATE INDEX decisions_source ON decisions (source_id) WHERE source_id IS NOT NULL;

-- The change-log trigger's join of the old and new transition tables, as static SQL, was planned once per session
-- with the row counts of its first call: a pooled connection whose first update touched one row then joined a
-- 100,000-row update (a source deletion's SET NULL, an import, an expiry pass) by nested loop, quadratic, into the
-- statement timeout. EXECUTE plans it for each statement's actual sizes.
CREATE OR REPLACE FUNCTION decisions_log_updates() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    logged bigint;
BEGIN
    EXECUTE $sql$
        INSERT INTO decision_changes (decision_id)
        SELECT n.id FROM updated_new n JOIN updated_old o ON o.id = n.id
        WHERE n.ended_at IS DISTINCT FROM o.ended_at OR n.expires_at IS DISTINCT FROM o.expires_at
           OR n.type <> o.type OR n.value <> o.value OR n.origin <> o.origin
           OR n.jail IS DISTINCT FROM o.jail OR n.reason IS DISTINCT FROM o.reason$sql$;
    GET DIAGNOSTICS logged = ROW_COUNT; -- EXECUTE does not set FOUND
    IF logged > 0 THEN
        PERFORM pg_notify('banlist_changes', '');
    END IF;
    RETURN NULL;
END
$$;
