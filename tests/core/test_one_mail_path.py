"""Mail has one path: only machi.core.mail hands mail to Django (django.core.mail); every other
module writes through `machi.core.mail.send`, so every mail is in the addressee's language and
goes only after commit."""

import ast
from pathlib import Path

import machi

SOURCE = Path(machi.__file__).resolve().parent


def uses_django_mail(tree: ast.AST) -> bool:
    for node in ast.walk(tree):
        if isinstance(node, ast.Import) and any(
            alias.name.startswith("django.core.mail") for alias in node.names
        ):
            return True
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.module.startswith("django.core.mail"):
                return True
            if node.module == "django.core" and any(alias.name == "mail" for alias in node.names):
                return True
    return False


def test_only_core_mail_hands_mail_to_django():
    senders = {
        path.relative_to(SOURCE).as_posix()
        for path in SOURCE.rglob("*.py")
        if uses_django_mail(ast.parse(path.read_text(encoding="utf-8")))
    }
    assert senders == {"core/mail.py"}
