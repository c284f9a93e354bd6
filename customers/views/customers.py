"""Customer pages: the workbench home page. The customer list lives in views/lists.py."""

from django.shortcuts import render

from crm.scoping import reach_of
from crm.selectors import staff_for_user
from customers.selectors.workbench import workbench_for_user


def workbench(request):
    return render(
        request,
        "customers/workbench.html",
        {
            "staff": staff_for_user(request.user),
            "reach": reach_of(request.user),
            **workbench_for_user(request.user),
        },
    )
