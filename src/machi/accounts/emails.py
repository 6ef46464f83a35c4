"""The mails the account pages send: the address check, and a group's review decision.

Each is written in the addressee's own language (User.preferred_language) from a
template under accounts/emails/. The views send them after the write action has
returned, that is after its transaction has committed (requests are not wrapped in
one), so nobody is told of a change that was rolled back.
"""

from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from machi.accounts.actions import EMAIL_VERIFICATION_MAX_AGE, email_verification_token


def _send(*, to: str, language: str, template: str, context: dict) -> None:
    with translation.override(language or "ja"):
        subject = render_to_string(f"accounts/emails/{template}_subject.txt", context)
        body = render_to_string(f"accounts/emails/{template}.txt", context)
    subject = " ".join(subject.split())  # one line: a header may not contain a line break
    send_mail(subject, body, None, [to])


def send_verification(request, user) -> None:
    """The link that confirms `user`'s (new) address and activates a new account."""
    token = email_verification_token(user)
    _send(
        to=user.email,
        language=user.preferred_language,
        template="verify_email",
        context={
            "user": user,
            "url": request.build_absolute_uri(reverse("accounts:verify", args=[token])),
            "days": EMAIL_VERIFICATION_MAX_AGE // (60 * 60 * 24),
            "login_url": request.build_absolute_uri(reverse("accounts:login")),
        },
    )


def send_group_decision(request, group) -> None:
    """Tell the group's representative that ward staff approved or declined the registration."""
    representative = group.representative
    if not representative.email:
        return
    _send(
        to=representative.email,
        language=representative.preferred_language,
        template="group_decision",
        context={
            "group": group,
            "user": representative,
            "groups_url": request.build_absolute_uri(reverse("accounts:groups")),
        },
    )
