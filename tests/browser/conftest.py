import pytest


@pytest.fixture
def local_site(live_server, page):
    """The live server's address; the test fails if the page fetched anything from anywhere else."""
    foreign = []
    page.on(
        "request",
        lambda request: None if request.url.startswith(live_server.url) else foreign.append(request.url),
    )
    yield live_server.url
    assert foreign == [], f"fetched from elsewhere: {foreign}"
