from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EventsConfig(AppConfig):
    name = "machi.events"
    label = "events"
    verbose_name = _("催し・講座・訓練")
    demo_label = "デモの催し"

    def load_demo(self, dataset, *, actor):
        """Illustrative events in every ward: open for registration now on the current year's demo
        programme, and held with their attendance on FY2022 event projects (`events.demo`)."""
        from machi.events import demo

        return demo.load(actor=actor)

    # A person's rights over their data (machi.accounts.privacy): event registrations.
    def personal_data(self, user):
        from machi.events.privacy import personal_data

        return personal_data(user)

    def deletion_refusals(self, user):
        from machi.events.privacy import deletion_refusals

        return deletion_refusals(user)

    def forget_person(self, user, *, actor):
        from machi.events.privacy import forget_person

        forget_person(user, actor=actor)

    def anonymise_expired(self, before, *, actor):
        from machi.events.privacy import anonymise_expired

        return anonymise_expired(before, actor=actor)

    # The staff home (machi.accounts.staff_home): groups' events waiting for approval.
    def staff_tasks(self, user, now):
        from machi.events.staff_tasks import staff_tasks

        return staff_tasks(user, now)
