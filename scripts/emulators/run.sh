#!/usr/bin/env bash
# Run one BigQuery emulator in the foreground (installing it first if needed).
#
# Usage: scripts/emulators/run.sh bqemulator|crucible [REST_PORT]   (default port 9050)
# Then point clients at http://127.0.0.1:PORT:
#   google-cloud-bigquery: client_options={"api_endpoint": ...} or BIGQUERY_EMULATOR_HOST
#   dbt-bigquery:          api_endpoint in the profile (BQ_ENDPOINT in our profiles)
#   loader:                BigQueryDestination(api_endpoint=...)
# Health: bqemulator GET /readyz, crucible GET /_crucible/health.
# The process is exec'd, so its pid is this script's pid (the pytest fixture relies on that).
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
emu_dir="${EMULATORS_DIR:-$repo_root/.emulators}"
name="${1:?usage: $0 bqemulator|crucible [REST_PORT]}"
port="${2:-9050}"

"$repo_root/scripts/emulators/install.sh" "$name" >&2

case "$name" in
    bqemulator)
        # HOME points at .emulators/home, where install.sh put the spatial extension that duckdb
        # would otherwise try to download. gRPC gets a random free port; we only use REST.
        export HOME="$emu_dir/home"
        exec "$emu_dir/bqemulator-venv/bin/bqemulator" start \
            --rest-host 127.0.0.1 --rest-port "$port" --grpc-host 127.0.0.1 --grpc-port 0 \
            --ephemeral --project local-project --log-level "${BQEMULATOR_LOG_LEVEL:-warning}"
        ;;
    crucible)
        export HOME="$emu_dir/home"
        exec "$emu_dir/crucible-venv/bin/crucible" serve --dialect bigquery --host 127.0.0.1 --port "$port"
        ;;
    *)
        echo "unknown emulator: $name (bqemulator|crucible)" >&2
        exit 2
        ;;
esac
