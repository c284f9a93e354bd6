import datetime

import factory

from customers.models import Customer
from tests.crm.factories import BranchFactory


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    cust_no = factory.Sequence(lambda n: f"C{n:08d}")
    name = factory.Sequence(lambda n: f"客户{n}")
    branch = factory.SubFactory(BranchFactory)
    manager = None
    open_date = datetime.date(2020, 1, 6)
    status = "0"
    risk_level = "C3"
