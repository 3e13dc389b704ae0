"""Error pages are the site's own, in Chinese first, with a way home."""

import pytest

from backend.accounts.models import Role
from tests.factories import RegionFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_outside_jurisdiction_renders_the_chinese_404_page(client):
    county = RegionFactory(adcode="430121", name="长沙县")
    RegionFactory(adcode="440784", name="鹤山市")
    client.force_login(UserFactory(username="leader-e", role=Role.LEADER, jurisdiction=county))
    response = client.get("/stations/", {"region": "440784"})
    assert response.status_code == 404
    html = response.content.decode()
    assert "找不到页面" in html
    assert "不在您的辖区范围内" in html
    assert 'href="/"' in html


def test_a_role_without_the_page_gets_the_chinese_403_page(client):
    county = RegionFactory(adcode="430121", name="长沙县")
    client.force_login(UserFactory(username="leader-f", role=Role.LEADER, jurisdiction=county))
    response = client.get("/assign/")
    assert response.status_code == 403
    assert "无权访问" in response.content.decode()
