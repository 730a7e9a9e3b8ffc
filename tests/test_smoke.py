import pytest


@pytest.mark.django_db
def test_anonymous_is_sent_to_login(client):
    response = client.get("/proposals/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/proposals/")
