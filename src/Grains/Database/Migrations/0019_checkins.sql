-- Check-ins as rows (docs/adr/0025-checkins-as-rows.md). A check-in is a fact written once (by the author's grain,
-- through the silo's group-commit writer) and changed only by its own grain: a delete, the end of a hold, a like.
-- The author's history, the place feed and the Idempotency-Key lookup are index scans here instead of lists that
-- grew in grain state and were rewritten whole on every check-in.
--
-- Partition key: author. Every write and the hot reads (posting, the history, the idempotency lookup, the outbox of
-- one author) name it, so they stay on one shard when the table is spread (Citus: distribute by author; native
-- partitioning: hash by author). docs/scaling.md lists the queries that do not (by id, by place).
CREATE TABLE checkins
(
    author          text             NOT NULL,
    -- Time-ordered id (TimeOrderedId); COLLATE "C" so SQL order is PageQuery's ordinal order.
    id              text             COLLATE "C" NOT NULL,
    place_id        text             NOT NULL,
    -- The place as it was shown when the check-in was made (PlaceSnapshot): names change, the check-in keeps its own.
    place_name      text             NOT NULL,
    place_latitude  double precision NOT NULL,
    place_longitude double precision NOT NULL,
    place_category  text,
    latitude        double precision NOT NULL,
    longitude       double precision NOT NULL,
    accuracy_m      double precision,
    shout           text,
    visibility      smallint         NOT NULL,
    -- The attached photos as they were when attached (MediaAttachment[] as JSON), in the order given.
    media           jsonb            NOT NULL DEFAULT '[]',
    created_at      timestamptz      NOT NULL,
    -- Post later: shown to others from publish_at (null: at once), or not before the author's next check-in.
    publish_at      timestamptz,
    held_until_next boolean          NOT NULL DEFAULT false,
    in_privacy_zone boolean          NOT NULL DEFAULT false,
    -- The client's Idempotency-Key: a retried POST finds the check-in it created. Cleared when the check-in is deleted.
    idempotency_key text,
    likes_count     integer          NOT NULL DEFAULT 0,
    -- A deleted check-in keeps its row, emptied, until its delete has been fanned out (a tombstone: a late retry of
    -- the create finds it and resurrects nothing).
    deleted_at      timestamptz,
    -- The transactional outbox: non-null while an event of this row (created, released or deleted) waits to be
    -- delivered to feeds, the place and federation. The value is when a sweeper may take it over from the grain that
    -- dispatched it (a lease); the grain clears it once delivery has settled (Checkins/CheckinOutbox.cs).
    outbox_due      timestamptz,
    PRIMARY KEY (author, id)
);

-- By id alone (GET /checkins/{id}, the check-in's grain activating). Ids carry 80 random bits, so they are unique.
CREATE INDEX checkins_id ON checkins (id);
-- At most one check-in per author and key.
CREATE UNIQUE INDEX checkins_idempotency ON checkins (author, idempotency_key) WHERE idempotency_key IS NOT NULL;
-- The place feed and the place grain's window, newest first.
CREATE INDEX checkins_place ON checkins (place_id, id) WHERE deleted_at IS NULL;
-- Events waiting for delivery: small (cleared within a minute), read by the author's grain and by the sweeper.
CREATE INDEX checkins_outbox ON checkins (outbox_due, author) WHERE outbox_due IS NOT NULL;

-- One row per like: liking twice is one row (INSERT ... ON CONFLICT DO NOTHING); the count is kept on the check-in.
CREATE TABLE checkin_likes
(
    checkin_id text        COLLATE "C" NOT NULL,
    username   text        NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (checkin_id, username)
);
