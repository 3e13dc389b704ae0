"""Durability: the API under uvicorn on loopback, a client pushing 400 visits in batches with
retry + backoff while a dashboard reads, PostgreSQL restarted mid-run: afterwards exactly 400 rows,
none lost, none doubled, and the dashboard answered no 5xx outside the restart window. Restarts
the machine's PostgreSQL once (a second or two): marked slow. The other faults (Redis, a worker,
SIGTERM) are in test_faults.py."""

import os
import subprocess
import threading
import time
import uuid
from pathlib import Path

import httpx
import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.test import Client

from backend.accounts.models import Role
from backend.visits.models import Visit
from bench.server import free_port, uvicorn_argv
from tests.factories import UserFactory

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]
ROOT = Path(__file__).resolve().parents[2]
TOTAL, BATCH = 400, 20
RESTART_AFTER_BATCHES = 6
PG_RESTART = ["pg_ctlcluster", "--skip-systemctl-redirect", "15", "main", "restart"]


def _wait_until_up(url: str, process, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited: {process.stdout.read()}")
        try:
            httpx.get(url + "/api/mobile/v1/schema/", timeout=2)
            return
        except httpx.HTTPError:
            time.sleep(0.3)
    raise RuntimeError("server did not start")


def _with_retry(call, *, attempts: int = 40):
    """Retry on transport errors and 5xx with exponential backoff (0.2 s .. 3 s)."""
    delay = 0.2
    for _ in range(attempts):
        try:
            response = call()
            if response.status_code < 500:
                return response
        except httpx.HTTPError:
            pass
        time.sleep(delay)
        delay = min(delay * 2, 3.0)
    raise AssertionError("gave up after retries")


@pytest.fixture
def server(deputy, assigned, settings):
    # The server runs with the real settings: store the password with the default hasher.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    deputy.user.set_password("pass-1234")
    deputy.user.save()
    port = free_port()
    db = connection.settings_dict
    env = dict(
        os.environ,
        DATABASE_URL=f"postgis://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        REDIS_URL="",
        SECRET_KEY=django_settings.SECRET_KEY,  # the dashboard session made here must verify
        AXES_ENABLED="false",
        MOBILE_THROTTLE_SYNC="100000/min",
        MOBILE_THROTTLE_LOGIN="1000/min",
        MOBILE_THROTTLE_READ="100000/min",
        DJANGO_SETTINGS_MODULE="backend.settings",
    )
    process = subprocess.Popen(
        uvicorn_argv(port),
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(url, process)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


class DashboardReader(threading.Thread):
    """A leader's dashboard polling the county's stats; every answer kept with its time."""

    def __init__(self, base_url: str, cookie: str):
        super().__init__(daemon=True)
        self.client = httpx.Client(base_url=base_url, headers={"Cookie": cookie}, timeout=10)
        self.reads: list[tuple[float, int | str]] = []
        self.stop = threading.Event()

    def run(self):
        with self.client:
            while not self.stop.is_set():
                try:
                    response = self.client.get("/api/map/v1/regions/430121/stats")
                    self.reads.append((time.monotonic(), response.status_code))
                except httpx.HTTPError as exc:
                    self.reads.append((time.monotonic(), type(exc).__name__))
                    time.sleep(0.1)


def dashboard_cookie(county) -> str:
    leader = UserFactory(username="leader1", role=Role.LEADER, jurisdiction=county)
    client = Client()
    client.force_login(leader)
    return f"sessionid={client.cookies['sessionid'].value}"


def test_400_visits_survive_a_postgres_restart(server, deputy, record, county):
    client = httpx.Client(base_url=server + "/api/mobile/v1/", timeout=10)
    login = _with_retry(
        lambda: client.post(
            "auth/login",
            json={"username": "deputy1", "password": "pass-1234", "device_id": "durable"},
        )
    )
    assert login.status_code == 200, login.text
    headers = {"Authorization": f"Bearer {login.json()['access']}"}
    records = [record(client_uuid=str(uuid.uuid4())) for _ in range(TOTAL)]
    reader = DashboardReader(server, dashboard_cookie(county))
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_postmaster_start_time()")
        started_before = cursor.fetchone()[0]
    # The test process's own connections die with the restart too: close them first.
    connection.close()
    connection.close_pool() if hasattr(connection, "close_pool") else None
    restart = threading.Thread(
        target=subprocess.run, args=(PG_RESTART,), kwargs={"check": True, "capture_output": True}
    )
    statuses = []
    reader.start()
    wait_until = time.monotonic() + 30
    while not any(status == 200 for _, status in reader.reads):  # the dashboard is reading
        assert time.monotonic() < wait_until, reader.reads[-5:]
        time.sleep(0.05)
    for start in range(0, TOTAL, BATCH):
        if start == RESTART_AFTER_BATCHES * BATCH:
            restart_began = time.monotonic()
            restart.start()
            time.sleep(0.3)  # let the restart begin while batches keep coming
        batch = records[start : start + BATCH]
        response = _with_retry(
            lambda b=batch: client.post("visits/sync", json={"records": b}, headers=headers)
        )
        assert response.status_code == 200, response.text
        statuses += [r["status"] for r in response.json()["results"]]
    restart.join(timeout=120)
    assert not restart.is_alive()
    restart_done = time.monotonic()
    wait_until = restart_done + 30
    while not any(t > restart_done and status == 200 for t, status in reader.reads):
        assert time.monotonic() < wait_until, reader.reads[-5:]
        time.sleep(0.05)
    reader.stop.set()
    reader.join(timeout=30)
    # The restart window: from the restart's start to the dashboard's first answer after it.
    recovered = min(t for t, status in reader.reads if t > restart_done and status == 200)
    outside = [status for t, status in reader.reads if not restart_began <= t <= recovered]
    assert outside.count(200) > 0 and set(outside) == {200}, set(outside)
    assert set(statuses) <= {"created", "duplicate"}
    # Fresh connection after the restart.
    connection.close()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_postmaster_start_time()")
        assert cursor.fetchone()[0] > started_before  # the server really was restarted
    assert Visit.objects.filter(deputy=deputy).count() == TOTAL
    assert Visit.objects.filter(deputy=deputy).values("client_uuid").distinct().count() == TOTAL
    assert {str(u) for u in Visit.objects.values_list("client_uuid", flat=True)} == {
        r["client_uuid"] for r in records
    }
