"""Writes of import profiles beyond a plain admin save: taking the default mark from the
previous default, and copying a profile (its aliases and codes with it) as a starting point.
Reading a sample day to set a profile up lives in customers/services/profile_setup.py."""

from typing import cast

from django.db import transaction

from customers.models import CodeMapping, ColumnAlias, ImportProfile

COPY_NAME_LENGTH = cast(int, ImportProfile._meta.get_field("name").max_length)  # a CharField's


@transaction.atomic
def import_profile_save(*, profile: ImportProfile) -> ImportProfile:
    """Save the profile; one marked default takes the mark from the previous default."""
    if profile.is_default:
        ImportProfile.objects.filter(is_default=True).exclude(pk=profile.pk).update(
            is_default=False
        )
    profile.save()
    return profile


@transaction.atomic
def import_profile_copy(*, profile: ImportProfile, name: str | None = None) -> ImportProfile:
    """A new profile with the settings, aliases and codes of `profile`, never the default.

    Without a name it is called `<name>-copy` (then `-copy-2`, …), cut to fit the field."""
    copy = ImportProfile.objects.get(pk=profile.pk)
    copy.pk = None
    copy.name = name or _free_copy_name(profile.name)
    copy.is_default = False
    copy.never_delivered = list(profile.never_delivered)
    copy.save()
    ColumnAlias.objects.bulk_create(
        ColumnAlias(profile=copy, file=alias.file, header=alias.header, column=alias.column)
        for alias in profile.aliases.all()
    )
    CodeMapping.objects.bulk_create(
        CodeMapping(
            profile=copy,
            file=code.file,
            column=code.column,
            source=code.source,
            target=code.target,
        )
        for code in profile.codes.all()
    )
    return copy


def _free_copy_name(name: str) -> str:
    taken = set(
        ImportProfile.objects.filter(name__startswith=name[: COPY_NAME_LENGTH - 10]).values_list(
            "name", flat=True
        )
    )
    number = 1
    while True:
        suffix = "-copy" if number == 1 else f"-copy-{number}"
        candidate = name[: COPY_NAME_LENGTH - len(suffix)] + suffix
        if candidate not in taken:
            return candidate
        number += 1
