import sys

from actlab.trials.cli import main

sys.exit(main())
