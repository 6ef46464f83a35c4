"""Mails to the applicant about their grant application: each step of the workflow, and staff comments.

Written in the applicant's own language and sent through `machi.core.mail`: by a background
task once the write has committed.
"""

from django.urls import reverse

from machi.core import mail


def _send(application, template: str, note: str) -> None:
    applicant = application.applicant
    if not applicant.email:
        return
    mail.send(
        to=applicant.email,
        subject_template=f"grants/emails/{template}_subject.txt",
        body_template=f"grants/emails/{template}.txt",
        context={
            "application": application,
            "user": applicant,
            "note": note,
            "url": mail.absolute_url(reverse("grants:application", args=[application.pk])),
        },
        language=applicant.preferred_language,
    )


def send_status(application, note: str = "") -> None:
    """Tell the applicant where their application stands now (with the staff's note, where there is one)."""
    _send(application, "status", note)


def send_comment(application, note: str) -> None:
    """Pass on a staff comment on the application."""
    _send(application, "comment", note)
