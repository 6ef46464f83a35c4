"""`user_for_token`, run by every API call: one statement, and still only a live token of an active person."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from machi.accounts.actions import create_token, user_for_token
from machi.accounts.actors import SYSTEM
from machi.accounts.models import ApiToken

pytestmark = pytest.mark.django_db


@pytest.fixture
def hanako(django_user_model):
    return django_user_model.objects.create_user("hanako", "hanako@example.jp", display_name="熊本 花子")


def test_it_finds_the_person_in_one_query_and_marks_the_token_used_once_a_minute(hanako):
    token, plain = create_token(actor=SYSTEM, user=hanako, name="集計")
    with CaptureQueriesContext(connection) as first:
        found = user_for_token(plain)
    assert found == hanako and found.display_name == "熊本 花子" and found.home_ward_id is None
    assert len(first) == 2  # the lookup, and the first use recorded
    token.refresh_from_db()
    assert token.last_used_at is not None
    with CaptureQueriesContext(connection) as again:
        assert user_for_token(plain) == hanako
    assert len(again) == 1  # used a moment ago: no write
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now() - dt.timedelta(minutes=2))
    user_for_token(plain)
    token.refresh_from_db()
    assert timezone.now() - token.last_used_at < dt.timedelta(minutes=1)


def test_it_refuses_a_revoked_an_expired_and_a_deactivated_persons_token(hanako, django_user_model):
    revoked, revoked_plain = create_token(actor=SYSTEM, user=hanako)
    ApiToken.objects.filter(pk=revoked.pk).update(revoked_at=timezone.now())
    expired, expired_plain = create_token(actor=SYSTEM, user=hanako)
    ApiToken.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    taro = django_user_model.objects.create_user("taro", "taro@example.jp")
    _, taro_plain = create_token(actor=SYSTEM, user=taro)
    django_user_model.objects.filter(pk=taro.pk).update(is_active=False)
    for plain in (revoked_plain, expired_plain, taro_plain, revoked_plain + "x", "machi_", ""):
        assert user_for_token(plain) is None


def test_the_person_is_read_as_the_orm_reads_them_field_by_field(hanako, chuo):
    """The row becomes a User without a queryset: every field's value and type as `objects.get` gives them."""
    hanako.home_ward = chuo
    hanako.residency_verified_at = timezone.now()
    hanako.residency_verified_ward = chuo
    hanako.last_login = timezone.now()
    hanako.save()
    _, plain = create_token(actor=SYSTEM, user=hanako)
    found, expected = user_for_token(plain), type(hanako).objects.get(pk=hanako.pk)
    for field in type(hanako)._meta.concrete_fields:
        got, wanted = getattr(found, field.attname), getattr(expected, field.attname)
        assert (got, type(got)) == (wanted, type(wanted)), field.name
    assert found._state.adding is False and found._state.db == "default"


@pytest.mark.django_db(transaction=True)
def test_on_postgresql_the_last_use_is_written_without_waiting_for_the_disk_and_only_that(django_user_model):
    """Outside a transaction the write of the token's use commits asynchronously, alone: the connection's
    setting is back to on for what follows. Inside one (a test's, or an action's) it is a plain update."""
    if connection.vendor != "postgresql":
        pytest.skip("synchronous_commit is PostgreSQL's")
    hanako = django_user_model.objects.create_user("hanako", "hanako@example.jp")
    token, plain = create_token(actor=SYSTEM, user=hanako)
    with CaptureQueriesContext(connection) as calls:
        assert user_for_token(plain) == hanako
    assert calls[-1]["sql"].startswith("SET LOCAL synchronous_commit TO OFF; UPDATE")
    token.refresh_from_db()
    assert token.last_used_at is not None
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        assert cursor.fetchone()[0] == "on"
