-- Grain state for Orleans' ADO.NET persistence provider.
-- Optimistic concurrency: every row carries a version (the grain's ETag). A write names the version it read and
-- only succeeds if the row still has it; otherwise the provider raises InconsistentStateException. This is what
-- stops a stale activation (a silo that was paused and declared dead) from overwriting newer state.
-- The primary key makes a duplicate first insert impossible even when two activations race.
CREATE TABLE orleans_storage
(
    service_id         varchar(150) NOT NULL,
    grain_type_hash    integer      NOT NULL,
    grain_id_hash      integer      NOT NULL,
    grain_id_n0        bigint       NOT NULL,
    grain_id_n1        bigint       NOT NULL,
    grain_type         varchar(512) NOT NULL,
    grain_id_extension varchar(512) NOT NULL DEFAULT '',
    payload            bytea        NULL,
    version            integer      NOT NULL,
    modified_on        timestamptz  NOT NULL DEFAULT now(),
    PRIMARY KEY (service_id, grain_type_hash, grain_id_hash, grain_id_n0, grain_id_n1, grain_type, grain_id_extension)
);

INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES
('ReadFromStorageKey', $q$
    SELECT payload AS PayloadBinary, version AS Version
      FROM orleans_storage
     WHERE service_id = @ServiceId AND grain_type_hash = @GrainTypeHash AND grain_id_hash = @GrainIdHash
       AND grain_id_n0 = @GrainIdN0 AND grain_id_n1 = @GrainIdN1 AND grain_type = @GrainTypeString
       AND grain_id_extension = COALESCE(@GrainIdExtensionString::varchar, '');
$q$),

-- Always returns one row. Success: the new version. Conflict: the caller's own version (or NULL for a first
-- write), which the provider turns into InconsistentStateException.
('WriteToStorageKey', $q$
    WITH updated AS (
        UPDATE orleans_storage
           SET payload = @PayloadBinary::bytea, version = version + 1, modified_on = now()
         WHERE @GrainStateVersion::int IS NOT NULL
           AND service_id = @ServiceId AND grain_type_hash = @GrainTypeHash AND grain_id_hash = @GrainIdHash
           AND grain_id_n0 = @GrainIdN0 AND grain_id_n1 = @GrainIdN1 AND grain_type = @GrainTypeString
           AND grain_id_extension = COALESCE(@GrainIdExtensionString::varchar, '')
           AND version = @GrainStateVersion::int
        RETURNING version),
    inserted AS (
        INSERT INTO orleans_storage (service_id, grain_type_hash, grain_id_hash, grain_id_n0, grain_id_n1,
                                     grain_type, grain_id_extension, payload, version)
        SELECT @ServiceId::varchar, @GrainTypeHash::int, @GrainIdHash::int, @GrainIdN0::bigint,
               @GrainIdN1::bigint, @GrainTypeString::varchar, COALESCE(@GrainIdExtensionString::varchar, ''),
               @PayloadBinary::bytea, 1
         WHERE @GrainStateVersion::int IS NULL
        ON CONFLICT DO NOTHING
        RETURNING version)
    SELECT COALESCE((SELECT version FROM updated), (SELECT version FROM inserted), @GrainStateVersion::int)
           AS NewGrainStateVersion;
$q$),

('ClearStorageKey', $q$
    WITH cleared AS (
        UPDATE orleans_storage
           SET payload = NULL, version = version + 1, modified_on = now()
         WHERE service_id = @ServiceId AND grain_type_hash = @GrainTypeHash AND grain_id_hash = @GrainIdHash
           AND grain_id_n0 = @GrainIdN0 AND grain_id_n1 = @GrainIdN1 AND grain_type = @GrainTypeString
           AND grain_id_extension = COALESCE(@GrainIdExtensionString::varchar, '')
           AND version = @GrainStateVersion::int
        RETURNING version)
    SELECT COALESCE((SELECT version FROM cleared), @GrainStateVersion::int) AS NewGrainStateVersion;
$q$),

('DeleteStorageKey', $q$
    WITH deleted AS (
        DELETE FROM orleans_storage
         WHERE service_id = @ServiceId AND grain_type_hash = @GrainTypeHash AND grain_id_hash = @GrainIdHash
           AND grain_id_n0 = @GrainIdN0 AND grain_id_n1 = @GrainIdN1 AND grain_type = @GrainTypeString
           AND grain_id_extension = COALESCE(@GrainIdExtensionString::varchar, '')
           AND version = @GrainStateVersion::int
        RETURNING version + 1 AS version)
    SELECT COALESCE((SELECT version FROM deleted), @GrainStateVersion::int) AS NewGrainStateVersion;
$q$)
ON CONFLICT (QueryKey) DO UPDATE SET QueryText = excluded.QueryText;
