-- ActivityPub federation (docs/adr/0018-activitypub.md). Plain tables, not grain state: the delivery queue is read
-- by "what is due for this domain", the follower lists are paged and counted, and keys are looked up by owner.

-- One RSA-2048 key pair per local actor (a username, or "" for the instance actor that signs fetches). Made on
-- first use; INSERT ... ON CONFLICT DO NOTHING makes two concurrent first uses agree on one pair.
CREATE TABLE ap_keys
(
    owner       text PRIMARY KEY,
    public_pem  text        NOT NULL,
    private_pem text        NOT NULL,
    created_at  timestamptz NOT NULL
);

-- Remote actors we have fetched: where to deliver, which key verifies them, how to show them.
CREATE TABLE ap_actors
(
    id                 text PRIMARY KEY,
    handle             text        NOT NULL, -- user@domain, as local users type it
    inbox              text        NOT NULL,
    shared_inbox       text,
    key_id             text,
    public_key_pem     text,
    display_name       text,
    url                text,
    fetched_at         timestamptz NOT NULL,
    deleted_at         timestamptz
);
CREATE INDEX ap_actors_handle ON ap_actors (lower(handle));
CREATE INDEX ap_actors_key_id ON ap_actors (key_id);

-- Remote actors following local users (an accepted Follow). The fan-out to the fediverse reads this by local user.
CREATE TABLE ap_followers
(
    local_user text        NOT NULL,
    actor_id   text        NOT NULL,
    follow_id  text        NOT NULL, -- the remote Follow's id: Undo names it
    id         text        COLLATE "C" NOT NULL, -- time-ordered, pages the followers collection
    created_at timestamptz NOT NULL,
    PRIMARY KEY (local_user, actor_id)
);
CREATE INDEX ap_followers_actor ON ap_followers (actor_id);

-- Local users following remote actors; accepted once the remote Accept arrives.
CREATE TABLE ap_following
(
    local_user text        NOT NULL,
    actor_id   text        NOT NULL,
    follow_id  text        NOT NULL UNIQUE, -- our Follow's id: the remote Accept and our Undo name it
    accepted   boolean     NOT NULL DEFAULT false,
    id         text        COLLATE "C" NOT NULL,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (local_user, actor_id)
);
CREATE INDEX ap_following_actor ON ap_following (actor_id);

-- The durable outbox: one row per (activity, target inbox), deleted when delivered. UNIQUE makes enqueueing
-- idempotent while the row waits, so a fan-out that runs twice (at-least-once) queues each delivery once. Rows with
-- the same ordering key (the object they act on: a note, a follow) go to one inbox in id order, so a Delete never
-- overtakes its Create; rows about different objects do not wait for each other.
CREATE TABLE ap_deliveries
(
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    domain          text        NOT NULL, -- host[:port]: the circuit breaker's and the concurrency limit's unit
    inbox           text        NOT NULL,
    ordering_key    text        NOT NULL,
    activity_id     text        NOT NULL,
    signer          text        NOT NULL, -- the local actor whose key signs it
    body            text        NOT NULL,
    attempts        integer     NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL,
    last_error      text,
    created_at      timestamptz NOT NULL,
    UNIQUE (activity_id, inbox)
);
CREATE INDEX ap_deliveries_due ON ap_deliveries (domain, inbox, ordering_key, id);

-- Deliveries given up on (a permanent answer such as 404/410, or every attempt spent): kept for operators.
CREATE TABLE ap_delivery_failures
(
    id          bigint PRIMARY KEY,
    domain      text        NOT NULL,
    inbox       text        NOT NULL,
    activity_id text        NOT NULL,
    attempts    integer     NOT NULL,
    reason      text        NOT NULL,
    failed_at   timestamptz NOT NULL
);

-- Inbound idempotency: an activity id is processed once, however often it is delivered.
CREATE TABLE ap_inbox_seen
(
    activity_id text PRIMARY KEY,
    received_at timestamptz NOT NULL
);
CREATE INDEX ap_inbox_seen_received ON ap_inbox_seen (received_at);

-- Remote notes shown in local home feeds, by their ActivityPub id, with the local id their record is kept under.
CREATE TABLE ap_remote_notes
(
    object_id  text PRIMARY KEY,
    local_id   text        NOT NULL UNIQUE,
    actor_id   text        NOT NULL,
    created_at timestamptz NOT NULL
);
CREATE INDEX ap_remote_notes_actor ON ap_remote_notes (actor_id);
