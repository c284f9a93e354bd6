import factory
from django.contrib.auth import get_user_model

from crm.models import Branch, Role, Staff, Team


class BranchFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Branch
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"{n + 1:04d}")
    name = factory.Sequence(lambda n: f"营业部{n + 1}")
    region = "华东"


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team

    branch = factory.SubFactory(BranchFactory)
    name = factory.Sequence(lambda n: f"Team {n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("correct-horse-battery")


class StaffFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Staff

    staff_code = factory.Sequence(lambda n: f"S{n:05d}")
    name = factory.Sequence(lambda n: f"员工{n}")
    user = factory.SubFactory(UserFactory)
    role = Role.BROKER
    branch = factory.SubFactory(BranchFactory)
