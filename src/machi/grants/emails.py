"""Mails to the applicant about their grant application: each step of the workflow, and staff comments.

Sent after the write has committed (`transaction.on_commit` in the actions), in the
applicant's own language.
"""

from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils import translation


def send_status(application, note: str = "") -> None:
    """Tell the applicant where their application stands now (with the staff's note, where there is one)."""
    applicant = application.applicant
    if not applicant.email:
        return
    context = {"application": application, "user": applicant, "note": note}
    with translation.override(applicant.preferred_language or "ja"):
        subject = render_to_string("grants/emails/status_subject.txt", context)
        body = render_to_string("grants/emails/status.txt", context)
    send_mail(" ".join(subject.split()), body, None, [applicant.email])


def send_comment(application, note: str) -> None:
    applicant = application.applicant
    if not applicant.email:
        return
    context = {"application": application, "user": applicant, "note": note}
    with translation.override(applicant.preferred_language or "ja"):
        subject = render_to_string("grants/emails/comment_subject.txt", context)
        body = render_to_string("grants/emails/comment.txt", context)
    send_mail(" ".join(subject.split()), body, None, [applicant.email])
