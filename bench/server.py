"""The app under uvicorn on a free loopback port, as `make run` serves it (the production ASGI
stack with psycopg's pool), for the benchmarks that time requests through real HTTP."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
# On SIGTERM uvicorn stops accepting, lets in-flight requests finish and closes websockets with
# 1012; a connection that never completes its request (a stalled upload) would hold the process
# forever ("Waiting for connections to close"), so it is cut after this many seconds. Under
# docker's default 10 s stop grace. The same value as `make run` and docker/Dockerfile.
GRACEFUL_SHUTDOWN_S = 5


def app_env(db_name: str, **extra: str) -> dict:
    """The environment of the app under benchmark: database `db_name`, Redis (REDIS_URL or db 0),
    quiet logs, no login lockout (the benchmarks log in many times from one address), `extra`."""
    import os

    return dict(
        os.environ,
        DATABASE_URL=f"postgis://postgres@127.0.0.1:5432/{db_name}",
        REDIS_URL=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
        DJANGO_SETTINGS_MODULE="backend.settings",
        LOG_LEVEL="WARNING",
        AXES_ENABLED="false",
        **extra,
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def uvicorn_argv(port: int, *, workers: int = 1) -> list[str]:
    """The command line of `make run`'s server on loopback (also used by the tests that need a
    real server: tests/browser, tests/mobile_api/test_durability.py)."""
    return [
        sys.executable,
        "-m",
        "uvicorn",
        "backend.asgi:application",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--lifespan",
        "off",
        "--timeout-graceful-shutdown",
        str(GRACEFUL_SHUTDOWN_S),
        "--log-level",
        "warning",
        "--no-access-log",
    ]


def start_uvicorn(env: dict, *, workers: int, ready_path: str) -> tuple[subprocess.Popen, str]:
    """Start uvicorn with `env`; returns (process, base URL) once `ready_path` answers."""
    port = free_port()
    process = subprocess.Popen(
        uvicorn_argv(port, workers=workers), cwd=ROOT, env={**env, "DB_POOL": "true"}
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            httpx.get(base + ready_path, timeout=2)
            return process, base
        except httpx.HTTPError:
            time.sleep(0.2)
    process.terminate()
    raise RuntimeError("uvicorn did not start")
