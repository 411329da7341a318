"""A real PostgreSQL server for the ledger, run from Debian's server packages as a plain process.

Sits beside ``controlplane``: the pytest session fixture and ``make bench-ledger`` call
``Postgres.start(state_dir=...)``; it keeps everything under ``state_dir`` (data directory, log,
pid file, a generated password and a DSN file, both 0600) and listens on a free loopback port only
(no Unix socket). PostgreSQL refuses to run as root, so when we are root the server runs as an
unprivileged system user (``FOG_POSTGRES_USER``, default Debian's ``postgres``) through
``setpriv``. Processes a killed run left behind are stopped at the next start, like the control
plane's. The password never reaches a command line or a log: initdb reads it from a file and
clients read it from the DSN file or a passfile.

This module must not import psycopg (only the ledger package does); it drives the server with
Debian's own client binaries (``pg_isready``, ``psql``).
"""

from __future__ import annotations

import contextlib
import os
import pwd
import re
import secrets
import shutil
import signal
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from fogcompute_testbed.processes import (
    ManagedProcess,
    TestbedError,
    free_port,
    kill_stale,
    start_process,
    tail,
    wait_for,
)

__all__ = ["Postgres", "locate_postgres"]

START_TIMEOUT = 60.0
SUPERUSER = "fog"
_DB_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
# No fsync, as the control plane's etcd in tests: a killed *server* loses nothing (its writes are
# in the OS page cache); only a machine crash could. synchronous_commit stays on for that reason.
_FAST_SETTINGS = ("fsync=off", "full_page_writes=off")


def locate_postgres() -> Path:
    """The bin folder of the newest installed PostgreSQL server (``FOG_POSTGRES_BINDIR`` wins)."""
    explicit = os.environ.get("FOG_POSTGRES_BINDIR")
    candidates = [Path(explicit)] if explicit else _debian_bindirs()
    for folder in candidates:
        if all(os.access(folder / b, os.X_OK) for b in ("postgres", "initdb", "pg_isready")):
            return folder
    raise TestbedError(
        "no PostgreSQL server found (looked in "
        f"{', '.join(map(str, candidates)) or '/usr/lib/postgresql/*/bin'}): run "
        "hack/ensure-system.sh (installs Debian's postgresql) or set FOG_POSTGRES_BINDIR"
    )


def _debian_bindirs() -> list[Path]:
    root = Path("/usr/lib/postgresql")
    versions = [p for p in root.glob("*/bin") if p.parent.name.isdigit()] if root.is_dir() else []
    return sorted(versions, key=lambda p: int(p.parent.name), reverse=True)


@dataclass(frozen=True)
class _RunAs:
    """Who the server runs as: ourselves, or an unprivileged user when we are root."""

    uid: int
    gid: int

    @classmethod
    def for_server(cls) -> _RunAs:
        if os.geteuid() != 0:
            return cls(uid=os.geteuid(), gid=os.getegid())
        name = os.environ.get("FOG_POSTGRES_USER", "postgres")
        try:
            entry = pwd.getpwnam(name)
        except KeyError as exc:
            raise TestbedError(
                f"PostgreSQL refuses to run as root and user {name!r} does not exist: install "
                "Debian's postgresql (it creates 'postgres') or set FOG_POSTGRES_USER"
            ) from exc
        return cls(uid=entry.pw_uid, gid=entry.pw_gid)

    def argv(self, argv: list[str]) -> list[str]:
        if self.uid == os.geteuid():
            return argv
        prefix = ["setpriv", f"--reuid={self.uid}", f"--regid={self.gid}", "--clear-groups"]
        return [*prefix, "--", *argv]

    def own(self, path: Path) -> None:
        if self.uid != os.geteuid():
            os.chown(path, self.uid, self.gid)


def _write_secret(path: Path, text: str, *, run_as: _RunAs | None = None) -> None:
    """Write ``text`` to ``path``, readable only by its owner from the first byte on."""
    path.unlink(missing_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(text)
    if run_as is not None:
        run_as.own(path)


@dataclass
class Postgres:
    """A running server: its port, where its secrets are, and how to reach it."""

    root: Path
    bindir: Path
    port: int
    durable: bool
    run_as: _RunAs = field(repr=False)
    process: ManagedProcess | None = field(default=None, repr=False)

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def password_file(self) -> Path:
        return self.root / "password"

    @property
    def dsn_file(self) -> Path:
        """A libpq DSN for the ``postgres`` database, mode 0600 (it holds the password)."""
        return self.root / "postgres.dsn"

    @property
    def log(self) -> Path:
        return self.root / "logs" / "postgres.log"

    # ------------------------------------------------------------------ lifecycle
    @classmethod
    def start(cls, *, state_dir: Path, durable: bool = False, port: int | None = None) -> Postgres:
        """Start a server in ``state_dir`` (reusing its data directory if one is there).

        ``durable=False`` turns fsync off (a killed server still loses no commit); the
        benchmark passes ``durable=True``.
        """
        root = state_dir.resolve()
        kill_stale(root)
        root.mkdir(parents=True, exist_ok=True)
        server = cls(
            root=root,
            bindir=locate_postgres(),
            port=port or free_port(),
            durable=durable,
            run_as=_RunAs.for_server(),
        )
        server._init_cluster()
        server._write_client_files()
        server.resume()
        return server

    def resume(self) -> None:
        """Start the server process (again) on the same port and wait until it answers."""
        if self.process is not None and self.process.alive():
            return
        settings = [] if self.durable else list(_FAST_SETTINGS)
        argv = [
            str(self.bindir / "postgres"),
            "-D",
            str(self.data_dir),
            "-p",
            str(self.port),
            "-c",
            "listen_addresses=127.0.0.1",
            "-c",
            "unix_socket_directories=",
            "-c",
            "max_connections=60",
            *[arg for s in settings for arg in ("-c", s)],
        ]
        self.process = start_process(
            "postgres", self.run_as.argv(argv), state_dir=self.root, env=self._env()
        )
        wait_for(
            self._ready,
            what=f"PostgreSQL on 127.0.0.1:{self.port}",
            timeout=START_TIMEOUT,
            describe=lambda: tail(self.log, 5),
        )

    def stop(self) -> None:
        """Fast shutdown (SIGINT: roll back open sessions, checkpoint), SIGKILL if it hangs."""
        proc, self.process = self.process, None
        if proc is None:
            return
        if proc.alive():
            with contextlib.suppress(ProcessLookupError):
                os.kill(proc.popen.pid, signal.SIGINT)
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.popen.wait(30)
        proc.stop()

    def kill(self) -> None:
        """SIGKILL the server and its backends, as a crash would (tests of recovery use it).

        Backends run in sessions of their own, so they are killed by parent pid; a backend left
        attached to the old shared memory would stop the next start.
        """
        proc, self.process = self.process, None
        if proc is None:
            return
        for pid in [proc.popen.pid, *_children(proc.popen.pid)]:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
        proc.popen.wait(30)
        proc.stop()

    def restart(self) -> None:
        self.stop()
        self.resume()

    # ------------------------------------------------------------------ clients
    def dsn(self, dbname: str = "postgres") -> str:
        """A libpq connection string with the password: pass it on, never log it."""
        password = self.password_file.read_text().strip()
        return (
            f"host=127.0.0.1 port={self.port} user={SUPERUSER} password={password} "
            f"dbname={dbname} connect_timeout=5"
        )

    def write_dsn_file(self, path: Path, *, dbname: str) -> Path:
        """Write the DSN of ``dbname`` to ``path`` with mode 0600; return ``path``."""
        _write_secret(path, self.dsn(dbname) + "\n")
        return path

    def create_database(self, name: str) -> str:
        """Create an empty database ``name`` and return its DSN."""
        _check_name(name)
        self.psql(f"CREATE DATABASE {name}")
        return self.dsn(name)

    def drop_database(self, name: str) -> None:
        _check_name(name)
        self.psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    def psql(self, sql: str, *, dbname: str = "postgres") -> str:
        """Run ``sql`` with psql (ON_ERROR_STOP); return its output, or raise with psql's error."""
        result = subprocess.run(
            [
                str(self.bindir / "psql"),
                "-X",
                "-q",
                "-At",
                "-v",
                "ON_ERROR_STOP=1",
                "-h",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-U",
                SUPERUSER,
                "-d",
                dbname,
                "-c",
                sql,
            ],
            capture_output=True,
            text=True,
            check=False,
            env=self._env(),
            timeout=120,
        )
        if result.returncode != 0:
            raise TestbedError(f"psql failed ({dbname}): {result.stderr.strip()}")
        return result.stdout

    # ------------------------------------------------------------------ internals
    def _env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        env.update({"LC_ALL": "C.UTF-8", "LANG": "C.UTF-8", "PGPASSFILE": str(self._passfile)})
        return env

    @property
    def _passfile(self) -> Path:
        return self.root / "pgpass"

    def _ready(self) -> bool | None:
        if self.process is not None:
            self.process.check_alive()
        result = subprocess.run(
            [str(self.bindir / "pg_isready"), "-q", "-h", "127.0.0.1", "-p", str(self.port)],
            check=False,
            env=self._env(),
            timeout=10,
        )
        return True if result.returncode == 0 else None

    def _init_cluster(self) -> None:
        if (self.data_dir / "PG_VERSION").exists() and self.password_file.exists():
            return
        shutil.rmtree(self.data_dir, ignore_errors=True)
        self.data_dir.mkdir(mode=0o700)
        self.run_as.own(self.data_dir)
        password = secrets.token_urlsafe(24)
        _write_secret(self.password_file, password)
        # initdb runs as the server's user, so it gets its own copy, deleted right after.
        pwfile = self.root / "initdb.pw"
        _write_secret(pwfile, password, run_as=self.run_as)
        try:
            result = subprocess.run(
                self.run_as.argv(
                    [
                        str(self.bindir / "initdb"),
                        "-D",
                        str(self.data_dir),
                        f"--username={SUPERUSER}",
                        f"--pwfile={pwfile}",
                        "--auth=scram-sha-256",
                        "--encoding=UTF8",
                        "--locale=C.UTF-8",
                        "--no-sync",
                    ]
                ),
                capture_output=True,
                text=True,
                check=False,
                env=self._env(),
                timeout=300,
            )
        finally:
            pwfile.unlink(missing_ok=True)
        if result.returncode != 0:
            self.password_file.unlink(missing_ok=True)
            raise TestbedError(f"initdb failed in {self.data_dir}:\n{result.stderr.strip()}")

    def _write_client_files(self) -> None:
        password = self.password_file.read_text().strip()
        _write_secret(self._passfile, f"127.0.0.1:{self.port}:*:{SUPERUSER}:{password}\n")
        _write_secret(self.dsn_file, self.dsn() + "\n")
        (self.root / "logs").mkdir(exist_ok=True)


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, IndexError, ValueError):
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(stat.parent.name))
    return found


def _check_name(name: str) -> None:
    if not _DB_NAME.match(name):
        raise TestbedError(
            f"database name {name!r} is not a plain identifier: use lower-case letters, "
            "digits and underscores"
        )
