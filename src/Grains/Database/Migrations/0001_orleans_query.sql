-- Orleans' ADO.NET providers read their SQL from this table at start-up (SELECT QueryKey, QueryText FROM
-- OrleansQuery). The table name and its two columns are fixed by the providers; everything the queries touch
-- is Herenow's own schema, written for the 10.4.x query contract (keys, @parameters, result columns).
CREATE TABLE OrleansQuery
(
    QueryKey  varchar(64) NOT NULL PRIMARY KEY,
    QueryText text        NOT NULL
);
