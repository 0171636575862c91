-- Idempotency-Key response cache for POSTs that create (docs/adr/0012-idempotency-keys.md). One row per
-- (account, key): claimed as pending (status NULL) before the handler runs, completed with the response to replay.
CREATE TABLE idempotency_keys
(
    account      text        NOT NULL,
    key          text        NOT NULL,
    -- SHA-256 of method, path and body: the same key with another request is refused (422), never replayed.
    fingerprint  bytea       NOT NULL,
    -- Which claim owns a pending row, so a request whose lease was taken over cannot complete or release it.
    owner        uuid        NOT NULL,
    -- Time of the (latest) claim: a pending row's lease and every row's retention count from it.
    created_at   timestamptz NOT NULL DEFAULT now(),
    completed_at timestamptz NULL,
    status       integer     NULL,
    content_type text        NULL,
    location     text        NULL,
    body         bytea       NULL,
    PRIMARY KEY (account, key)
);

-- For the periodic deletion of expired rows.
CREATE INDEX idempotency_keys_created_at ON idempotency_keys (created_at);
