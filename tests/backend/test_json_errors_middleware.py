"""The shared JSON-errors middleware: JSON under its prefixes, untouched elsewhere."""

import asyncio
import json

import pytest
from django.http import HttpResponse, HttpResponseNotFound
from django.test import RequestFactory

from map_ui.data.http import MapJsonErrorsMiddleware


def boom(request):
    raise RuntimeError("broken view")


def test_exception_under_the_prefix_becomes_json_500():
    response = MapJsonErrorsMiddleware(boom)(RequestFactory().get("/api/map/v1/gaps"))
    assert response.status_code == 500
    assert json.loads(response.content)["code"] == "server.error"


def test_exception_elsewhere_is_not_swallowed():
    with pytest.raises(RuntimeError, match="broken view"):
        MapJsonErrorsMiddleware(boom)(RequestFactory().get("/dashboard/"))


def test_html_404_under_the_prefix_becomes_json_and_pages_keep_html():
    middleware = MapJsonErrorsMiddleware(lambda r: HttpResponseNotFound("<h1>nope</h1>"))
    tile = middleware(RequestFactory().get("/tiles/cells/1/2/3.mvt"))
    assert (tile.status_code, json.loads(tile.content)["code"]) == (404, "request.not_found")
    page = middleware(RequestFactory().get("/stations/"))
    assert page.content == b"<h1>nope</h1>"


def test_async_stack_gets_the_same_answers():
    async def ok(request):
        return HttpResponse("fine")

    async def broken(request):
        raise RuntimeError("broken view")

    factory = RequestFactory()
    assert asyncio.run(MapJsonErrorsMiddleware(ok)(factory.get("/api/map/v1/x"))).content == b"fine"
    failed = asyncio.run(MapJsonErrorsMiddleware(broken)(factory.get("/api/map/v1/x")))
    assert failed.status_code == 500
