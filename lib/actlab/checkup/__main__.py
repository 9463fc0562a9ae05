"""`python -m actlab.checkup TARGET`: see `actlab.checkup.cli.main`."""

import sys

try:
    from actlab.checkup.cli import main
except ImportError as exc:  # run with a Python that lacks actlab's dependencies
    print(
        f"checkup: error: {exc}: run this with the Python of the environment actlab is "
        "installed in (in this checkout: .venv/bin/python, or `source .venv/bin/activate` first)",
        file=sys.stderr,
    )
    sys.exit(2)

sys.exit(main())
