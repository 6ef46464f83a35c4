"""Deployment security: Django's deploy checks, protective headers, the API docs under the CSP, CSRF."""

import json
import os
import secrets
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

from machi.ledger.models import FigureChange

MACHI = str(Path(sys.executable).parent / "machi")


def production_env(folder: Path, **variables) -> dict:
    """The README's production variables and no MACHI_DEBUG: production is what Machi runs unless told."""
    # As production runs: without the test run's DJANGO_ALLOW_ASYNC_UNSAFE (tests/conftest.py).
    unset = ("DJANGO_ALLOW_ASYNC_UNSAFE", "MACHI_DEBUG", "MACHI_SECRET_KEY", "MACHI_ALLOWED_HOSTS")
    return {
        **{k: v for k, v in os.environ.items() if k not in unset},
        "MACHI_SECRET_KEY": secrets.token_urlsafe(64),
        "MACHI_ALLOWED_HOSTS": "machi.example.jp",
        "MACHI_PROXY_COUNT": "1",
        "MACHI_SITE_URL": "https://machi.example.jp",
        "MACHI_TASKS_BACKEND": "database",
        "MACHI_HOME": str(folder),
        **variables,
    }


def readme_gunicorn_command() -> list[str]:
    """The gunicorn command line of the README's "Production" section, as an operator copies it."""
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    production = readme.split("\n## Production\n", 1)[1].split("\n## ", 1)[0]
    (line,) = [line for line in production.splitlines() if line.startswith("gunicorn machi.wsgi:application")]
    return shlex.split(line, comments=True)


def test_production_is_the_default_passes_the_deploy_checks_and_shows_nobody_a_debug_page(command_env):
    """The README's production steps: collectstatic, `check --deploy`, the gunicorn command line."""
    folder = Path(command_env["MACHI_HOME"])
    env = production_env(folder, DATABASE_URL=command_env["DATABASE_URL"])
    collected = subprocess.run(
        [MACHI, "collectstatic", "--noinput", "-v0"], capture_output=True, text=True, env=env
    )
    assert collected.returncode == 0, collected.stderr  # production serves collected files only
    # Into STATIC_ROOT under MACHI_HOME: hashed names in a manifest, compressed beside them.
    manifest = json.loads((folder / "var" / "static" / "staticfiles.json").read_text())
    hashed = manifest["paths"]["machi.css"]
    assert hashed != "machi.css" and (folder / "var" / "static" / f"{hashed}.gz").exists()
    probe = (
        "from django.conf import settings; from django.core.management import call_command; "
        "from django.templatetags.static import static; from django.test import Client; "
        "call_command('check', deploy=True, fail_level='WARNING'); "
        "client = Client(HTTP_HOST='machi.example.jp'); "
        "page = client.get('/no-such-page/', secure=True); css = client.get(static('machi.css'), secure=True); "
        "ready = Client().get('/healthz/ready', HTTP_HOST='machi.example.jp'); "
        "print(settings.DEBUG, page.status_code, 'URLconf' in page.content.decode(), "
        "css.status_code, 'immutable' in css['Cache-Control'], ready.status_code)"
    )
    answered = subprocess.run(
        [MACHI, "shell", "-c", probe], capture_output=True, text=True, env=env, timeout=120
    )
    assert answered.returncode == 0, answered.stdout + answered.stderr
    # `machi check --deploy` is clean with the README's production variables, and DEBUG is off;
    # WhiteNoise serves the collected, hashed files to be cached for good; the load balancer's
    # readiness probe answers over plain HTTP.
    assert "System check identified no issues" in answered.stdout
    assert answered.stdout.splitlines()[-1] == "False 404 False 200 True 200"

    # The README's gunicorn command line is valid and loads Machi in production.
    command = readme_gunicorn_command()
    checked = subprocess.run(
        [str(Path(sys.executable).parent / "gunicorn"), *command[1:], "--check-config"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr

    # Without a secret key, production does not start, and says what to set.
    env.pop("MACHI_SECRET_KEY")
    for command in (["check"], ["makemigrations", "--check"]):
        refused = subprocess.run([MACHI, *command], capture_output=True, text=True, env=env, timeout=120)
        assert refused.returncode == 1
        assert refused.stderr.strip() == (
            "machi: MACHI_SECRET_KEY を設定してください（本番では必須です。開発用の機械では MACHI_DEBUG=1）"
        )


@pytest.mark.parametrize(("proxies", "status"), [("0", 301), ("1", 200)])
def test_the_scheme_a_proxy_reports_is_believed_only_when_a_proxy_is_configured(command_env, proxies, status):
    """In production, X-Forwarded-Proto: https from a client with no proxy in front is not HTTPS."""
    env = {
        **command_env,
        "MACHI_DEBUG": "0",
        "MACHI_SECRET_KEY": secrets.token_urlsafe(64),
        "MACHI_ALLOWED_HOSTS": "testserver",
        "MACHI_PROXY_COUNT": proxies,
    }
    probe = (
        "from django.test import Client; "
        "print(Client().get('/api/wards', HTTP_X_FORWARDED_PROTO='https').status_code)"
    )
    answered = subprocess.run(
        [MACHI, "shell", "-c", probe], capture_output=True, text=True, env=env, timeout=120
    )
    assert answered.returncode == 0, answered.stderr
    assert answered.stdout.splitlines()[-1] == str(status)


@pytest.mark.parametrize("path", ["/", "/api/projects", "/api/docs", "/api/openapi.json", "/accounts/login/"])
def test_responses_carry_the_protective_headers(kumamoto, path):
    response = Client().get(path)
    assert response.status_code == 200
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"


def test_refusals_from_the_api_carry_them_too(db):
    response = Client().patch("/api/projects/1", "{}", content_type="application/json")
    assert response.status_code == 401
    assert response["X-Frame-Options"] == "DENY" and response["X-Content-Type-Options"] == "nosniff"


def test_an_unsafe_api_call_through_the_session_without_csrf_is_refused(people):
    project = people["nishi_project"]
    before = FigureChange.objects.filter(project=project).count()
    client = Client(enforce_csrf_checks=True)
    client.force_login(people["city_admin"])
    response = client.patch(
        f"/api/projects/{project.pk}",
        json.dumps({"settled": 1, "reason": "他のサイトから"}),
        content_type="application/json",
    )
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
    assert FigureChange.objects.filter(project=project).count() == before
    for method, path in [("post", "/api/me/tokens"), ("delete", "/api/me/tokens/1")]:
        assert getattr(client, method)(path, "{}", content_type="application/json").status_code == 403


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_api_docs_work_under_the_content_security_policy(live_server, page, screenshot):
    """Swagger UI draws every operation, with no CSP violation and nothing fetched from elsewhere."""
    violations, foreign, errors = [], [], []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on(
        "request",
        lambda request: None if request.url.startswith(live_server.url) else foreign.append(request.url),
    )
    page.add_init_script(
        "window.cspViolations = []; document.addEventListener('securitypolicyviolation',"
        " e => window.cspViolations.push(e.violatedDirective + ' ' + e.blockedURI));"
    )
    response = page.goto(live_server.url + "/api/docs")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.wait_for_selector(".opblock-patch")
    assert page.locator(".opblock").count() >= 9
    page.locator(".opblock-patch .opblock-summary").click()
    page.get_by_text("Try it out").click()
    assert "settled" in page.locator(".opblock-patch textarea").input_value()
    screenshot("api-docs")
    assert page.evaluate("window.cspViolations") == []
    assert violations == [] and errors == [] and foreign == []
