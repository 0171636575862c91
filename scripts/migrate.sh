#!/usr/bin/env bash
# Applies Herenow's pending database migrations to the server in HERENOW_POSTGRES (for operators who run their
# own PostgreSQL). Safe to run again; concurrent runs wait for each other.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -n "${HERENOW_POSTGRES:-}" ] || { echo "error: set HERENOW_POSTGRES to a connection string, e.g. Host=db;Port=5432;Username=herenow;Password=...;Database=herenow" >&2; exit 2; }
dotnet build src/Silo -c Release -v quiet -nologo >/dev/null
exec dotnet src/Silo/bin/Release/net10.0/Herenow.Silo.dll migrate
