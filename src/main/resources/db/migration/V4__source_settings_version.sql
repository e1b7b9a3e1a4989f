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
