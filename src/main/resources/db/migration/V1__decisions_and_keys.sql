-- Ban decisions. Unban ends a row (ended_at) instead of deleting it, so that changes can be streamed and
-- history kept. A row is active while ended_at IS NULL and it has not expired (expires_at NULL = permanent).
CREATE TABLE decisions (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    value      cidr        NOT NULL,
    type       text        NOT NULL,
    origin     text        NOT NULL,
    jail       text,
    reason     text,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz,
    ended_at   timestamptz,
    end_reason text,
    CONSTRAINT decisions_end_reason CHECK ((ended_at IS NULL) = (end_reason IS NULL))
);

-- At most one open decision per (value, type, origin): a repeated ban extends it (INSERT ... ON CONFLICT).
CREATE UNIQUE INDEX decisions_open_key ON decisions (value, type, origin) WHERE ended_at IS NULL;

-- Containment (>>=, <<=) on open decisions uses this index.
CREATE INDEX decisions_open_value ON decisions USING gist (value inet_ops) WHERE ended_at IS NULL;

CREATE INDEX decisions_open_origin ON decisions (origin, id) WHERE ended_at IS NULL;

-- Finds open decisions that have expired (a new ban of the same key ends them first) without a scan.
CREATE INDEX decisions_open_expiry ON decisions (expires_at) WHERE ended_at IS NULL AND expires_at IS NOT NULL;

-- API keys are stored only as the SHA-256 of the key.
CREATE TABLE api_keys (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name       text        NOT NULL UNIQUE,
    role       text        NOT NULL CHECK (role IN ('admin', 'agent', 'enforcer')),
    key_hash   text        NOT NULL UNIQUE,
    created_at timestamptz NOT NULL DEFAULT now()
);
