"""Gives the demo a relationship history: contacts, follow-ups and service requests logged
through the real services for every demo login and for the demo team lead's team (used by
`make demo`), so that each login opens on a lived-in workbench.
Deterministic, and safe to run again: a member of staff who already has contacts is left alone.
"""

import datetime
import random
from dataclasses import dataclass

from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext

from crm.commands import CrmCommand
from crm.models import Role, Staff
from crm.roles import COMPANY_WIDE_ROLES
from customers.management.commands.demo_users import DEMO_LOGINS
from customers.models import (
    Customer,
    Interaction,
    ServiceRequestStatus,
    ServiceRequestType,
    Task,
    TaskKind,
    TaskStatus,
)
from customers.services.relationship import (
    interaction_log,
    service_request_move,
    service_request_open,
    task_complete,
)

# (channel, what was said, the outcome): what each kind of member of staff logs.
SALES_NOTES = (
    ("phone", "介绍本月新发基金，客户表示考虑", "有意向"),
    ("phone", "提醒风险测评即将到期，约定下周来营业部", "已约见"),
    ("wechat", "推送配股认购提示，客户确认参与", "确认参与"),
    ("visit", "上门拜访，沟通资产配置与仓位控制", "满意"),
    ("meeting", "参加投资策略会，关注半导体板块", "持续跟进"),
    ("sms", "发送两融维持担保比例提示", "已读"),
)
BRANCH_NOTES = (
    ("visit", "营业部负责人拜访高净值客户，介绍财富管理专属服务", "满意"),
    ("phone", "邀请参加营业部年度客户答谢会", "确认出席"),
    ("meeting", "与客户及客户经理商讨资产配置方案", "持续跟进"),
)
HEAD_OFFICE_NOTES = (
    ("phone", "新开户回访：核实本人开户意愿，确认已知悉风险揭示", "回访成功"),
    ("phone", "服务满意度回访，客户对客户经理服务表示认可", "满意"),
    ("sms", "发送适当性匹配结果告知书", "已读"),
)
ADMIN_NOTES = (
    ("phone", "核实客户资料变更申请，确认联系地址", "已核实"),
    ("email", "发送账户资料更新确认函", "已发送"),
)
REQUESTS = (
    ("funds", "银证转账未到账，请协助查询"),
    ("account-change", "申请变更预留手机号码"),
    ("complaint", "反映交易软件行情延迟，要求说明"),
    ("enquiry", "咨询科创板权限开通条件"),
)
RESOLUTION = "已电话联系客户说明情况，客户无异议"


@dataclass(frozen=True)
class Book:
    """What one member of staff logs: how many contacts and requests, on which customers,
    with which notes, and who opens the requests (a login; for a team member, the lead)."""

    staff: Staff
    opened_by: object
    customers: list[Customer]
    notes: tuple
    contacts: int
    requests: int


class Command(CrmCommand):
    help = "Log demo contacts, follow-ups and service requests for every demo login and team."

    def handle(self, *args, **options):
        rng = random.Random(7)
        now = timezone.now()
        logged = opened = 0
        for number, book in enumerate(_books()):
            staff = book.staff
            if not book.customers or Interaction.objects.filter(staff=staff).exists():
                continue
            for index, customer in enumerate(book.customers[: book.contacts]):
                channel, content, result = book.notes[index % len(book.notes)]
                follow_up = timezone.localdate() + datetime.timedelta(days=rng.randint(0, 6))
                interaction_log(
                    customer=customer,
                    staff=staff,
                    channel=channel,
                    direction="out",
                    occurred_at=now
                    - datetime.timedelta(days=rng.randint(1, 90), hours=rng.randint(0, 8)),
                    content=content,
                    result=result,
                    follow_up_on=follow_up if index % 3 == 0 else None,
                )
                logged += 1
            for index in range(book.requests):
                code, text = REQUESTS[(number + index) % len(REQUESTS)]
                request = service_request_open(
                    customer=book.customers[-(index + 1) % len(book.customers)],
                    request_type=ServiceRequestType.objects.get(code=code),
                    description=text,
                    assignee=staff,
                    opened_by=book.opened_by,
                    opened_at=now - datetime.timedelta(hours=rng.randint(2, 96)),
                )
                opened += 1
                # A book with several requests shows them at different steps of their work.
                if book.requests > 2 and index == 1:
                    service_request_move(
                        request=request,
                        to_status=ServiceRequestStatus.IN_PROGRESS,
                        by=book.opened_by,
                    )
                if book.requests > 2 and index == 2:
                    service_request_move(
                        request=request,
                        to_status=ServiceRequestStatus.RESOLVED,
                        by=book.opened_by,
                        resolution=RESOLUTION,
                    )
            # One follow-up already done, so that "tasks done" counts something, while other
            # work stays open on the workbench.
            open_tasks = Task.objects.filter(assignee=staff, status=TaskStatus.OPEN)
            follow_up = open_tasks.filter(kind=TaskKind.FOLLOW_UP).order_by("id").first()
            if follow_up is not None and open_tasks.count() > 1:
                task_complete(task=follow_up, by=book.opened_by)
        self.stdout.write(
            gettext("Demo activity: %(contacts)s contacts, %(requests)s service requests")
            % {"contacts": logged, "requests": opened}
        )


def _books() -> list[Book]:
    """Every demo login's book, in DEMO_LOGINS order, then the demo team lead's teammates."""
    order = [username for username, _ in DEMO_LOGINS]
    logins = sorted(
        Staff.objects.filter(user__username__in=order).select_related("user", "team"),
        key=lambda staff: order.index(staff.user.username),
    )
    books, seen = [], {staff.pk for staff in logins}
    by_assets = F("figures__total_assets").desc(nulls_last=True)
    customers = Customer.objects.select_related("figures")
    for staff in logins:
        if staff.role == Role.BRANCH_MANAGER:
            mine = customers.filter(branch_id=staff.branch_id).order_by(by_assets, "cust_no")
            books.append(Book(staff, staff.user, list(mine[:40]), BRANCH_NOTES, 10, 2))
        elif staff.role == Role.ADMIN:
            books.append(
                Book(staff, staff.user, list(customers.order_by("cust_no")[:10]), ADMIN_NOTES, 4, 1)
            )
        elif staff.role in COMPANY_WIDE_ROLES:  # head office calls back the newest accounts
            newest = customers.order_by("-open_date", "cust_no")[:40]
            books.append(Book(staff, staff.user, list(newest), HEAD_OFFICE_NOTES, 8, 2))
        else:
            mine = staff.customers.select_related("figures").order_by(by_assets, "cust_no")
            books.append(Book(staff, staff.user, list(mine[:40]), SALES_NOTES, 25, 4))
    for lead in logins:
        if lead.role != Role.TEAM_LEAD or lead.team_id is None:
            continue
        members = Staff.objects.filter(team_id=lead.team_id, is_active=True).order_by("staff_code")
        for member in members.exclude(pk__in=seen):
            seen.add(member.pk)
            mine = member.customers.select_related("figures").order_by(by_assets, "cust_no")
            books.append(Book(member, lead.user, list(mine[:20]), SALES_NOTES, 8, 1))
    return books
