"""Faults under a bounded load: the app under real uvicorn (2 workers) on loopback, a phone client
posting visit batches with retry and backoff while a dashboard reads, and one fault per test:
a private Redis stopped and restarted, one worker killed mid-request, the whole server sent
SIGTERM and restarted. Afterwards exactly the expected rows (none lost, none doubled) and no 5xx.
Also the graceful stop itself (issue 8, defect 16): an in-flight request finishes, an open
dashboard socket gets 1012, and a stalled upload does not keep the process alive.

The machine's PostgreSQL and Redis are never restarted here: Redis faults use a redis-server of
this test's own on a free port (tests/mobile_api/test_durability.py restarts PostgreSQL).
"""

import contextlib
import json
import os
import signal
import socket
import subprocess
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.test import Client
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect as ws_connect

from backend.accounts.models import Role
from backend.visits.models import Visit
from bench.server import free_port, uvicorn_argv
from tests.factories import UserFactory

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]
ROOT = Path(__file__).resolve().parents[2]
EXIT_BOUND_S = 15  # a hang detector, not a performance figure
BATCH = 10
PASSWORD = "pass-1234"


def wait_for(condition, timeout_s: float, what: str):
    """Poll `condition` until it returns a true value; fail with `what` at the deadline."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code < 500
    except httpx.HTTPError:
        return False


class PrivateRedis:
    """A redis-server of this test only (no persistence), stopped and started on one port."""

    def __init__(self):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None

    def start(self):
        argv = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""]
        argv += ["--appendonly", "no"]
        self.process = subprocess.Popen(argv, stdout=subprocess.DEVNULL)
        wait_for(self.pong, 10, "redis-server to answer")

    def pong(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=10)


class AppServer:
    """uvicorn as `make run` starts it (bench.server.uvicorn_argv), on one port across restarts."""

    def __init__(self, env: dict, workers: int = 2):
        self.env, self.workers = env, workers
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = tempfile.TemporaryFile()  # noqa: SIM115 - outlives restarts, closed in close()
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            uvicorn_argv(self.port, workers=self.workers),
            cwd=ROOT,
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        wait_for(lambda: self.alive() and answers(self.url + "/api/mobile/v1/schema/"), 60, "up")

    def alive(self) -> bool:
        if self.process.poll() is not None:
            raise AssertionError(f"server exited: {self.output()}")
        return True

    def output(self) -> str:
        self.log.seek(0)
        return self.log.read().decode(errors="replace")[-3000:]

    def worker_pids(self) -> list[int]:
        found = subprocess.run(
            ["pgrep", "-P", str(self.process.pid)], capture_output=True, text=True
        )
        return [int(pid) for pid in found.stdout.split()]

    def sigterm_and_wait(self) -> int:
        """SIGTERM; the exit code once the process is gone (fails if it outlives the bound)."""
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=EXIT_BOUND_S)
        except subprocess.TimeoutExpired:
            self.stop()
            raise AssertionError(f"server still up {EXIT_BOUND_S} s after SIGTERM") from None

    def stop(self):
        if self.process and self.process.poll() is None:
            workers = self.worker_pids()
            self.process.terminate()
            try:
                self.process.wait(timeout=EXIT_BOUND_S)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            for pid in workers:  # never leave an orphan holding the test database
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)

    def close(self):
        self.stop()
        self.log.close()


@pytest.fixture
def redis_server():
    redis = PrivateRedis()
    redis.start()
    yield redis
    if redis.process.poll() is None:
        redis.stop()


@pytest.fixture
def leader(county):
    return UserFactory(username="leader1", role=Role.LEADER, jurisdiction=county)


@pytest.fixture
def app_server(redis_server, deputy, assigned, leader, settings):
    # The server hashes with the real settings: store the password with the default hasher.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    deputy.user.set_password(PASSWORD)
    deputy.user.save()
    db = connection.settings_dict
    env = dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="backend.settings",
        DATABASE_URL=f"postgis://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        DB_POOL="true",
        REDIS_URL=redis_server.url,
        SECRET_KEY=django_settings.SECRET_KEY,  # the sessions made here must verify there
        AXES_ENABLED="false",
        MOBILE_THROTTLE_SYNC="100000/min",
        MOBILE_THROTTLE_LOGIN="1000/min",
        MOBILE_THROTTLE_READ="100000/min",
    )
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    server = AppServer(env)
    server.start()
    yield server
    server.close()


def session_cookie(user) -> str:
    client = Client()
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}"


@contextlib.contextmanager
def live_socket(server: AppServer, cookie: str):
    """A dashboard's live socket, past its `live.ready`."""
    with ws_connect(
        server.url.replace("http", "ws") + "/ws/live/",
        additional_headers={"Cookie": cookie, "Origin": server.url},
        open_timeout=10,
    ) as ws:
        assert '"live.ready"' in ws.recv(timeout=10)
        yield ws


def login(server: AppServer) -> dict:
    response = with_retry(
        lambda c: c.post(
            "auth/login",
            json={"username": "deputy1", "password": PASSWORD, "device_id": "faults"},
        ),
        server,
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access']}"}


def with_retry(call, server: AppServer, *, attempts: int = 60, log=None):
    """The phone's outbox: retry on transport errors and 5xx, backoff 0.1 s doubling to 2 s."""
    delay = 0.1
    with httpx.Client(base_url=server.url + "/api/mobile/v1/", timeout=10) as client:
        for _ in range(attempts):
            try:
                response = call(client)
            except httpx.HTTPError as exc:
                if log is not None:
                    log.append(type(exc).__name__)
            else:
                if log is not None:
                    log.append(response.status_code)
                if response.status_code < 500:
                    return response
            time.sleep(delay)
            delay = min(delay * 2, 2.0)
    raise AssertionError("gave up after retries")


@dataclass
class Load:
    """A phone pushing batches and a dashboard reading, until stopped; everything recorded."""

    server: AppServer
    headers: dict
    cookie: str
    records: list = field(default_factory=list)
    statuses: list = field(default_factory=list)  # per-record sync results
    attempts: list = field(default_factory=list)  # every phone attempt: status or error name
    reads: list = field(default_factory=list)  # every dashboard read: status or error name
    batches_done: int = 0
    stop: threading.Event = field(default_factory=threading.Event)

    def run_phone(self, record):
        while not self.stop.is_set():
            batch = [record(client_uuid=str(uuid.uuid4())) for _ in range(BATCH)]
            self.records += batch
            response = with_retry(
                lambda c, b=batch: c.post("visits/sync", json={"records": b}, headers=self.headers),
                self.server,
                log=self.attempts,
            )
            assert response.status_code == 200, response.text
            self.statuses += [r["status"] for r in response.json()["results"]]
            self.batches_done += 1

    def run_dashboard(self):
        with httpx.Client(base_url=self.server.url, headers={"Cookie": self.cookie}) as client:
            while not self.stop.is_set():
                try:
                    response = client.get("/api/map/v1/regions/430121/stats", timeout=10)
                    self.reads.append(response.status_code)
                except httpx.HTTPError as exc:
                    self.reads.append(type(exc).__name__)
                    time.sleep(0.1)

    def __enter__(self):
        self.threads = [
            threading.Thread(target=self.run_phone, args=(self.record,)),
            threading.Thread(target=self.run_dashboard),
        ]
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=60)

    def wait_batches(self, more: int, what: str):
        target = self.batches_done + more
        wait_for(lambda: self.batches_done >= target, 60, what)


def assert_exactly_once(load: Load, deputy, extra=()):
    """Every record sent (by the load, plus `extra`) is stored once: none lost, none doubled;
    no 5xx ever answered."""
    assert load.batches_done * BATCH == len(load.statuses)
    sent = {r["client_uuid"] for r in [*load.records[: len(load.statuses)], *extra]}
    stored = [
        str(u) for u in Visit.objects.filter(deputy=deputy).values_list("client_uuid", flat=True)
    ]
    assert len(stored) == len(set(stored)) == len(sent)
    assert set(stored) == sent
    assert set(load.statuses) <= {"created", "duplicate"}
    assert not [s for s in load.attempts + load.reads if isinstance(s, int) and s >= 500]
    assert load.reads.count(200) > 0


@pytest.fixture
def load(app_server, record, leader):
    headers = login(app_server)
    cookie = session_cookie(leader)
    running = Load(app_server, headers, cookie)
    running.record = record
    return running


def test_redis_stopped_and_restarted_mid_run(load, app_server, redis_server, deputy):
    with load:
        load.wait_batches(3, "batches before the fault")
        redis_server.stop()
        load.wait_batches(3, "batches while Redis is down")
        assert load.reads.count(200) > 0
        redis_server.start()
        load.wait_batches(2, "batches after Redis returned")
        # Events resume: a dashboard socket sees the next batch's visits.
        with live_socket(app_server, load.cookie) as ws:
            assert '"visit.created"' in ws.recv(timeout=20)
    assert_exactly_once(load, deputy)
    # Dashboard reads never depended on Redis: none of them failed.
    assert all(status == 200 for status in load.reads)


def server_side_pid(server: AppServer, client: socket.socket) -> int:
    """The worker holding the server end of `client`'s TCP connection (via /proc)."""
    client_port = client.getsockname()[1]
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            local, remote = fields[1], fields[2]
            if (
                int(local.split(":")[1], 16) == server.port
                and int(remote.split(":")[1], 16) == client_port
            ):
                inodes.add(f"socket:[{fields[9]}]")
    for pid in server.worker_pids():
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            try:
                if os.readlink(fd) in inodes:
                    return pid
            except OSError:
                continue
    raise AssertionError("no worker holds the connection")


def stalled_upload(server: AppServer, headers: dict, body: bytes) -> socket.socket:
    """A batch POST whose headers the server has read and whose body it awaits (100 Continue)."""
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    request = (
        f"POST /api/mobile/v1/visits/sync HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n"
        f"Authorization: {headers['Authorization']}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\nExpect: 100-continue\r\n\r\n"
    )
    sock.sendall(request.encode())
    assert sock.recv(64).startswith(b"HTTP/1.1 100 Continue")
    return sock


def test_worker_killed_mid_request_is_retried_harmlessly(load, app_server, deputy, record):
    with load:
        load.wait_batches(3, "batches before the fault")
        batch = [record(client_uuid=str(uuid.uuid4())) for _ in range(BATCH)]
        body = json.dumps({"records": batch}).encode()
        sock = stalled_upload(app_server, load.headers, body)
        processes = app_server.worker_pids()  # workers (and multiprocessing's helpers)
        victim = server_side_pid(app_server, sock)
        os.kill(victim, signal.SIGKILL)
        # The connection dies with its worker: the phone sees an error, not an answer.
        sock.settimeout(10)
        with pytest.raises(OSError):
            sock.sendall(body)
            if not sock.recv(1024):
                raise ConnectionResetError("closed without an answer")
        sock.close()
        # The phone retries the same batch through the normal path.
        retried = with_retry(
            lambda c: c.post("visits/sync", json={"records": batch}, headers=load.headers),
            app_server,
        )
        assert retried.status_code == 200
        assert {r["status"] for r in retried.json()["results"]} == {"created"}
        # uvicorn's supervisor replaces the dead worker.
        wait_for(
            lambda: (
                (pids := app_server.worker_pids())
                and victim not in pids
                and len(pids) == len(processes)
            ),
            30,
            "a replacement worker",
        )
        load.wait_batches(3, "batches after the kill")
    assert_exactly_once(load, deputy, extra=batch)


def test_server_sigterm_mid_run_and_restart(load, app_server, deputy):
    with load:
        load.wait_batches(3, "batches before the restart")
        assert app_server.sigterm_and_wait() == 0
        app_server.start()
        load.wait_batches(3, "batches after the restart")
    assert_exactly_once(load, deputy)


def test_sigterm_finishes_in_flight_requests_and_closes_sockets_1012(
    app_server, leader, deputy, record
):
    """Defect 16: a stalled upload held uvicorn in "Waiting for connections to close" forever.
    The hostile pass's binary frame is part of the run: its socket gets a close frame (1003)."""
    headers = login(app_server)
    cookie = session_cookie(leader)
    with live_socket(app_server, cookie) as hostile:
        hostile.send(b"\x00\x01binary")
        with pytest.raises(ConnectionClosed) as refused:
            hostile.recv(timeout=10)
        assert refused.value.rcvd is not None and refused.value.rcvd.code == 1003
    with live_socket(app_server, cookie) as ws:
        _sigterm_with_work_open(app_server, ws, headers, record)
    assert Visit.objects.filter(deputy=deputy).count() == BATCH


def _sigterm_with_work_open(app_server, ws, headers, record):
    batch = [record(client_uuid=str(uuid.uuid4())) for _ in range(BATCH)]
    body = json.dumps({"records": batch}).encode()
    in_flight = stalled_upload(app_server, headers, body)
    stalled = stalled_upload(app_server, headers, b'{"records": []}')  # never sends its body
    app_server.process.send_signal(signal.SIGTERM)
    # The in-flight request still completes after the signal.
    in_flight.sendall(body)
    reply = b""
    while b"\r\n\r\n" not in reply or not reply.rstrip().endswith(b"}"):
        chunk = in_flight.recv(65536)
        if not chunk:
            break
        reply += chunk
    assert reply.startswith(b"HTTP/1.1 200"), reply[:200]
    # The dashboard socket is told the service restarts.
    with pytest.raises(ConnectionClosed) as closed:
        while True:
            ws.recv(timeout=EXIT_BOUND_S)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1012
    try:
        assert app_server.process.wait(timeout=EXIT_BOUND_S) == 0
    except subprocess.TimeoutExpired:
        output = app_server.output()
        app_server.stop()
        raise AssertionError(f"still up after SIGTERM: {output}") from None
    stalled.close()
    in_flight.close()
