"""A trm/1 network of real node processes on 127.0.0.1, for crash tests and the recovery bench.

Each node has its own data directory and database (SQLite files, or one PostgreSQL
database per node on the server that DATABASE_URL names: ``<name>_<node>``, dropped and
created afresh), its own keys, and the same trust list, signed by a throw-away authority.
A node's web server (``trm serve``, gunicorn) and its exchange worker are separate process
groups, so that either can be killed with SIGKILL. A *hung* peer is a listed node whose
endpoint accepts connections and never answers.

``src`` chooses the code the nodes run (another checkout for a before/after comparison).
Every wait is bounded; ``close`` kills every process started and drops the databases.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from tests.nodes import free_port, wait_for_inbox  # noqa: E402
from trm.exchange import jose  # noqa: E402 - the pure core, without Django
from trm.exchange.messages import format_time  # noqa: E402
from trm.exchange.trustlist import sign_trust_list  # noqa: E402


class HungPeer:
    """Accepts every connection and never answers (until closed)."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = int(self.sock.getsockname()[1])
        self.held: list[socket.socket] = []
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        with contextlib.suppress(OSError):
            while True:
                conn, _ = self.sock.accept()
                self.held.append(conn)

    def close(self) -> None:
        for conn in [self.sock, *self.held]:
            with contextlib.suppress(OSError):
                conn.close()


class Proxy:
    """A TCP relay in front of a node: ``down()`` refuses connections (and cuts open ones), ``up()`` relays again.

    It makes an outage of an exact length, without the node's start-up time in it.
    """

    def __init__(self, upstream: int) -> None:
        self.upstream = upstream
        self.port = free_port()
        self._listener: socket.socket | None = None
        self._open: list[socket.socket] = []
        self._lock = threading.Lock()
        self.up()

    def up(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def down(self) -> None:
        with self._lock:
            sockets, self._open = [*self._open, *([self._listener] if self._listener else [])], []
            self._listener = None
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            with contextlib.suppress(OSError):
                sock.close()

    def _accept(self, listener: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while True:
                client, _ = listener.accept()
                try:
                    server = socket.create_connection(("127.0.0.1", self.upstream), timeout=5)
                except OSError:
                    client.close()
                    continue
                server.settimeout(None)
                with self._lock:
                    self._open += [client, server]
                for a, b in ((client, server), (server, client)):
                    threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                sink.sendall(data)
        for sock in (source, sink):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


def _postgres_base() -> str | None:
    url = os.environ.get("DATABASE_URL", "")
    return url if url.startswith("postgres") else None


def migrated_template(src: Path = ROOT / "src") -> Path:
    """Where a freshly migrated SQLite database for the migrations of ``src`` is kept between node sets.

    Named after the migrations of the tree the nodes run (a benchmark may run an older tree's
    ``src``), so that a tree never starts from another tree's schema.
    """
    import hashlib
    import tempfile

    import django

    digest = hashlib.sha256(django.__version__.encode())
    for path in sorted(src.glob("trm/*/migrations/*.py")):
        digest.update(path.relative_to(src).as_posix().encode() + b"\0" + path.read_bytes())
    return Path(tempfile.gettempdir()) / "trm-test-migrated" / f"{digest.hexdigest()[:32]}.sqlite3"


def copy_migrated(databases: Sequence[Path], migrate_first: Callable[[], object], *, src: Path = ROOT / "src") -> None:
    """Give every SQLite file in ``databases`` that does not exist yet the kept migrated database.

    Migrations write nothing of a node's own (no keys, ids or country), and migrating takes most
    of a node's start-up: the first set of nodes of a run migrates ``databases[0]``
    (``migrate_first``) and keeps a copy under a name made of the migrations themselves
    (``migrated_template``); every later set, in this run or the next, only copies it.
    """
    template = migrated_template(src)
    if not template.exists():
        if not databases[0].exists():
            migrate_first()
        template.parent.mkdir(parents=True, exist_ok=True)
        partial = template.with_name(f"{template.name}.{os.getpid()}.part")
        shutil.copyfile(databases[0], partial)
        os.replace(partial, template)  # atomic: another worker sees all of it or nothing
    for database in databases:
        if not database.exists():
            database.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(template, database)


class LocalNet:
    def __init__(
        self,
        base: Path,
        nodes: dict[str, str],
        *,
        hung: dict[str, str] | None = None,
        proxied: tuple[str, ...] = (),
        src: Path = ROOT / "src",
        database_url: str | None = None,
    ) -> None:
        """``nodes`` and ``hung`` map node ids to countries; ``database_url`` a PostgreSQL server to use.

        The peers reach a ``proxied`` node through a ``Proxy`` (``self.proxies[node]``).
        """
        self.base = base
        self.nodes = nodes
        self.src = src
        self.ports = {node: free_port() for node in nodes}
        self.hung = {node: HungPeer() for node in hung or {}}
        self.hung_countries = hung or {}
        self.proxies = {node: Proxy(self.ports[node]) for node in proxied}
        self.servers: dict[str, subprocess.Popen[bytes]] = {}
        self.workers: dict[str, subprocess.Popen[bytes]] = {}
        self.database_url = database_url if database_url is not None else _postgres_base()
        self.databases: dict[str, str] = {}
        self.token = ""
        self.authority: jose.PublicKey | None = None

    # --- environment ------------------------------------------------------------------

    def _database_for(self, node: str) -> str:
        if self.database_url is None:
            return f"sqlite:///{self.base / node / 'trm.sqlite3'}"
        server, _, name = self.database_url.rpartition("/")
        worker = os.environ.get("PYTEST_XDIST_WORKER", "")
        return f"{server}/{name}_{worker}_{node.replace('-', '_').replace('.', '_')}".replace("__", "_")

    def env(self, node: str, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("TRM_") and k != "DATABASE_URL"}
        env.update(
            {
                "TRM_MODE": "test",
                "TRM_NODE_ID": node,
                "TRM_COUNTRY": self.nodes[node],
                "TRM_DATA_DIR": str(self.base / node),
                "TRM_PUBLIC_URL": self.url(node),
                "TRM_LOG_LEVEL": "WARNING",
                "DATABASE_URL": self.databases.get(node) or self._database_for(node),
                "PYTHONPATH": os.pathsep.join([str(self.src), str(ROOT)]),
                **extra,
            }
        )
        return env

    def url(self, node: str) -> str:
        """The node's public URL, as the trust list gives it."""
        if node in self.hung:
            return f"http://127.0.0.1:{self.hung[node].port}"
        if node in self.proxies:
            return f"http://127.0.0.1:{self.proxies[node].port}"
        return f"http://127.0.0.1:{self.ports[node]}"

    # --- commands -----------------------------------------------------------------------

    def _popen(self, node: str, args: list[str], *, pipe: bool = False, **extra: str) -> subprocess.Popen[bytes]:
        out = subprocess.PIPE if pipe else subprocess.DEVNULL
        return subprocess.Popen(
            [sys.executable, "-m", "trm.cli", *args],
            env=self.env(node, **extra),
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.PIPE if pipe else subprocess.DEVNULL,
            start_new_session=True,
        )

    def trm(self, node: str, *args: str, timeout: float = 180) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "trm.cli", *args],
            env=self.env(node),
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if done.returncode != 0:
            raise AssertionError(f"trm {args[0]} on {node}: {done.stderr[-2000:]}")
        return done.stdout

    def trm_all(self, args_for: dict[str, list[str]], timeout: float = 300) -> dict[str, str]:
        procs = {node: self._popen(node, args, pipe=True) for node, args in args_for.items()}
        outputs = {}
        for node, proc in procs.items():
            out, err = proc.communicate(timeout=timeout)
            if proc.returncode != 0:
                raise AssertionError(f"{args_for[node][0]} on {node}: {err.decode()[-2000:]}")
            outputs[node] = out.decode()
        return outputs

    def spawn_python(self, node: str, code: str) -> subprocess.Popen[bytes]:
        """Run ``code`` in the node's Django in the background (``communicate()`` for its output)."""
        return self._popen(node, ["shell", "--no-imports", "-c", code], pipe=True)

    def python(self, node: str, code: str, timeout: float = 180) -> Any:
        """Run ``code`` in the node's Django; it must print one JSON document last."""
        output = self.trm(node, "shell", "--no-imports", "-c", code, timeout=timeout)
        return json.loads(output.strip().splitlines()[-1])

    def sql(self, node: str, query: str) -> list[tuple[Any, ...]]:
        """Read the node's database directly (plain columns only: ids, states, times)."""
        url = self.databases.get(node) or self._database_for(node)
        if url.startswith("sqlite:///"):
            import sqlite3

            with contextlib.closing(sqlite3.connect(url.removeprefix("sqlite:///"), timeout=30)) as conn:
                return list(conn.execute(query).fetchall())
        import psycopg

        with psycopg.connect(url) as conn:
            return list(conn.execute(query).fetchall())  # type: ignore[arg-type]

    def outbox_counts(self, node: str) -> dict[str, int]:
        """``{"<recipient> <status>": n}`` of the node's outbox."""
        rows = self.sql(node, "SELECT recipient, status, COUNT(*) FROM exchange_outboxmessage GROUP BY 1, 2")
        return {f"{recipient} {status}": int(n) for recipient, status, n in rows}

    # --- set-up -------------------------------------------------------------------------

    def prepare(self) -> None:
        for node in self.nodes:
            (self.base / node).mkdir(parents=True, exist_ok=True)
            self.databases[node] = self._database_for(node)
        if self.database_url is not None:
            self._recreate_databases()
            self.trm_all({node: ["migrate", "--verbosity", "0"] for node in self.nodes})
        else:
            # Migrations write nothing of a node's own (no keys, ids or country): one migrated
            # SQLite file copied to every node saves the others' migrations, most of the start-up.
            # The migrated file is kept for the whole run (and later runs) under a name made of the
            # migrations themselves, so that each set of nodes after the first migrates nothing.
            first = next(iter(self.nodes))
            copy_migrated(
                [self.base / node / "trm.sqlite3" for node in self.nodes],
                lambda: self.trm(first, "migrate", "--verbosity", "0"),
                src=self.src,
            )
        exports = self.trm_all({node: ["keys_export", "--init"] for node in self.nodes})
        entries = [json.loads(exports[node]) for node in self.nodes]
        now = datetime.now(UTC).replace(microsecond=0)
        listed = format_time(now - timedelta(days=1))
        for node, country in self.hung_countries.items():
            sig, enc = jose.generate_signing_key(), jose.generate_encryption_key()
            entries.append(
                {
                    "node_id": node,
                    "country": country,
                    "organisation": f"Synthetic office {node}",
                    "endpoint": self.url(node),
                    "revoked": False,
                    "keys": [
                        {"kid": k.kid, "use": k.use, "jwk": jose.public_jwk(k), "not_before": listed, "revoked": False}
                        for k in (enc, sig)
                    ],
                }
            )
        authority = jose.generate_signing_key()
        doc = {
            "v": "trm/1",
            "type": "trust_list",
            "network": "Synthetic local network",
            "sequence": 1,
            "issued": format_time(now),
            "next_update": format_time(now + timedelta(days=1)),
            "expires": format_time(now + timedelta(days=2)),
            "nodes": entries,
        }
        self.token = sign_trust_list(doc, authority_key=authority, now=now)
        self.authority = authority.public()
        (self.base / "list.jws").write_text(self.token)
        (self.base / "authority.json").write_text(json.dumps(jose.public_jwk(authority)))
        self.trm_all(
            {
                node: [
                    "trustlist_import",
                    str(self.base / "list.jws"),
                    "--authority",
                    str(self.base / "authority.json"),
                ]
                for node in self.nodes
            }
        )

    def _admin(self, sql: list[str]) -> None:
        import psycopg

        assert self.database_url is not None
        server, _, _name = self.database_url.rpartition("/")
        with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
            for statement in sql:
                conn.execute(statement)  # type: ignore[arg-type]

    def _db_names(self) -> list[str]:
        return [url.rpartition("/")[2] for url in self.databases.values()]

    def _recreate_databases(self) -> None:
        statements = []
        for name in self._db_names():
            statements += [f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"']
        self._admin(statements)

    # --- processes ----------------------------------------------------------------------

    def _serve(self, node: str, workers: int, **extra: str) -> None:
        self.servers[node] = self._popen(
            node,
            ["serve", "--bind", f"127.0.0.1:{self.ports[node]}", "--no-migrate", "--workers", str(workers)],
            **extra,
        )

    def start(self, node: str, *, workers: int = 2, within: float = 90, **extra: str) -> float:
        """Start the node's web server; returns the seconds it took to answer."""
        started = time.monotonic()
        self._serve(node, workers, **extra)
        wait_for_inbox(
            f"http://127.0.0.1:{self.ports[node]}", name=node, within=within - (time.monotonic() - started), step=0.1
        )
        return time.monotonic() - started

    def start_all(self, *, workers: int = 1, within: float = 120) -> None:
        """Start every node's web server and exchange worker at once; return when every server answers."""
        started = time.monotonic()
        for node in self.nodes:
            self._serve(node, workers)
            self.start_worker(node)
        for node in self.nodes:
            wait_for_inbox(
                f"http://127.0.0.1:{self.ports[node]}", name=node, within=within - (time.monotonic() - started)
            )

    def start_worker(self, node: str, *args: str, **extra: str) -> None:
        self.workers[node] = self._popen(node, ["exchange_worker", "--interval", "0.2", *args], **extra)

    @staticmethod
    def _kill(proc: subprocess.Popen[bytes] | None) -> None:
        if proc is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)

    def kill(self, node: str) -> None:
        """SIGKILL the node's web server."""
        self._kill(self.servers.pop(node, None))

    def kill_worker(self, node: str) -> None:
        self._kill(self.workers.pop(node, None))

    def close(self) -> None:
        for proc in [*self.servers.values(), *self.workers.values()]:
            self._kill(proc)
        self.servers.clear()
        self.workers.clear()
        for peer in self.hung.values():
            peer.close()
        for proxy in self.proxies.values():
            proxy.down()
        if self.database_url is not None and self.databases:
            with contextlib.suppress(Exception):
                self._admin([f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)' for name in self._db_names()])
