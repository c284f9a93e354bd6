"""Messages of Django and of django-axes that the project's catalogue carries, because their
own catalogues lack a Chinese one or say it wrongly: the form label suffix (Django's zh
catalogue gives an ASCII colon) and axes' names of its models and fields (no zh catalogue).

Marked here with gettext_noop so that makemessages (run with --no-obsolete) keeps them;
the catalogues under LOCALE_PATHS take precedence over those of installed packages.
Nothing imports this module: the marks are for the extractor only.
"""

from django.utils.translation import gettext_noop

DJANGO = (
    gettext_noop(":"),  # django.forms.Form.label_suffix
)

AXES = (
    # axes/models.py
    gettext_noop("access attempt"),
    gettext_noop("access attempts"),
    gettext_noop("access failure"),
    gettext_noop("access failures"),
    gettext_noop("access log"),
    gettext_noop("access logs"),
    gettext_noop("access attempt expiration"),
    gettext_noop("access attempt expirations"),
    gettext_noop("User Agent"),
    gettext_noop("IP Address"),
    gettext_noop("Username"),
    gettext_noop("HTTP Accept"),
    gettext_noop("Path"),
    gettext_noop("Attempt Time"),
    gettext_noop("Access lock out"),
    gettext_noop("GET Data"),
    gettext_noop("POST Data"),
    gettext_noop("Failed Logins"),
    gettext_noop("Access Attempt"),
    gettext_noop("Expires At"),
    gettext_noop("The time when access attempt expires and is no longer valid."),
    gettext_noop("Logout Time"),
    gettext_noop("Session key hash (sha256)"),
    # axes/admin.py
    gettext_noop("Locked Out"),
    gettext_noop("Yes"),
    gettext_noop("No"),
    gettext_noop("Form Data"),
    gettext_noop("Meta Data"),
    gettext_noop("Clean up expired attempts"),
    gettext_noop("Not set"),
    gettext_noop("Attempt Remaining"),
)
