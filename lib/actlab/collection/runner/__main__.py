"""``python -m actlab.collection.runner``: see `actlab.collection.runner`."""

import sys

from actlab.collection.runner.cli import main

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
