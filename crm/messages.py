"""Saying a refused form to the user as messages on the next page, the
same way on every page that redirects after a POST."""

from django.contrib import messages


def messages_of_form(request, form) -> None:
    """Every error of an invalid `form`, one message each."""
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)
