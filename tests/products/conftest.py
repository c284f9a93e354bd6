import pytest


@pytest.fixture
def broker(client, org):
    """The test client, logged in as the broker."""
    client.force_login(org.broker.user)
    return client
