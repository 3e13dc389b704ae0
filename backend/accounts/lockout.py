"""The answer to a locked-out login (django-axes' AXES_LOCKOUT_CALLABLE), for every login path.

429 with `Retry-After`: the seconds until the cool-off of the latest counted failure of this
username + IP ends (AXES_LOCKOUT_PARAMETERS), so a client knows when to try again. A JSON answer
already made by the API (the phone's `auth.locked_out`) is kept and given the header; the
dashboard's session login gets a page in the request's language (zh-hans first, English).
"""

from __future__ import annotations

import math

from axes.helpers import get_client_username, get_cool_off
from axes.models import AccessAttempt
from django.db.models import Max
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

LOCKOUT_STATUS = 429


def lockout_retry_after_s(request: HttpRequest, credentials: dict | None = None) -> int:
    """Whole seconds (at least 1) until the lockout of this username + IP ends."""
    cool_off = get_cool_off(request)
    if cool_off is None:  # permanent lockout: say "not soon" without a date
        return 24 * 3600
    latest = AccessAttempt.objects.filter(
        username=get_client_username(request, credentials),
        ip_address=getattr(request, "axes_ip_address", None),
    ).aggregate(latest=Max("attempt_time"))["latest"]
    now = timezone.now()
    remaining = ((latest or now) + cool_off - now).total_seconds()
    return max(1, math.ceil(remaining))


def lockout_response(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict | None = None,
) -> HttpResponse:
    retry_after_s = lockout_retry_after_s(request, credentials)
    original_type = original_response.get("Content-Type", "") if original_response else ""
    if original_response is not None and original_type.startswith("application/json"):
        response = original_response
        response.status_code = LOCKOUT_STATUS
    else:
        response = render(
            request,
            "registration/lockout.html",
            {"retry_after_s": retry_after_s, "minutes": math.ceil(retry_after_s / 60)},
            status=LOCKOUT_STATUS,
        )
    response["Retry-After"] = str(retry_after_s)
    return response
