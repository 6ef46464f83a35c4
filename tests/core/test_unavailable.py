"""A database that is down answers 503 with Retry-After: a page in Japanese (or English), the API in its own shape."""

import ast
import json
import secrets
import subprocess

import pytest
from tests.conftest import MACHI

PROBE = """
from django.test import Client
for path in ("/api/projects", "/2022/431010/"):
    for language in ("ja", "en"):
        answer = Client().get(path, HTTP_ACCEPT_LANGUAGE=language)
        print(answer.status_code, answer.get("Retry-After"), answer.get("Content-Type"), repr(answer.content.decode()), sep="\t")
"""


@pytest.fixture(scope="module")
def answers(tmp_path_factory):
    """Production settings and a PostgreSQL server nobody listens for (port 1 on the loopback)."""
    env = {
        "PATH": "/usr/bin:/bin",
        "DATABASE_URL": "postgres://machi@127.0.0.1:1/machi",
        "MACHI_DEBUG": "0",
        "MACHI_SECRET_KEY": secrets.token_urlsafe(64),
        "MACHI_ALLOWED_HOSTS": "testserver",
        "MACHI_SSL_REDIRECT": "0",
        "MACHI_HOME": str(tmp_path_factory.mktemp("down")),
    }
    run = subprocess.run([MACHI, "shell", "-c", PROBE], capture_output=True, text=True, env=env, timeout=120)
    assert run.returncode == 0, run.stderr
    lines = [line.split("\t") for line in run.stdout.splitlines() if line[:3].isdigit()]
    assert "Traceback" not in run.stderr
    return {(n // 2, ("ja", "en")[n % 2]): line for n, line in enumerate(lines)}


@pytest.mark.parametrize(
    ("language", "detail"),
    [
        ("ja", "ただいまデータベースに接続できません。しばらくしてからもう一度お試しください。"),
        ("en", "The database cannot be reached just now. Please try again in a little while."),
    ],
)
def test_the_api_answers_503_in_its_error_shape(answers, language, detail):
    status, retry_after, content_type, body = answers[(0, language)]
    assert (status, retry_after, content_type) == ("503", "30", "application/json; charset=utf-8")
    assert json.loads(ast.literal_eval(body)) == {"detail": detail, "code": "unavailable"}


@pytest.mark.parametrize(
    ("language", "words"),
    [("ja", "ただいまご利用いただけません"), ("en", "Machi is not available just now")],
)
def test_a_page_answers_503_with_a_page_that_says_so(answers, language, words):
    status, retry_after, content_type, body = answers[(1, language)]
    assert (status, retry_after, content_type) == ("503", "30", "text/html; charset=utf-8")
    page = ast.literal_eval(body)
    assert words in page and f'<html lang="{language}">' in page and "Traceback" not in page
