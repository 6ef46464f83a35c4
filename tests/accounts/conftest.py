import pytest

from machi.accounts.models import RoleGrant
from machi.facilities.models import Centre
from machi.ledger.models import Project, Ward


@pytest.fixture
def people(kumamoto, django_user_model, ward_staff):
    """One person of each role around the Kumamoto data: who may change 西区, and who may not."""
    nishi, higashi = Ward.objects.get(name="西区"), Ward.objects.get(name="東区")
    centre = Centre.objects.create(ward=nishi, name="西区地域コミュニティセンター")
    city_admin = django_user_model.objects.create_user("city", is_staff=True)
    RoleGrant.objects.create(user=city_admin, role="city-admin")
    manager = django_user_model.objects.create_user("manager")
    RoleGrant.objects.create(user=manager, role="centre-manager", centre=centre)
    return {
        "city_admin": city_admin,
        "nishi_staff": ward_staff("nishi", nishi),
        "higashi_staff": ward_staff("higashi", higashi),
        "two_ward_staff": ward_staff("both", higashi, nishi),
        "centre_manager": manager,
        "resident": django_user_model.objects.create_user("resident"),
        "nishi": nishi,
        "higashi": higashi,
        "centre": centre,
        "nishi_project": Project.objects.get(programme__ward=nishi, no=2),
    }


ALLOWED_FOR_NISHI = ("city_admin", "nishi_staff", "two_ward_staff")
REFUSED_FOR_NISHI = ("higashi_staff", "centre_manager", "resident")


@pytest.fixture
def client(client, django_capture_on_commit_callbacks):
    """The test client, each request ending as it does in production: its after-commit work runs.

    A request runs in autocommit, so what an action hands to `transaction.on_commit` (the mail,
    through machi.core.mail) runs once its transaction commits, before the response goes out. Here
    the test's own transaction never commits; so the callbacks a request leaves behind are run
    when it ends, as they would have been. Those of a rolled-back action are discarded by Django
    before that, as in production: a refused signup or review still sends nothing.
    """
    request = client.request

    def request_then_commit(**kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return request(**kwargs)

    client.request = request_then_commit
    return client
