"""Grant applications in a person's rights over their data (machi.grants.privacy)."""

from machi.accounts.actors import SYSTEM
from machi.accounts.privacy import ERASED
from machi.grants import actions
from machi.grants import privacy as grants_privacy


def test_an_application_in_progress_holds_the_account_until_withdrawn(draft, applicant):
    assert grants_privacy.deletion_refusals(applicant) == [
        f"補助金の申請 {draft.number} が手続き中です。取り下げるか、支払いが済んでから削除してください。"
    ]
    actions.withdraw(actor=applicant, application=draft)
    assert grants_privacy.deletion_refusals(applicant) == []


def test_forgetting_keeps_a_rejected_application_rejected_with_its_reason_erased(submitted, applicant, staff):
    actions.reject(actor=staff, application=submitted, reason="山田さんの計画は対象外")
    grants_privacy.forget_person(applicant, actor=SYSTEM)
    submitted.refresh_from_db()
    assert (submitted.status, submitted.rejection_reason, submitted.plan, submitted.schedule) == (
        "rejected",
        ERASED,
        "",
        "",
    )
    assert submitted.title == "防災マップづくり"
    assert {line.description for line in submitted.expenses.all()} == {ERASED}
    assert sorted(line.amount_yen for line in submitted.expenses.all()) == [30_000, 100_000, 500_000]


def test_the_download_names_attachments_without_their_contents(draft, applicant, stranger):
    actions.add_attachment(
        actor=applicant, application=draft, kind="plan", name="計画書.pdf", content=b"%PDF-1.4 x"
    )
    sections = grants_privacy.personal_data(applicant)
    [attachment] = sections["grant_attachments"]
    assert attachment["name"] == "計画書.pdf" and "content" not in attachment
    assert [a["title"] for a in sections["grant_applications"]] == ["防災マップづくり"]
    assert grants_privacy.personal_data(stranger) == {
        "grant_applications": [],
        "grant_expenses": [],
        "grant_attachments": [],
    }
