import sys

from asysta.cli import main

sys.exit(main())
