"""The Chinese wording a brokerage's staff expect (issue 12, point 3): a service request is
closed (已关闭), never 销户 (which is closing an account); the name of a saved view is a
名称, not a person's 姓名; and the core terms of the trade read as the industry says them."""

import re

import pytest
from django.utils import translation

from customers.models import ServiceRequestStatus, ServiceRequestType
from customers.models.facts import DailyBalance
from customers.services.relationship import service_request_move, service_request_open

pytestmark = pytest.mark.django_db

ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}


def page(client, staff, url: str) -> str:
    client.force_login(staff.user)
    response = client.get(url, **ZH)
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def closed_request(org):
    kind, _ = ServiceRequestType.objects.get_or_create(
        code="test-zh-wording", defaults={"name": "资料变更", "sla_hours": 48}
    )
    request = service_request_open(
        customer=org.broker_customer,
        request_type=kind,
        description="客户要求修改联系地址",
        assignee=org.broker,
        opened_by=org.broker.user,
    )
    by = org.broker.user
    service_request_move(request=request, to_status="resolved", by=by, resolution="已修改")
    service_request_move(request=request, to_status="closed", by=by, resolution="")
    return request


def test_a_closed_service_request_reads_closed_not_account_closure(client, org, closed_request):
    body = page(client, org.broker, "/customers/service-requests/?status=closed")
    assert "客户要求修改联系地址" in body
    assert re.search(r"<td[^>]*>\s*(<span[^>]*>)?已关闭(</span>)?\s*</td>", body), "status 已关闭"
    assert '<option value="closed" selected>已关闭</option>' in body
    assert "销户" not in body
    with translation.override("zh-hans"):
        assert str(ServiceRequestStatus.CLOSED.label) == "已关闭"
        assert str(ServiceRequestStatus.RESOLVED.label) == "已解决"


def test_the_saved_view_name_field_is_a_name_not_a_persons_name(client, org):
    body = page(client, org.broker, "/customers/")
    form = body[body.index('class="save-view-form"') :]
    form = form[: form.index("</form>")]
    label = re.search(r"<label>\s*(\S+)\s*<input[^>]*name=\"name\"", form)
    assert label, form
    assert label.group(1) == "名称"
    assert "姓名" not in form


def test_the_customer_list_names_the_customer_manager(client, org):
    body = page(client, org.branch_manager, "/customers/")
    headers = re.findall(r"<th[^>]*>(?:\s*<a[^>]*>)?\s*([^<]+?)\s*<", body)
    assert "客户经理" in headers
    assert "服务经理" not in body


def test_the_core_brokerage_terms(client, org):
    with translation.override("zh-hans"):
        account = DailyBalance._meta.get_field("account")
        assert str(account.verbose_name) == "资金账号"
        assert str(DailyBalance._meta.get_field("available").verbose_name) == "可用资金"
        assert translation.gettext("Trading volume") == "成交额"
        assert translation.gettext("shareholder account") == "股东账号"
        assert translation.gettext("Meeting") == "面谈"


def test_a_closed_account_and_a_closed_request_each_read_as_their_own_word():
    """One English "Closed" for two ideas: the contexts keep them apart in Chinese."""
    from customers.models import AccountKind, CustomerStatus

    with translation.override("zh-hans"):
        assert str(CustomerStatus.CLOSED.label) == "销户"
        assert str(ServiceRequestStatus.CLOSED.label) == "已关闭"
        assert str(CustomerStatus.NORMAL.label) == "正常"
        assert str(AccountKind.NORMAL.label) == "普通账户"
