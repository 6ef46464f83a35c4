from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RequestsConfig(AppConfig):
    name = "machi.requests"
    label = "requests"
    verbose_name = _("地域課題の受付")
    demo_label = "デモの地域課題"

    def load_demo(self, dataset, *, actor):
        """Each ward's categories on its quick-response fund and illustrative requests in every state
        (`requests.demo`)."""
        from machi.requests import demo

        return demo.load(actor=actor)

    # A person's rights over their data (machi.accounts.privacy): the requests they made and follow,
    # forgetting them, and the retention sweep.
    def personal_data(self, user):
        from machi.requests.privacy import personal_data

        return personal_data(user)

    # The staff home (machi.accounts.staff_home): new requests to acknowledge and overdue ones.
    def staff_tasks(self, user, now):
        from machi.requests.staff_tasks import staff_tasks

        return staff_tasks(user, now)

    def forget_person(self, user, *, actor):
        from machi.requests.privacy import forget_person

        forget_person(user, actor=actor)

    def anonymise_expired(self, before, *, actor):
        from machi.requests.privacy import anonymise_expired

        return anonymise_expired(before, actor=actor)
