"""`python -m actlab.checkup TARGET`: see `actlab.checkup.cli.main`."""

import sys

from actlab.checkup.cli import main

sys.exit(main())
