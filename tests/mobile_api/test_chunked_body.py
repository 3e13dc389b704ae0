"""A body sent with `Transfer-Encoding: chunked` (no Content-Length) is read, through a real
uvicorn server on loopback (issue 8, defect 13): it used to arrive empty
(400 `visits.records_required`)."""

import json
import os
import subprocess
import time
import uuid
from pathlib import Path

import httpx
import pytest
from django.db import connection

from backend.visits.models import Visit
from bench.server import free_port, uvicorn_argv

pytestmark = pytest.mark.django_db(transaction=True)
ROOT = Path(__file__).resolve().parents[2]


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


@pytest.fixture
def server(deputy, assigned, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    deputy.user.set_password("pass-1234")
    deputy.user.save()
    port = free_port()
    db = connection.settings_dict
    env = dict(
        os.environ,
        DATABASE_URL=f"postgis://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        REDIS_URL="",
        MOBILE_THROTTLE_LOGIN="1000/min",
        DJANGO_SETTINGS_MODULE="backend.settings",
    )
    process = subprocess.Popen(
        uvicorn_argv(port), cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
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


def chunked(data: bytes, size: int = 1000):
    """An iterator body: httpx sends it with Transfer-Encoding: chunked, no Content-Length."""
    for start in range(0, len(data), size):
        yield data[start : start + size]


def test_a_chunked_batch_is_read(server, record):
    client = httpx.Client(base_url=server + "/api/mobile/v1/", timeout=30)
    login = client.post(
        "auth/login",
        content=chunked(
            json.dumps(
                {"username": "deputy1", "password": "pass-1234", "device_id": "chunky"}
            ).encode(),
            size=7,
        ),
        headers={"Content-Type": "application/json"},
    )
    assert login.status_code == 200, login.text
    headers = {
        "Authorization": f"Bearer {login.json()['access']}",
        "Content-Type": "application/json",
    }
    records = [record(client_uuid=str(uuid.uuid4())) for _ in range(50)]
    request = client.build_request(
        "POST",
        "visits/sync",
        content=chunked(json.dumps({"records": records}).encode()),
        headers=headers,
    )
    assert request.headers["Transfer-Encoding"] == "chunked"
    assert "Content-Length" not in request.headers
    response = client.send(request)
    assert response.status_code == 200, response.text
    assert response.json()["summary"] == {
        "created": 50,
        "duplicate": 0,
        "conflict": 0,
        "rejected": 0,
    }
    assert Visit.objects.count() == 50
    # The body limit holds without a Content-Length too: 413, not a read of everything.
    big = b'{"records": [], "padding": "' + b"x" * (3 * 1024 * 1024) + b'"}'
    response = client.post("visits/sync", content=chunked(big, size=64 * 1024), headers=headers)
    assert (response.status_code, response.json()["code"]) == (413, "request.too_large")
