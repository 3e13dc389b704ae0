"""Durability: the API under uvicorn on loopback, a client pushing 400 visits in batches with
retry + backoff, PostgreSQL restarted mid-run: afterwards exactly 400 rows, none lost, none
doubled. Restarts the machine's PostgreSQL once (a second or two): marked slow."""

import os
import subprocess
import threading
import time
import uuid
from pathlib import Path

import httpx
import pytest
from django.db import connection

from backend.visits.models import Visit
from bench.server import free_port, uvicorn_argv

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


def test_400_visits_survive_a_postgres_restart(server, deputy, record):
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
    for start in range(0, TOTAL, BATCH):
        if start == RESTART_AFTER_BATCHES * BATCH:
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
