"""``python -m actlab.collection.reports``: see `actlab.collection.reports`."""

import sys

from actlab.collection.reports.cli import main

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
