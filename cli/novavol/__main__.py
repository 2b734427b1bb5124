"""`python -m novavol` runs the same entry point as the `novavol` console script."""

import sys

from novavol.main import main

sys.exit(main())
