"""Who may act on a member of staff's work: finish their tasks, move the service requests
assigned to them (which finishes the request's task too).

Seeing a customer (crm/scoping.py) is not enough: a broker sees the requests their branch
manager works on for the broker's customers, but only the assignee and those above them may
move one. The reach that decides it is the one of crm/scoping.py; no second role model here.
"""

from crm.models import Staff
from crm.scoping import reach_of


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
