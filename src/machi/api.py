"""The JSON API: one NinjaAPI, a router per app. OpenAPI at /api/openapi.json, docs at /api/docs.

Authentication is required unless an endpoint says `auth=None` (reads are public):
a personal token or the web session, see `machi.accounts.api_auth`. Refusals are
`{"detail": "…", "code": "…"}` in the request's language (Japanese by default), with the status
the error carries (`machi.core.errors`), and validation errors are 400, see `machi.api_errors`.
"""

from ninja import NinjaAPI
from ninja.renderers import JSONRenderer

from machi import api_errors
from machi.accounts.api import router as accounts_router
from machi.accounts.api_auth import API_AUTH
from machi.events.api import router as events_router
from machi.events.api_door import router as events_door_router
from machi.facilities.api import router as facilities_router
from machi.grants.api import router as grants_router
from machi.ledger.api import router as ledger_router
from machi.requests.api import router as requests_router


class UnicodeJSONRenderer(JSONRenderer):
    """Japanese stays readable in responses (UTF-8), instead of \\uXXXX escapes."""

    json_dumps_params = {"ensure_ascii": False}


# The docs page (Swagger UI, served from ninja's own static files) runs under the site's strict
# Content-Security-Policy as it is: no inline script, no CDN (tests/accounts/test_security.py).
api = NinjaAPI(
    title="Machi API",
    version="1",
    description=(
        "まちづくり推進経費の台帳と関連サービス。読み取りは認証不要。変更には個人用トークン"
        "（Authorization: Bearer <トークン>、`machi token create` で発行）か、ログインしたセッション"
        "（X-CSRFToken ヘッダーつき）が必要です。金額は円の整数、null は予算の計上なし（0 とは異なる）。"
    ),
    renderer=UnicodeJSONRenderer(),
    auth=API_AUTH,
)
api_errors.install(api)
api.add_router("", ledger_router)
api.add_router("", accounts_router)
api.add_router("", facilities_router)
api.add_router("", grants_router)
api.add_router("", events_router)
api.add_router("", events_door_router)
api.add_router("", requests_router)
