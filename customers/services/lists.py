"""Writes behind the customer list: saved views."""

from django.db import transaction

from customers.models import SavedView


@transaction.atomic
def saved_view_save(*, owner, name: str, query: str, shared_with_team: bool) -> SavedView:
    """Save filters under a name; the same name again replaces them."""
    view, _created = SavedView.objects.update_or_create(
        owner=owner, name=name, defaults={"query": query, "shared_with_team": shared_with_team}
    )
    return view


@transaction.atomic
def saved_view_delete(*, owner, pk: int) -> SavedView | None:
    """Delete one of the owner's own views; returns it, or None when it is not theirs."""
    view = SavedView.objects.filter(pk=pk, owner=owner).first()
    if view is not None:
        view.delete()
    return view
