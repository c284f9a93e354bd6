"""The import profiles the CRM ships describe themselves in the reader's language, in the
admin's list and in the imports page's choice of profile; a description an administrator
wrote shows as written."""

import pytest

from customers.models import ImportProfile

pytestmark = pytest.mark.django_db

CANONICAL = {
    "en": "The canonical layout: UTF-8, comma, YYYY-MM-DD, canonical headers",
    "zh-hans": "标准格式：UTF-8 编码、逗号分隔、YYYY-MM-DD 日期、标准表头",
}
GBK = {
    "en": "Example: GBK encoding, Chinese headers, the counter&#x27;s own codes, YYYYMMDD "
    "dates, thousands separators",
    "zh-hans": "示例：GBK 编码、中文表头、柜台自有代码、YYYYMMDD 日期、千位分隔符",
}


@pytest.fixture
def admin(client, org):
    user = org.admin.user
    user.is_staff = user.is_superuser = True
    user.save()
    client.force_login(user)
    return client


@pytest.fixture
def head_office(client, org):
    client.force_login(org.head_office.user)
    return client


def page(client, url: str, language: str) -> str:
    response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_admin_lists_the_shipped_descriptions_in_the_readers_language(admin, language):
    text = page(admin, "/admin/customers/importprofile/", language)
    assert CANONICAL[language] in text
    assert GBK[language] in text
    other = "zh-hans" if language == "en" else "en"
    assert CANONICAL[other] not in text


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_imports_page_offers_each_profile_with_its_description(head_office, language):
    text = page(head_office, "/customers/imports/", language)
    assert CANONICAL[language] in text
    assert GBK[language] in text


def test_a_description_an_administrator_wrote_shows_as_written(admin):
    ImportProfile.objects.filter(name="canonical").update(description="Vendor X, all branches")
    for language in ("en", "zh-hans"):
        assert "Vendor X, all branches" in page(admin, "/admin/customers/importprofile/", language)
