"""Health endpoints for the load balancer and the process supervisor: JSON, no login, no page.

- `/healthz/live`: the process answers (liveness). It touches no database, so a database that is
  away does not get every application server restarted.
- `/healthz/ready`: the process can serve (readiness): one cheap query (`SELECT 1`) on the
  database; 200 when it answers, else 503 with Retry-After, so the load balancer sends requests
  elsewhere until it is back.
"""

from django.db import DatabaseError, connections
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from machi.core import unavailable as database


@never_cache
@require_GET
def live(request):
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def ready(request):
    try:
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as error:
        database.log(request, error)
        response = JsonResponse({"status": "unavailable", "database": "unreachable"}, status=503)
        response["Retry-After"] = str(database.RETRY_AFTER_SECONDS)
        return response
    return JsonResponse({"status": "ok", "database": "ok"})
