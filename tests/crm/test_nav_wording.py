"""The navigation and the workbench say what the user sees (issue 12, points 21 and 24): a
team lead's task list is the team's, and a team's or branch's name sits in Chinese
brackets, not between English spaces."""

import pytest

pytestmark = pytest.mark.django_db


def page(client, staff, url: str, language: str) -> str:
    client.force_login(staff.user)
    response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    return response.content.decode()


def test_a_team_lead_s_navigation_says_team_tasks(client, org):
    body = page(client, org.team_lead, "/customers/tasks/", "en")
    assert 'aria-current="page">Team tasks</a>' in body
    assert ">My tasks</a>" not in body


def test_a_broker_s_navigation_says_my_tasks(client, org):
    body = page(client, org.broker, "/customers/tasks/", "en")
    assert 'aria-current="page">My tasks</a>' in body
    assert "Team tasks" not in body


def test_the_team_lead_s_navigation_and_page_agree_in_chinese(client, org):
    body = page(client, org.team_lead, "/customers/tasks/", "zh-hans")
    assert 'aria-current="page">团队任务</a>' in body
    assert "<h1>团队任务</h1>" in body


def test_the_workbench_names_the_team_in_chinese_brackets(client, org):
    body = page(client, org.team_lead, "/", "zh-hans")
    assert f"您可以查看本团队（{org.team.name}）的客户。" in body


def test_the_workbench_names_the_branch_in_chinese_brackets(client, org):
    body = page(client, org.branch_manager, "/", "zh-hans")
    assert f"您可以查看营业部（{org.branch_a}）的全部客户。" in body
