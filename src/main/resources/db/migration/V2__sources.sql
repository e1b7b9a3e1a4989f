-- Blocklist sources and the log of their import runs.
CREATE TABLE sources (
    id                   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name                 text        NOT NULL UNIQUE,
    url                  text        NOT NULL,
    format               text        NOT NULL CHECK (format IN ('plain', 'spamhaus', 'spamhaus-json')),
    interval_seconds     bigint      NOT NULL CHECK (interval_seconds >= 60),
    enabled              boolean     NOT NULL DEFAULT true,
    -- NULL: an entry the list drops is unbanned at once; otherwise it stays banned this long after it was dropped.
    ban_duration_seconds bigint,
    jail                 text,
    max_entries          integer     NOT NULL,
    labels               jsonb       NOT NULL DEFAULT '{}',
    status               text        NOT NULL DEFAULT 'pending'
                                     CHECK (status IN ('pending', 'ok', 'degraded', 'gone', 'deleting')),
    entries              integer     NOT NULL DEFAULT 0,
    etag                 text,
    last_modified        text,
    body_sha256          text,
    consecutive_failures integer     NOT NULL DEFAULT 0,
    consecutive_gone     integer     NOT NULL DEFAULT 0,
    next_run_at          timestamptz NOT NULL DEFAULT now(),
    last_run_id          bigint,
    last_success_at      timestamptz,
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX sources_due ON sources (next_run_at) WHERE enabled AND status NOT IN ('gone', 'deleting');

CREATE TABLE source_runs (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    source_id        bigint      NOT NULL REFERENCES sources (id) ON DELETE CASCADE,
    trigger          text        NOT NULL CHECK (trigger IN ('schedule', 'manual')),
    instance         text        NOT NULL,
    started_at       timestamptz NOT NULL DEFAULT now(),
    finished_at      timestamptz,
    status           text        NOT NULL CHECK (status IN ('running', 'success', 'not_modified', 'unchanged',
                                                            'failed', 'skipped_locked')),
    http_status      integer,
    bytes            bigint,
    entries          integer,
    added            integer,
    removed          integer,
    protected        integer,
    invalid_lines    integer,
    invalid_samples  jsonb,
    error_code       text,
    message          text
);

CREATE INDEX source_runs_by_source ON source_runs (source_id, id DESC);
CREATE INDEX source_runs_started ON source_runs (started_at);

ALTER TABLE sources ADD CONSTRAINT sources_last_run FOREIGN KEY (last_run_id) REFERENCES source_runs (id)
    ON DELETE SET NULL DEFERRABLE INITIALLY DEFERRED;

-- Decisions an import created point at their source. An open decision can only reference a source that exists;
-- when a source is removed (after its decisions were ended in the same transaction) the ended rows keep their
-- origin text as history.
ALTER TABLE decisions ADD COLUMN source_id bigint REFERENCES sources (id) ON DELETE SET NULL;
CREATE INDEX decisions_open_source ON decisions (source_id) WHERE ended_at IS NULL AND source_id IS NOT NULL;
