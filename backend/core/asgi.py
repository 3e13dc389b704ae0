"""Django's ASGI handler, with the synchronous part of a request in one thread hop.

Every view and middleware of this project is synchronous. Django's own ASGIHandler then crosses
from the event loop to its worker thread three times per request: for request_started (which
returns the database connection to the pool), for the middleware chain and view, and for
response.close() (request_finished). On this project's 2-core machines those hops cost about as
much as the rest of Django's work on a map tile (docs/benchmarks.md, docs/decisions.md).

`OneHopASGIHandler` runs signals, middleware, view and (for ordinary responses) close() in a
single `sync_to_async` call, then sends the bytes from the event loop. Streaming and file
responses are sent first and closed afterwards, as Django does. What is given up: Django's
listener that cancels the request task when the client disconnects, which cannot stop a
synchronous view anyway.
"""

from __future__ import annotations

import os

import django
from asgiref.sync import sync_to_async
from django.core import signals
from django.core.exceptions import RequestAborted
from django.core.handlers.asgi import ASGIHandler, get_script_prefix
from django.core.handlers.base import BaseHandler
from django.http import FileResponse
from django.urls import set_script_prefix


def with_content_length(scope: dict, body_file) -> dict:
    """The scope with a Content-Length of the body actually received, when the client sent
    none (`Transfer-Encoding: chunked`): Django's request takes a missing length for 0, and
    DRF then parses an empty body. The body is already buffered (read_body), so its size is
    known; the parsers' size limits then apply to chunked bodies as to any other."""
    headers = scope.get("headers") or []
    if any(name.lower() == b"content-length" for name, _value in headers):
        return scope
    size = body_file.seek(0, os.SEEK_END)
    body_file.seek(0)
    if not size:
        return scope
    return {**scope, "headers": [*headers, (b"content-length", str(size).encode("ascii"))]}


def lowercase_header_names(send):
    """`send` with the response's header names lowercased, as ASGI servers and middleware
    expect: Django sends `Content-Length`, and brotli-asgi (backend/asgi.py), looking for
    `content-length`, would add a second one beside the stale first instead of replacing it."""

    async def sender(message):
        if message["type"] == "http.response.start":
            headers = [(bytes(name).lower(), value) for name, value in message["headers"]]
            message = {**message, "headers": headers}
        await send(message)

    return sender


class OneHopASGIHandler(ASGIHandler):
    def __init__(self):
        BaseHandler.__init__(self)
        self.load_middleware(is_async=False)

    async def handle(self, scope, receive, send):
        try:
            body_file = await self.read_body(receive)
        except RequestAborted:
            return
        scope = with_content_length(scope, body_file)
        set_script_prefix(get_script_prefix(scope))
        try:
            response = await sync_to_async(self._respond, thread_sensitive=True)(scope, body_file)
            await self.send_response(response, lowercase_header_names(send))
            if response.streaming:
                await sync_to_async(response.close, thread_sensitive=True)()
        finally:
            body_file.close()

    def _respond(self, scope, body_file):
        signals.request_started.send(sender=self.__class__, scope=scope)
        request, error_response = self.create_request(scope, body_file)
        response = error_response if request is None else self.get_response(request)
        response._handler_class = self.__class__
        if isinstance(response, FileResponse):
            response.block_size = self.chunk_size  # ASGI servers chunk the body themselves
        if not response.streaming:
            # request_finished: the connection goes back to the pool before the bytes go out
            response.close()
        return response


def get_asgi_application() -> OneHopASGIHandler:
    django.setup(set_prefix=False)
    return OneHopASGIHandler()
