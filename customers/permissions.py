"""Who may act on a member of staff's work: finish their tasks, move the service requests
assigned to them (which finishes the request's task too); who may change what the CRM keeps
about a customer (custom fields); and who serves a customer closely enough to see their
contact details in full.

Seeing a customer (crm/scoping.py) is not enough: a broker sees the requests their branch
manager works on for the broker's customers, but only the assignee and those above them may
move one. The reach that decides it is the one of crm/scoping.py and the permission the one
of crm/roles.py (which also says which pages a role opens); no second role model here.
"""

from crm.models import Staff
from crm.roles import may_reveal_pii
from crm.scoping import reach_of
from crm.selectors import role_of


def may_act_for(user, staff: Staff | None) -> bool:
    """Head office, administrators and superusers act for anyone; a branch manager for the
    staff of their branch; a team lead for their team; anybody else for themselves only.

    Reads no rows once the user's reach is cached: cheap enough for every row of a list
    whose `staff` came with select_related."""
    reach = reach_of(user)
    if reach.everything:
        return True
    if staff is None or reach.nothing:
        return False
    if reach.branch_id:
        return staff.branch_id == reach.branch_id
    if reach.team_id and staff.team_id == reach.team_id:
        return True
    return staff.pk == reach.staff_id


def may_act_for_customer(user, customer) -> bool:
    """Whether the user may change what the CRM keeps about the customer: whoever may act
    for the customer's manager (may_act_for), and the branch manager of the customer's branch
    (a customer nobody serves yet too, who otherwise only head office could change).

    Reads no rows once the user's reach is cached and the customer's manager came with it."""
    reach = reach_of(user)
    if reach.branch_id and not reach.everything:
        return customer.branch_id == reach.branch_id
    return may_act_for(user, customer.manager)


def may_edit_custom_field(user, customer, field) -> bool:
    """Whether the user may set the customer's value of a custom field: they may act for the
    customer and work in one of the roles the field names (any, when it names none)."""
    return may_act_for_customer(user, customer) and field.editable_by_role(role_of(user))


def may_give_work(user) -> bool:
    """Whether the user may act for anybody but themselves, and so give a request to someone
    else (head office, administrators, branch managers, team leads): may_act_for then says
    to whom."""
    reach = reach_of(user)
    return reach.everything or bool(reach.branch_id or reach.team_id)


def may_reveal_contacts(user, customer) -> bool:
    """The customer's serving staff may see their mobile and e-mail in full, to call or write
    to them: their manager, the manager's team lead and the branch manager of the customer's
    branch; so may holders of the reveal permission. Head office and administrators without
    it may not, nor any other broker, whatever the scope shows them.

    Reads no rows once the user's reach and permissions are cached and the customer's
    manager came with select_related."""
    if may_reveal_pii(user):
        return True
    reach = reach_of(user)
    if reach.everything or reach.nothing:
        return False
    if reach.branch_id:
        return customer.branch_id == reach.branch_id
    manager = customer.manager
    if manager is None:
        return False
    if reach.team_id and manager.team_id == reach.team_id:
        return True
    return manager.pk == reach.staff_id
