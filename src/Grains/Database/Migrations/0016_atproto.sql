-- AT Protocol relay (docs/adr/0019-atproto-relay.md). A user links one account on a PDS; public check-ins are written
-- to its repository by jobs that survive a silo crash.

-- The linked account. The app password is sealed (AES-256-GCM, Herenow:Secrets:Key, bound to the username) and is
-- never returned or logged; it is kept because sessions expire and a new one needs it.
CREATE TABLE atproto_accounts
(
    username     text PRIMARY KEY,
    pds_url      text        NOT NULL,
    handle       text        NOT NULL,
    did          text        NOT NULL,
    app_password bytea       NOT NULL,
    linked_at    timestamptz NOT NULL
);

-- Work for the relay: write ("post") or remove ("delete") a check-in's records. UNIQUE makes queueing idempotent
-- while a job waits (the fan-out is at-least-once); the records' keys are derived from the check-in id, so a job
-- that runs twice writes the same records again rather than new ones.
CREATE TABLE atproto_jobs
(
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username        text        NOT NULL,
    checkin_id      text        NOT NULL,
    action          text        NOT NULL CHECK (action IN ('post', 'delete')),
    attempts        integer     NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL,
    last_error      text,
    created_at      timestamptz NOT NULL,
    UNIQUE (checkin_id, action)
);
CREATE INDEX atproto_jobs_user ON atproto_jobs (username, id);
