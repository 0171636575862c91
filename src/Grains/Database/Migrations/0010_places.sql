-- Places: details and the nearby-search index (docs/adr/0010-nearby-search-index.md). This table is the source of
-- truth for a place's details and is its own search index; PlaceGrain keeps only check-in statistics.
-- cube and earthdistance are contrib modules (in Debian's postgresql-15 package). earthdistance is not a trusted
-- extension: the migrating role must be a superuser, or a superuser creates the extensions beforehand.
CREATE EXTENSION IF NOT EXISTS cube;
CREATE EXTENSION IF NOT EXISTS earthdistance;
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- earthdistance 1.1's ll_to_earth() names earth() and cube() without a schema, so it resolves them through the
-- caller's search_path. autovacuum's ANALYZE and pg_restore run with an empty search_path, so an index on
-- ll_to_earth() itself makes them fail ("type earth does not exist"). place_earth() is the same formula with every
-- name schema-qualified: it works under any search_path and stays an inlinable SQL function (a SET search_path
-- clause would also work, but blocks inlining and costs ~8x per call). The index and the queries use it.
DO $migration$
DECLARE
    cube_schema  text;
    earth_schema text;
BEGIN
    SELECT quote_ident(n.nspname) INTO cube_schema
      FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'cube';
    SELECT quote_ident(n.nspname) INTO earth_schema
      FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'earthdistance';
    EXECUTE format($f$
        CREATE FUNCTION place_earth(latitude double precision, longitude double precision) RETURNS %2$s.earth
        LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
        AS 'SELECT %1$s.cube(%1$s.cube(%1$s.cube(%2$s.earth() * cos(radians($1)) * cos(radians($2))),
                %2$s.earth() * cos(radians($1)) * sin(radians($2))), %2$s.earth() * sin(radians($1)))::%2$s.earth'
    $f$, cube_schema, earth_schema);
END
$migration$;

CREATE TABLE places
(
    id         text             NOT NULL PRIMARY KEY,
    name       text             NOT NULL,
    category   text             NULL,
    address    text             NULL,
    latitude   double precision NOT NULL CHECK (latitude BETWEEN -90 AND 90),
    longitude  double precision NOT NULL CHECK (longitude BETWEEN -180 AND 180),
    created_at timestamptz      NOT NULL DEFAULT now(),
    created_by text             NULL
);

-- Points on a sphere in 3-D (no seam at the antimeridian, none at the poles); a GiST R-tree over them answers
-- "inside this cube" and "nearest first" (KNN on <->) for the nearby search.
CREATE INDEX places_position ON places USING gist (place_earth(latitude, longitude));

-- The nearby search's name filter is a case-insensitive substring match (ILIKE '%...%'); trigrams let it use an
-- index when the name is more selective than the area.
CREATE INDEX places_name_trigrams ON places USING gin (name gin_trgm_ops);
