-- The follow graph (docs/adr/0013-follow-graph-table.md). One row per edge "follower follows followee". It used to
-- live as two lists in the User grains' state blobs, which Orleans rewrites whole on every write: a user with 100k
-- followers paid O(n) bytes per follow and per check-in. A row makes an edge one INSERT and one DELETE.
CREATE TABLE follows
(
    followee   text        NOT NULL,
    follower   text        NOT NULL,
    -- Time-ordered id (TimeOrderedId) that pages both lists newest first. COLLATE "C": the ids' order is byte
    -- order, as in PageQuery.Apply's ordinal compare, whatever the database's default collation.
    id         text        COLLATE "C" NOT NULL,
    created_at timestamptz NOT NULL,
    -- Leading with the followee: the hot read is the fan-out ("every follower of X", keyset-paged by follower) and
    -- the followee's grain is the one that writes and checks the edge. One row per pair makes a follow idempotent
    -- (INSERT ... ON CONFLICT DO NOTHING).
    PRIMARY KEY (followee, follower)
);

-- "Who does X follow", newest first: the following list and the follower grain's cached set.
CREATE INDEX follows_follower_id ON follows (follower, id);
-- "Who follows X", newest first, with max_id/since_id/min_id: the followers list. The primary key is ordered by
-- name, not by id, so it cannot serve these pages.
CREATE INDEX follows_followee_id ON follows (followee, id);
