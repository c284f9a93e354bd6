"""Serves plotly.js from the installed plotly package, so no copy lives in the repo or a CDN."""

from pathlib import Path

import plotly
from django.contrib.staticfiles.finders import BaseFinder
from django.core.files.storage import FileSystemStorage

PLOTLY_FILE = "plotly.min.js"
PLOTLY_DIR = Path(plotly.__file__).parent / "package_data"
PUBLIC_PATH = f"plotly/{PLOTLY_FILE}"


class PlotlyFinder(BaseFinder):
    """Finds only `plotly/plotly.min.js`; the package's data sets are not static files."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.storage = FileSystemStorage(location=PLOTLY_DIR)
        # collectstatic reads an optional `prefix` off a finder's storage (as for STATICFILES_DIRS
        # entries with one); it is no attribute of the Storage type.
        self.storage.prefix = "plotly"  # type: ignore[attr-defined]

    def find(self, path, find_all=False, **kwargs):
        if path != PUBLIC_PATH:
            return [] if find_all else None
        found = str(PLOTLY_DIR / PLOTLY_FILE)
        return [found] if find_all else found

    def list(self, ignore_patterns):
        yield PLOTLY_FILE, self.storage
