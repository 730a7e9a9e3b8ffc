import pytest
from django.urls import reverse


@pytest.mark.django_db
def test_pages_render(client, screener, inbox_data):
    client.force_login(screener)
    for url in [
        reverse("screening:inbox"),
        reverse("screening:dashboard"),
        reverse("screening:duplicates"),
        reverse("screening:detail", args=[inbox_data.p["A1"].pk]),
        reverse("screening:detail", args=[inbox_data.p["A3"].pk]),
        reverse("screening:compare", args=[inbox_data.p["A1"].pk, inbox_data.p["A5"].pk]),
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
