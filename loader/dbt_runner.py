"""Running dbt from the loader (demo, sync, tests) with the project's example profile.

The dbt project lives at the repository root. If the user has no profiles.yml of their own, the
committed profiles.yml.example is copied to a private directory and used, so `dbt build` works on
a fresh clone with no set-up.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from loader.errors import ConfigError, DbtError

PROJECT_DIR = Path(__file__).resolve().parent.parent


def project_dir() -> Path:
    if not (PROJECT_DIR / "dbt_project.yml").exists():
        raise ConfigError(f"the dbt project was not found at {PROJECT_DIR} (run from a checkout of the repository)")
    return PROJECT_DIR


def profiles_dir() -> Path:
    """DBT_PROFILES_DIR, ./profiles.yml, or a private copy of profiles.yml.example."""
    if os.environ.get("DBT_PROFILES_DIR"):
        return Path(os.environ["DBT_PROFILES_DIR"])
    if (project_dir() / "profiles.yml").exists():
        return project_dir()
    target = Path(tempfile.gettempdir()) / f"procountor-dbt-profiles-{os.getuid()}"
    target.mkdir(parents=True, exist_ok=True)
    # Copy then rename: a second loader starting at the same moment never reads a half-written file.
    partial = target / f".profiles.yml.{os.getpid()}"
    shutil.copyfile(project_dir() / "profiles.yml.example", partial)
    os.replace(partial, target / "profiles.yml")
    return target


def dbt_executable() -> str:
    candidate = Path(sys.executable).parent / "dbt"
    return str(candidate) if candidate.exists() else "dbt"


def run_dbt(
    args: list[str],
    *,
    duckdb_path: str | None = None,
    target: str | None = None,
    env: dict[str, str] | None = None,
    capture: bool = False,
    check: bool = True,
) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, **(env or {})}
    if duckdb_path:
        full_env["PROCOUNTOR_DUCKDB_PATH"] = str(Path(duckdb_path).resolve())
    full_env.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    full_env.setdefault("DO_NOT_TRACK", "1")
    cmd = [dbt_executable(), *args, "--project-dir", str(project_dir()), "--profiles-dir", str(profiles_dir())]
    if target:
        cmd += ["--target", target]
    proc = subprocess.run(cmd, cwd=project_dir(), env=full_env, text=True,
                          capture_output=capture, check=False)
    if check and proc.returncode != 0:
        tail = (proc.stdout or "")[-4000:] if capture else ""
        raise DbtError(f"dbt {' '.join(args)} failed with exit code {proc.returncode}\n{tail}")
    return proc
