#!/usr/bin/env bash
# Install the two offline BigQuery emulators into .emulators/ (git-ignored), idempotently.
#
#   bqemulator 1.4.0   -> .emulators/bqemulator-venv
#       bqemulator pulls duckdb 2.0.x, for which no extension wheels exist, and it needs the
#       spatial extension at start-up (it would try to download it). We pin duckdb 1.5.5 (within
#       bqemulator's declared range) plus the matching duckdb-extension-spatial wheel from PyPI,
#       and copy the extension file where duckdb looks for it: $HOME/.duckdb/extensions/...
#       The emulator is started with HOME=.emulators/home so the real home stays untouched.
#   crucible-emulator 0.1.0a2 -> .emulators/crucible-venv (works as installed).
#
# Usage: scripts/emulators/install.sh [bqemulator|crucible|all]   (default: all)
# Env:   PYTHON (interpreter for the venvs, default python3.11 or python3)
#        EMULATORS_DIR (default <repo>/.emulators)
set -euo pipefail

BQEMULATOR_VERSION="1.4.0"
DUCKDB_VERSION="1.5.5"
CRUCIBLE_VERSION="0.1.0a2"

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
emu_dir="${EMULATORS_DIR:-$repo_root/.emulators}"
python="${PYTHON:-$(command -v python3.11 || command -v python3)}"
what="${1:-all}"

# Parallel test workers may all ask for the emulators at once: one installs, the others wait.
mkdir -p "$emu_dir"
exec 9>"$emu_dir/.install.lock"
flock 9

log() { printf '[emulators] %s\n' "$*" >&2; }

# A venv counts as installed only when its marker file records exactly the pinned versions, so a
# half-finished install (interrupted pip) is redone instead of trusted.
installed() { [[ -f "$1/.installed" && "$(cat "$1/.installed")" == "$2" ]]; }

install_bqemulator() {
    local venv="$emu_dir/bqemulator-venv"
    local stamp="bqemulator==$BQEMULATOR_VERSION duckdb==$DUCKDB_VERSION"
    local ext_dir="$emu_dir/home/.duckdb/extensions/v$DUCKDB_VERSION/linux_amd64"
    if installed "$venv" "$stamp" && [[ -f "$ext_dir/spatial.duckdb_extension" ]]; then
        log "bqemulator $BQEMULATOR_VERSION already installed"
        return 0
    fi
    log "installing bqemulator $BQEMULATOR_VERSION into $venv"
    rm -rf "$venv"
    "$python" -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check \
        "bqemulator==$BQEMULATOR_VERSION" \
        "duckdb==$DUCKDB_VERSION" \
        "duckdb-extension-spatial==$DUCKDB_VERSION" \
        numpy
    local ext
    ext="$("$venv/bin/python" - <<PY
import pathlib, duckdb_extension_spatial as m
root = pathlib.Path(m.__file__).parent
print(next(root.rglob("v$DUCKDB_VERSION/spatial.duckdb_extension")))
PY
)"
    mkdir -p "$ext_dir"
    cp "$ext" "$ext_dir/"
    echo "$stamp" > "$venv/.installed"
    log "bqemulator ready"
}

install_crucible() {
    local venv="$emu_dir/crucible-venv"
    local stamp="crucible-emulator==$CRUCIBLE_VERSION"
    if installed "$venv" "$stamp"; then
        log "crucible-emulator $CRUCIBLE_VERSION already installed"
        return 0
    fi
    log "installing crucible-emulator $CRUCIBLE_VERSION into $venv"
    rm -rf "$venv"
    "$python" -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check \
        "crucible-emulator[server]==$CRUCIBLE_VERSION"
    echo "$stamp" > "$venv/.installed"
    log "crucible-emulator ready"
}

mkdir -p "$emu_dir/home"
case "$what" in
    bqemulator) install_bqemulator ;;
    crucible) install_crucible ;;
    all) install_bqemulator; install_crucible ;;
    *) echo "usage: $0 [bqemulator|crucible|all]" >&2; exit 2 ;;
esac
