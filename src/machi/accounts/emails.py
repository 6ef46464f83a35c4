"""The mails the account pages send: the address check, a password reset, a sign-up with a registered
address, and a group's review decision.

Each is written in the addressee's own language (User.preferred_language) from a template
under accounts/emails/ and sent through `machi.core.mail`: by a background task, after the
current transaction commits, so nobody is told of a change that was rolled back.
"""

from django.contrib.auth.tokens import default_token_generator
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from machi.accounts.actions import EMAIL_VERIFICATION_MAX_AGE, email_change_token, email_verification_token
from machi.core import mail


def _send(*, to: str, language: str, template: str, context: dict) -> None:
    mail.send(
        to=to,
        subject_template=f"accounts/emails/{template}_subject.txt",
        body_template=f"accounts/emails/{template}.txt",
        context=context,
        language=language,
    )


def send_verification(request, user) -> None:
    """The link that confirms `user`'s (new) address and activates a new account."""
    token = email_verification_token(user)
    _send(
        to=user.email,
        language=user.preferred_language,
        template="verify_email",
        context={
            "user": user,
            "url": mail.absolute_url(reverse("accounts:verify", args=[token]), request),
            "days": EMAIL_VERIFICATION_MAX_AGE // (60 * 60 * 24),
            "login_url": mail.absolute_url(reverse("accounts:login"), request),
        },
    )


def send_email_change(request, user) -> None:
    """The link that confirms the new address `user` asked for, to that new address; and a word to the old one.

    The old address hears of the request without the new address or the link: if someone else
    asked (a session left open), its owner learns of it and can change the password in time.
    """
    _send(
        to=user.pending_email,
        language=user.preferred_language,
        template="change_email",
        context={
            "user": user,
            "url": mail.absolute_url(
                reverse("accounts:confirm_email_change", args=[email_change_token(user)]), request
            ),
            "days": EMAIL_VERIFICATION_MAX_AGE // (60 * 60 * 24),
        },
    )
    _send(
        to=user.email,
        language=user.preferred_language,
        template="change_email_notice",
        context={
            "user": user,
            "password_url": mail.absolute_url(reverse("accounts:password_change"), request),
            "reset_url": mail.absolute_url(reverse("accounts:password_reset"), request),
        },
    )


def send_signup_attempt(request, user) -> None:
    """Tell the holder of an address that someone signed up with it, with a link to set a new password.

    The sign-up page answers as if a new account were made, so it tells no one which addresses
    are registered; only the mailbox's owner learns it.
    """
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    reset = reverse("accounts:password_reset_confirm", args=[uid, default_token_generator.make_token(user)])
    _send(
        to=user.email,
        language=user.preferred_language,
        template="signup_attempt",
        context={
            "user": user,
            "reset_url": mail.absolute_url(reset, request),
            "login_url": mail.absolute_url(reverse("accounts:login"), request),
        },
    )


def send_password_reset(*, subject_template: str, body_template: str, context: dict, to: str) -> None:
    """The password-reset link Django's PasswordResetForm writes, in the account holder's language."""
    user = context.get("user")
    reset = reverse("accounts:password_reset_confirm", args=[context["uid"], context["token"]])
    mail.send(
        to=to,
        subject_template=subject_template,
        body_template=body_template,
        context=context | {"reset_url": mail.absolute_url(reset)},
        language=getattr(user, "preferred_language", ""),
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
            "groups_url": mail.absolute_url(reverse("accounts:groups"), request),
        },
    )
