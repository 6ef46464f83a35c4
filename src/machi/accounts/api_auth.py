"""Who calls the API: a personal token (`Authorization: Bearer machi_…`) or a signed-in web session.

The API requires one of them by default (`NinjaAPI(auth=API_AUTH)`); an endpoint that
anyone may read says `auth=None`, so a new write can't be left open by forgetting.

- A token is looked up by its digest (`accounts.actions.user_for_token`). A request that
  sends an `Authorization` header which is not a valid, unrevoked token of an active person
  is refused with 401, even if it also carries a session: a bad credential is never
  quietly replaced by another one.
- A session must prove an unsafe request came from our own pages: the CSRF token in the
  `X-CSRFToken` header (Django's rule, as for forms); without it, 403. A token needs no
  CSRF token, as a browser never sends one by itself.
- With neither, 401.
"""

from django.conf import settings
from django.http import HttpRequest
from ninja.errors import AuthenticationError, HttpError
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from machi.accounts.actions import user_for_token

BAD_TOKEN = "トークンが正しくないか、失効しています（Authorization: Bearer <トークン> の形で送ってください）"
CSRF_FAILED = (
    "CSRF の確認に失敗しました（ログインしたセッションで変更するときは X-CSRFToken ヘッダーが必要です）"
)


class TokenAuth(HttpBearer):
    """`Authorization: Bearer <token>`, a personal token made with `machi token create` or POST /api/me/tokens."""

    def __call__(self, request: HttpRequest):
        header = request.headers.get(self.header)
        if header is None:
            return None  # no token: the session may still authenticate
        scheme, _, token = header.strip().partition(" ")
        user = self.authenticate(request, token.strip()) if scheme.lower() == "bearer" else None
        if user is None:
            raise AuthenticationError(message=BAD_TOKEN)
        return user

    def authenticate(self, request: HttpRequest, token: str):
        return user_for_token(token)


class SessionAuth(APIKeyCookie):
    """The web session (signed in at /accounts/login/), with Django's CSRF check on unsafe methods."""

    param_name = settings.SESSION_COOKIE_NAME

    def __init__(self) -> None:
        super().__init__(csrf=True)  # also tells the API docs page to send the CSRF token

    def __call__(self, request: HttpRequest):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not user.is_active:
            return None
        if not getattr(request, "_ninja_csrf_exempt", False) and check_csrf(request) is not None:
            raise HttpError(403, CSRF_FAILED)
        return user

    def authenticate(self, request: HttpRequest, key: str | None):  # pragma: no cover - __call__ decides
        return None


token_auth = TokenAuth()
session_auth = SessionAuth()
API_AUTH = [token_auth, session_auth]
