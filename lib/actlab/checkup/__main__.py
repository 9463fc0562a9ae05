"""`python -m actlab.checkup TARGET`: see `actlab.checkup.main`."""

import sys

from actlab.checkup import main

sys.exit(main())
