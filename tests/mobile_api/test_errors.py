"""Nothing under /api/mobile/ ever answers HTML: unexpected failures in a view, outside a view,
Django's own error pages and axes lockout pages all become JSON."""

import pytest
from django.http import HttpResponse, HttpResponseServerError
from django.test import RequestFactory

from mobile_api.middleware import ApiJsonErrorsMiddleware

pytestmark = pytest.mark.django_db


def test_unexpected_error_in_a_view_is_json_500(api, monkeypatch):
    def boom(**kwargs):
        raise RuntimeError("database on fire")

    monkeypatch.setattr("mobile_api.apis.me.deputy_year_progress", boom)
    response = api.get("me")
    assert response.status_code == 500
    assert response.json() == {"code": "server.error", "message": "服务器出错，请稍后重试。"}
    assert "fire" not in response.content.decode()


def test_middleware_turns_html_errors_and_exceptions_into_json():
    factory = RequestFactory()

    def raises(request):
        raise ValueError("outside any view")

    middleware = ApiJsonErrorsMiddleware(raises)
    response = middleware(factory.get("/api/mobile/v1/me", HTTP_ACCEPT_LANGUAGE="en"))
    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    html_500 = ApiJsonErrorsMiddleware(lambda r: HttpResponseServerError("<h1>oops</h1>"))
    converted = html_500(factory.get("/api/mobile/v1/me", HTTP_ACCEPT_LANGUAGE="en"))
    assert converted.status_code == 500
    assert converted.content == (
        b'{"code": "server.error", "message": '
        b'"Something went wrong on our side; please retry later."}'
    )
    # Outside the API prefix nothing is touched, and exceptions propagate as usual.
    page = ApiJsonErrorsMiddleware(lambda r: HttpResponse("<h1>x</h1>", status=404))
    assert page(factory.get("/dashboard/")).content == b"<h1>x</h1>"
    with pytest.raises(ValueError, match="outside any view"):
        middleware(factory.get("/dashboard/"))


@pytest.mark.asyncio
async def test_middleware_async_path():
    async def raises(request):
        raise ValueError("async failure")

    middleware = ApiJsonErrorsMiddleware(raises)
    response = await middleware(RequestFactory().get("/api/mobile/v1/visits"))
    assert response.status_code == 500 and response["Content-Type"] == "application/json"
