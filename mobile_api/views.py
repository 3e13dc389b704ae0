from django.http import JsonResponse

from .errors import status_body


def api_not_found(request, *args, **kwargs):
    """Unknown path under /api/mobile/v1/: JSON 404, never Django's HTML page."""
    return JsonResponse(status_body(404), status=404, json_dumps_params={"ensure_ascii": False})
