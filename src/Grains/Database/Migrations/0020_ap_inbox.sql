-- Inbound ActivityPub as a durable inbox (docs/adr/0030-inbound-activities.md). The inbox endpoint answers 202 only
-- once the activity is a row here; the actor's InboxGrain applies the rows in id order and marks them processed.
-- The unique activity id is the dedupe: a repeated delivery finds its row and adds nothing.
CREATE TABLE ap_inbox
(
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, -- arrival order: one actor's rows apply in it
    activity_id     text        NOT NULL UNIQUE,
    actor_id        text        NOT NULL, -- the verified signer (the activity's actor)
    type            text        NOT NULL,
    body            text,                 -- the JSON as received; cleared once applied (only the id is needed then)
    received_at     timestamptz NOT NULL,
    processed_at    timestamptz,          -- applied, or given up on (then last_error says why and the body stays)
    attempts        integer     NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL,
    last_error      text
);
-- The grain's "what is next for this actor" and the sweeper's "what is overdue": pending rows only.
CREATE INDEX ap_inbox_pending ON ap_inbox (actor_id, id) WHERE processed_at IS NULL;
CREATE INDEX ap_inbox_due ON ap_inbox (next_attempt_at) WHERE processed_at IS NULL;
CREATE INDEX ap_inbox_received ON ap_inbox (received_at);

-- The ids remembered so far stay remembered (as applied rows), so a delivery repeated across the upgrade is still
-- dropped; the old table goes. An API of the previous version answers its inbox POSTs with 500 until replaced, and the
-- senders retry.
INSERT INTO ap_inbox (activity_id, actor_id, type, received_at, processed_at, next_attempt_at)
SELECT activity_id, '', '', received_at, received_at, received_at FROM ap_inbox_seen;
DROP TABLE ap_inbox_seen;
