-- CrowdSec bouncer cursors per key id (a key created again under the same name starts afresh), client address
-- (the peer, or from X-Forwarded-For of a trusted proxy) and User-Agent (bouncers of different kinds sharing a
-- key and an address no longer take each other's changes). Cursors keyed by name cannot be carried over: each
-- bouncer receives the full set once at its next poll.
DROP TABLE bouncer_cursors;
CREATE TABLE bouncer_cursors (
    key_id     bigint      NOT NULL,
    client     text        NOT NULL,
    user_agent text        NOT NULL,
    cursor     text        NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (key_id, client, user_agent)
);
