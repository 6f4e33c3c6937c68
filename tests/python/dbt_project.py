"""Run the project's own tools (the demo generator, dbt) from the tests, in isolated folders.

Every build gets its own DuckDB file, target and log folders, so tests never touch the
developer's warehouse/ and can run beside a `make demo`.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent


def dbt_environment(work_dir: Path) -> dict[str, str]:
    """The environment of a dbt run whose warehouse and temp files live under work_dir."""
    work_dir.mkdir(parents=True, exist_ok=True)
    (work_dir / "duckdb_tmp").mkdir(exist_ok=True)
    env = dict(os.environ)
    env.update(
        DBT_PROFILES_DIR=str(REPO_ROOT),
        DBT_SEND_ANONYMOUS_USAGE_STATS="false",
        DBT_TARGET="duckdb",
        DUCKDB_PATH=str(work_dir / "warehouse.duckdb"),
        DUCKDB_TEMP_DIRECTORY=str(work_dir / "duckdb_tmp"),
        PATH=f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}",
    )
    return env


def postgres_environment(work_dir: Path, connection: Mapping[str, str]) -> dict[str, str]:
    """The environment of a dbt run on the `postgres` target of profiles.yml: dbt_environment
    plus DBT_TARGET=postgres and the PG* variables in `connection` (PGHOST, PGPORT, ...)."""
    env = dbt_environment(work_dir)
    env.update(connection)
    env["DBT_TARGET"] = "postgres"
    return env


def dbt_command(
    subcommand: str,
    *,
    project: Path,
    work_dir: Path,
    raw_dir: Path | None,
    variables: Mapping[str, str | int] | None = None,
) -> list[str]:
    """A dbt command line reading raw_dir (var raw_path; None: the target's raw schema), with
    target and logs kept under work_dir. Text vars are quoted, whole numbers are not."""
    all_vars = {**({"raw_path": str(raw_dir)} if raw_dir is not None else {}), **(variables or {})}
    vars_yaml = (
        "{"
        + ", ".join(
            f"{key}: {value}" if isinstance(value, int) else f'{key}: "{value}"'
            for key, value in all_vars.items()
        )
        + "}"
    )
    return [
        str(VENV_BIN / "dbt"),
        subcommand,
        "--project-dir",
        str(project),
        "--target-path",
        str(work_dir / "target"),
        "--log-path",
        str(work_dir / "logs"),
        "--vars",
        vars_yaml,
    ]


def run_checked(command: Sequence[str], env: dict[str, str] | None, what: str) -> None:
    """Run a command from the repository root; on failure raise with its last output lines."""
    result = subprocess.run(
        command, cwd=REPO_ROOT, env=env, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        tail = "\n".join((result.stdout + "\n" + result.stderr).splitlines()[-60:])
        raise RuntimeError(
            f"{what} failed (exit {result.returncode}):\n  {' '.join(command)}\n{tail}"
        )


def generate_raw(out_dir: Path, *, seed: int, users: int, end_date: str = "2026-10-31") -> Path:
    """Generate a raw Parquet folder with the project's demo data generator."""
    run_checked(
        [
            str(VENV_BIN / "kpikit"),
            "generate",
            "--out",
            str(out_dir),
            "--seed",
            str(seed),
            "--users",
            str(users),
            "--end-date",
            end_date,
            "--quiet",
        ],
        None,
        f"kpikit generate (seed {seed})",
    )
    return out_dir


def copy_project(destination: Path) -> Path:
    """Copy what dbt needs of the project (not data, environment or build output), for tests
    that build a deliberately broken variant of it."""
    destination.mkdir(parents=True)
    for name in ["dbt_project.yml", "profiles.yml"]:
        shutil.copy(REPO_ROOT / name, destination / name)
    for folder in ["models", "macros", "seeds", "analyses", "tests/generic"]:
        if (REPO_ROOT / folder).exists():
            shutil.copytree(REPO_ROOT / folder, destination / folder)
    return destination


def apt_install(package: str) -> None:
    """Install a Debian package the tests need (tests run as root, as on every machine of this
    project and in CI). A failure fails the test: the check it serves is not optional."""
    assert os.geteuid() == 0, f"{package} is missing and installing it needs root"
    for command in (["apt-get", "update"], ["apt-get", "install", "-y", package]):
        result = subprocess.run(
            command,
            capture_output=True,
            text=True,
            check=False,
            env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
        )
        assert result.returncode == 0, f"cannot install {package}: {result.stderr[-500:]}"


def build_project_copy(
    project: Path, raw_dir: Path, *selection: str
) -> subprocess.CompletedProcess[str]:
    """`dbt build` of a copied project (see copy_project) on raw_dir, with its build files under
    <project>/build; extra arguments (--select ...) follow. Never raises: tests read the result."""
    command = dbt_command("build", project=project, work_dir=project / "build", raw_dir=raw_dir)
    return subprocess.run(
        [*command, *selection],
        cwd=project,
        env=dbt_environment(project / "build"),
        capture_output=True,
        text=True,
        check=False,
    )
