import sys

from rnnadd.ops.cli import main

sys.exit(main())
