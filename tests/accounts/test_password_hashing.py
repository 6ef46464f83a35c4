"""Passwords are stored with Django's default hasher (the suite itself runs on a fast one)."""

from django.conf import global_settings
from django.contrib.auth.hashers import check_password, identify_hasher
from django.test import override_settings

from machi import settings as machi_settings


def test_machi_keeps_django_s_default_password_hashers():
    assert not hasattr(machi_settings, "PASSWORD_HASHERS")
    assert global_settings.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.PBKDF2PasswordHasher"


@override_settings(PASSWORD_HASHERS=global_settings.PASSWORD_HASHERS)
def test_a_password_is_stored_as_a_salted_pbkdf2_hash(django_user_model, db):
    user = django_user_model.objects.create_user("hasher", password="kumamoto-castle-2022")
    user.refresh_from_db()
    assert identify_hasher(user.password).algorithm == "pbkdf2_sha256"
    assert "kumamoto-castle-2022" not in user.password
    assert check_password("kumamoto-castle-2022", user.password)
    assert not check_password("kumamoto-castle-2021", user.password)
