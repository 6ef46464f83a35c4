"""The JSON API: one NinjaAPI, a router per app. OpenAPI at /api/openapi.json."""

from ninja import NinjaAPI

from machi.ledger.api import router as ledger_router

api = NinjaAPI(title="Machi API", version="1", description="まちづくり推進経費の台帳と関連サービス")
api.add_router("", ledger_router)
