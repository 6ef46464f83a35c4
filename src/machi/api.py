"""The JSON API: one NinjaAPI, a router per app. OpenAPI at /api/openapi.json."""

from ninja import NinjaAPI
from ninja.renderers import JSONRenderer

from machi.ledger.api import router as ledger_router


class UnicodeJSONRenderer(JSONRenderer):
    """Japanese stays readable in responses (UTF-8), instead of \\uXXXX escapes."""

    json_dumps_params = {"ensure_ascii": False}


api = NinjaAPI(
    title="Machi API",
    version="1",
    description="まちづくり推進経費の台帳と関連サービス",
    renderer=UnicodeJSONRenderer(),
)
api.add_router("", ledger_router)
