"""The answers kept for `Idempotency-Key` retries are forgotten after 48 hours, by the daily task."""

import datetime

from django.utils import timezone

from machi.accounts.models import IdempotentAnswer
from machi.accounts.tasks import forget_idempotent_answers


def test_answers_older_than_48_hours_are_deleted_and_younger_ones_kept(django_user_model):
    alice = django_user_model.objects.create_user("alice")
    bob = django_user_model.objects.create_user("bob")
    now = timezone.now()
    old = IdempotentAnswer.objects.create(user=alice, key="a", operation="x", digest="d", status=201)
    young = IdempotentAnswer.objects.create(user=bob, key="a", operation="x", digest="d", status=201)
    IdempotentAnswer.objects.filter(pk=old.pk).update(created_at=now - datetime.timedelta(hours=49))
    IdempotentAnswer.objects.filter(pk=young.pk).update(created_at=now - datetime.timedelta(hours=47))

    assert forget_idempotent_answers.enqueue().return_value == 1

    assert list(IdempotentAnswer.objects.all()) == [young]
