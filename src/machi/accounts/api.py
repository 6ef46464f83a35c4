"""The caller's own account in the API: who am I, with which roles, and my personal tokens.

Everything here needs authentication. A token is shown once, in the answer that creates
it; only its prefix is listed afterwards. Creating a token needs the web session: a token
cannot mint further tokens, so revoking a leaked one is enough to shut it out.
"""

import datetime as dt
from typing import Literal

from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from pydantic import ConfigDict

from machi.accounts import actions
from machi.accounts.api_auth import session_auth
from machi.accounts.models import ApiToken
from machi.accounts.queries import is_city_admin
from machi.api_errors import AUTH_ERRORS, NO_CONTROL, ErrorOut, ValidationErrorOut
from machi.api_support import BodyIn, local_time, row_id
from machi.core.errors import NotFound

router = Router(tags=["accounts"])

RowId = row_id()


class RoleOut(Schema):
    role: Literal["city-admin", "ward-staff", "centre-manager"]
    label: str = Field(description="役割の名前（市の管理者・区職員・センター管理者）")
    ward: str | None = Field(description="区職員の区。他の役割では null")
    ward_code: str | None
    centre: str | None = Field(description="センター管理者のセンター。他の役割では null")


class MeOut(Schema):
    username: str
    display_name: str
    email: str
    city_admin: bool = Field(description="市の管理者（すべての区を変更できる）")
    roles: list[RoleOut]


class TokenOut(Schema):
    id: int
    prefix: str = Field(description="トークンの先頭（識別用。トークン全体は作成時にだけ表示）")
    name: str
    created_at: dt.datetime
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None = Field(description="失効日時。null は失効させていない")
    expires_at: dt.datetime = Field(description="有効期限。過ぎたトークンは使えない（401）")
    active: bool = Field(description="失効しておらず、有効期限の前")


class NewTokenIn(BodyIn):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(
        "", max_length=100, pattern=NO_CONTROL, description="用途のメモ（例: 会計システム連携）"
    )


class NewTokenOut(TokenOut):
    token: str = Field(description="トークン本体。この応答でだけ表示され、保存されません")


@router.get("/me", response={200: MeOut, 401: ErrorOut}, summary="自分のアカウントと役割")
def me(request):
    user = request.auth
    grants = user.role_grants.select_related("ward", "centre").order_by("role", "ward__code", "centre__name")
    return {
        "username": user.get_username(),
        "display_name": str(user),
        "email": user.email,
        "city_admin": is_city_admin(user),
        "roles": [
            {
                "role": grant.role,
                "label": str(grant.get_role_display()),
                "ward": grant.ward.name if grant.ward else None,
                "ward_code": grant.ward.code if grant.ward else None,
                "centre": grant.centre.name if grant.centre else None,
            }
            for grant in grants
        ],
    }


@router.get("/me/tokens", response={200: list[TokenOut], 401: ErrorOut}, summary="自分のトークンの一覧")
def list_tokens(request):
    return [_token_out(token) for token in ApiToken.objects.filter(user=request.auth)]


@router.post(
    "/me/tokens",
    auth=[session_auth],
    response={201: NewTokenOut, 400: ValidationErrorOut, **AUTH_ERRORS},
    summary="トークンを作成する（ログインしたセッションから。トークンは一度だけ表示）",
)
def create_token(request, payload: NewTokenIn):
    token, plain = actions.create_token(actor=request.auth, user=request.auth, name=payload.name.strip())
    return Status(201, {**_token_out(token), "token": plain})


@router.delete(
    "/me/tokens/{token_id}",
    response={200: TokenOut, 400: ValidationErrorOut, **AUTH_ERRORS, 404: ErrorOut},
    summary="自分のトークンを失効させる",
)
def revoke_token(request, token_id: RowId):
    token = ApiToken.objects.filter(pk=token_id, user=request.auth).first()
    if token is None:
        raise NotFound(_("トークンが見つかりません（id: %(id)s）") % {"id": token_id})
    return _token_out(actions.revoke_token(actor=request.auth, token=token))


def _token_out(token: ApiToken) -> dict:
    local = local_time
    return {
        "id": token.pk,
        "prefix": token.prefix,
        "name": token.name,
        "created_at": local(token.created_at),
        "last_used_at": local(token.last_used_at),
        "revoked_at": local(token.revoked_at),
        "expires_at": local(token.expires_at),
        "active": token.active,
    }
