"""The ASGI entry point as uvicorn calls it: static files before Django, every other request
through OneHopASGIHandler (signals, middleware and view in one thread hop)."""

from __future__ import annotations

import json

import pytest
from asgiref.sync import async_to_sync
from asgiref.testing import ApplicationCommunicator
from django.core import signals

from backend.asgi import application


def _request(path: str, headers: list[tuple[bytes, bytes]] | None = None) -> dict:
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"testserver"), *(headers or [])],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }

    async def run() -> dict:
        comm = ApplicationCommunicator(application, scope)
        await comm.send_input({"type": "http.request", "body": b"", "more_body": False})
        start = await comm.receive_output(timeout=10)
        body = b""
        while True:
            message = await comm.receive_output(timeout=10)
            body += message.get("body", b"")
            if not message.get("more_body", False):
                break
        await comm.wait(timeout=10)
        return {
            "status": start["status"],
            "headers": dict(start["headers"]),
            "raw_headers": list(start["headers"]),
            "body": body,
        }

    return async_to_sync(run)()


@pytest.fixture
def finished_count():
    calls = []

    def receiver(**kwargs):
        calls.append(kwargs)

    signals.request_finished.connect(receiver)
    yield calls
    signals.request_finished.disconnect(receiver)


def test_static_files_are_served_before_django(finished_count):
    response = _request("/static/map_ui/common.js")
    assert response["status"] == 200
    assert response["headers"][b"content-type"].startswith(b"text/javascript")
    assert len(response["body"]) > 100
    assert finished_count == []  # Django never saw it


@pytest.mark.django_db(transaction=True)
def test_django_request_in_one_hop_finishes_once(finished_count):
    response = _request("/accounts/login/", [(b"accept-language", b"zh-hans")])
    assert response["status"] == 200
    assert "登录".encode() in response["body"]
    assert b"sessionid" not in response["headers"].get(b"set-cookie", b"")
    assert len(finished_count) == 1  # request_finished: the connection went back


@pytest.mark.django_db(transaction=True)
def test_json_errors_and_missing_static_files_go_through_django(finished_count):
    tile = _request("/tiles/cells/10/836/422.mvt", [(b"accept-language", b"en")])
    assert tile["status"] == 401
    assert json.loads(tile["body"])["code"] == "auth.required"
    missing = _request("/static/map_ui/no-such-file.js")
    assert missing["status"] == 404
    assert len(finished_count) == 2


# --- compression (docs/decisions.md "Compression") -------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("accept, encoding", [("gzip, deflate, br", "br"), ("gzip", "gzip")])
def test_django_responses_are_compressed_as_negotiated(accept, encoding):
    import gzip

    import brotli

    plain = _request("/accounts/login/", [(b"accept-language", b"en")])
    assert b"content-encoding" not in plain["headers"]
    packed = _request(
        "/accounts/login/",
        [(b"accept-language", b"en"), (b"accept-encoding", accept.encode())],
    )
    assert packed["status"] == 200
    assert packed["headers"][b"content-encoding"] == encoding.encode()
    assert b"accept-encoding" in packed["headers"][b"vary"].lower()
    body = (brotli.decompress if encoding == "br" else gzip.decompress)(packed["body"])
    assert b"csrfmiddlewaretoken" in body and b"</html>" in body
    assert len(packed["body"]) < len(body) / 2
    # One Content-Length, the compressed one (Django's capitalised header name would otherwise
    # stay beside the middleware's and uvicorn would refuse the response).
    lengths = [v for k, v in packed["raw_headers"] if k.lower() == b"content-length"]
    assert lengths == [str(len(packed["body"])).encode()]


@pytest.mark.parametrize("accept, encoding", [("br, gzip", "br"), ("gzip", "gzip")])
def test_static_files_are_served_precompressed(accept, encoding, finished_count):
    import gzip

    import brotli

    plain = _request("/static/leaflet/leaflet.js")
    packed = _request("/static/leaflet/leaflet.js", [(b"accept-encoding", accept.encode())])
    assert packed["headers"][b"content-encoding"] == encoding.encode()
    body = (brotli.decompress if encoding == "br" else gzip.decompress)(packed["body"])
    assert body == plain["body"]
    assert len(packed["body"]) < len(body) / 2
    assert finished_count == []  # ServeStatic's precompressed copy, Django never saw it


def test_token_responses_are_not_compressed():
    from backend.asgi import compressed_app

    assert compressed_app._is_handler_excluded({"path": "/api/mobile/v1/auth/login"})
    assert compressed_app._is_handler_excluded({"path": "/api/mobile/v1/auth/refresh"})
    assert not compressed_app._is_handler_excluded({"path": "/api/mobile/v1/me/cells"})
    assert not compressed_app._is_handler_excluded({"path": "/tiles/cells/10/836/422.mvt"})
