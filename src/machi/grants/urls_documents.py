"""The grant's documents, included by `grants/urls.py` (namespace "grants")."""

from django.urls import path

from machi.grants.views import documents

urlpatterns = [
    path(
        "applications/<int:application_id>/decision-notice.pdf",
        documents.decision_notice,
        name="decision-notice",
    ),
    path(
        "applications/<int:application_id>/confirmation-notice.pdf",
        documents.confirmation_notice,
        name="confirmation-notice",
    ),
    path(
        "programmes/<int:programme_id>/applications.xlsx",
        documents.applications_xlsx,
        name="applications-xlsx",
    ),
    path("programmes/<int:programme_id>/payments.xlsx", documents.payments_xlsx, name="payments-xlsx"),
]
