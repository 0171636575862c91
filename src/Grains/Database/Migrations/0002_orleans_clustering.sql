-- Membership for Orleans' ADO.NET clustering provider.
-- The protocol: every silo writes its own row (status, suspicion votes, heartbeat) and every change bumps the
-- single per-cluster version row in the same statement. A write states the version it read (@Version); if another
-- silo wrote first the version no longer matches, nothing changes, and the writer re-reads and retries. That
-- compare-and-swap on one row is what makes concurrent suspicion votes safe.
CREATE TABLE orleans_membership_version
(
    deployment_id varchar(150)   NOT NULL PRIMARY KEY,
    timestamp     timestamptz(3) NOT NULL DEFAULT now(),
    version       integer        NOT NULL DEFAULT 0
);

CREATE TABLE orleans_membership
(
    deployment_id   varchar(150)   NOT NULL REFERENCES orleans_membership_version (deployment_id),
    address         varchar(45)    NOT NULL,
    port            integer        NOT NULL,
    generation      integer        NOT NULL,
    silo_name       varchar(150)   NOT NULL,
    host_name       varchar(150)   NOT NULL,
    status          integer        NOT NULL,
    proxy_port      integer        NOT NULL DEFAULT 0,
    suspect_times   varchar(8000)  NULL,
    start_time      timestamptz(3) NOT NULL,
    i_am_alive_time timestamptz(3) NOT NULL,
    PRIMARY KEY (deployment_id, address, port, generation)
);

INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES
('InsertMembershipVersionKey', $q$
    WITH inserted AS (
        INSERT INTO orleans_membership_version (deployment_id) VALUES (@DeploymentId)
        ON CONFLICT (deployment_id) DO NOTHING
        RETURNING 1)
    SELECT count(*)::int FROM inserted;
$q$),

-- Heartbeat: never moves the time backwards (a delayed write from a paused silo must not undo a newer one).
('UpdateIAmAlivetimeKey', $q$
    UPDATE orleans_membership
       SET i_am_alive_time = GREATEST(i_am_alive_time, @IAmAliveTime)
     WHERE deployment_id = @DeploymentId AND address = @Address AND port = @Port AND generation = @Generation;
$q$),

-- Join: bump the table version (only if the caller read the current one) and insert the row, as one statement.
('InsertMembershipKey', $q$
    WITH bumped AS (
        UPDATE orleans_membership_version
           SET version = version + 1, timestamp = now()
         WHERE deployment_id = @DeploymentId AND version = @Version
           AND NOT EXISTS (SELECT 1 FROM orleans_membership
                            WHERE deployment_id = @DeploymentId AND address = @Address
                              AND port = @Port AND generation = @Generation)
        RETURNING deployment_id),
    inserted AS (
        INSERT INTO orleans_membership (deployment_id, address, port, generation, silo_name, host_name, status,
                                        proxy_port, start_time, i_am_alive_time)
        SELECT deployment_id, @Address::varchar, @Port::int, @Generation::int, @SiloName::varchar,
               @HostName::varchar, @Status::int, @ProxyPort::int, @StartTime, @IAmAliveTime
          FROM bumped
        ON CONFLICT DO NOTHING
        RETURNING 1)
    SELECT count(*)::int FROM inserted;
$q$),

-- Status change or suspicion vote: same compare-and-swap on the version row.
('UpdateMembershipKey', $q$
    WITH bumped AS (
        UPDATE orleans_membership_version
           SET version = version + 1, timestamp = now()
         WHERE deployment_id = @DeploymentId AND version = @Version
           AND EXISTS (SELECT 1 FROM orleans_membership
                        WHERE deployment_id = @DeploymentId AND address = @Address
                          AND port = @Port AND generation = @Generation)
        RETURNING deployment_id),
    updated AS (
        UPDATE orleans_membership m
           SET status = @Status::int,
               suspect_times = @SuspectTimes::varchar,
               i_am_alive_time = GREATEST(m.i_am_alive_time, @IAmAliveTime)
          FROM bumped
         WHERE m.deployment_id = bumped.deployment_id AND m.address = @Address
           AND m.port = @Port AND m.generation = @Generation
        RETURNING 1)
    SELECT count(*)::int FROM updated;
$q$),

-- The version row is always returned, with or without a matching silo row (LEFT JOIN).
('MembershipReadRowKey', $q$
    SELECT v.deployment_id AS DeploymentId, m.address AS Address, m.port AS Port, m.generation AS Generation,
           m.silo_name AS SiloName, m.host_name AS HostName, m.status AS Status, m.proxy_port AS ProxyPort,
           m.suspect_times AS SuspectTimes, m.start_time AS StartTime, m.i_am_alive_time AS IAmAliveTime,
           v.version AS Version
      FROM orleans_membership_version v
      LEFT JOIN orleans_membership m
        ON m.deployment_id = v.deployment_id
       AND m.address = @Address AND m.port = @Port AND m.generation = @Generation
     WHERE v.deployment_id = @DeploymentId;
$q$),

('MembershipReadAllKey', $q$
    SELECT v.deployment_id AS DeploymentId, m.address AS Address, m.port AS Port, m.generation AS Generation,
           m.silo_name AS SiloName, m.host_name AS HostName, m.status AS Status, m.proxy_port AS ProxyPort,
           m.suspect_times AS SuspectTimes, m.start_time AS StartTime, m.i_am_alive_time AS IAmAliveTime,
           v.version AS Version
      FROM orleans_membership_version v
      LEFT JOIN orleans_membership m ON m.deployment_id = v.deployment_id
     WHERE v.deployment_id = @DeploymentId;
$q$),

('DeleteMembershipTableEntriesKey', $q$
    DELETE FROM orleans_membership WHERE deployment_id = @DeploymentId;
    DELETE FROM orleans_membership_version WHERE deployment_id = @DeploymentId;
$q$),

-- Clients find gateways here: active silos (status 3) with a gateway port.
('GatewaysQueryKey', $q$
    SELECT address AS Address, proxy_port AS ProxyPort, generation AS Generation
      FROM orleans_membership
     WHERE deployment_id = @DeploymentId AND status = @Status AND proxy_port > 0;
$q$),

-- Housekeeping removes only rows already declared Dead (status 6), never a live or suspected silo.
('CleanupDefunctSiloEntriesKey', $q$
    DELETE FROM orleans_membership
     WHERE deployment_id = @DeploymentId AND i_am_alive_time < @IAmAliveTime AND status = 6;
$q$),

('CleanupDefunctSiloEntryKey', $q$
    DELETE FROM orleans_membership
     WHERE deployment_id = @DeploymentId AND address = @Address AND port = @Port
       AND generation = @Generation AND status = 6;
$q$)
ON CONFLICT (QueryKey) DO UPDATE SET QueryText = excluded.QueryText;
