from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "machi.accounts"
    label = "accounts"
    verbose_name = _("利用者")

    # A person's rights over their data (machi.accounts.privacy): the account's own part.
    def personal_data(self, user):
        from machi.accounts.privacy import account_data

        return account_data(user)

    def deletion_refusals(self, user):
        from machi.accounts.privacy import account_refusals

        return account_refusals(user)

    def forget_person(self, user, *, actor):
        from machi.accounts.privacy import forget_account

        forget_account(user, actor=actor)

    # The staff home (machi.accounts.staff_home): community groups waiting for review.
    def staff_tasks(self, user, now):
        from machi.accounts.staff_home import account_tasks

        return account_tasks(user, now)
