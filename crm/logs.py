"""Logging helpers the settings' LOGGING names: what a request's log record keeps.

Nothing here configures logging; crm/settings.py does, once.
"""

import logging


class ClientErrorsWithoutTraceback(logging.Filter):
    """A 4xx the application answered on purpose (a PermissionDenied, a customer outside the
    user's scope) is one line in the log: Django hands such records the exception, whose
    traceback says nothing an operator needs. A 500 keeps its traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "status_code", 500) < 500:
            record.exc_info = None
            record.exc_text = None
        return True
