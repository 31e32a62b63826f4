"""Entry point for ``python -m benchmark``.

``faulthandler`` is on, so a native crash (e.g. in numba-compiled code) prints the Python
stack it happened in instead of exiting 139 without a word.
"""

import faulthandler
import sys

from benchmark.cli import main

faulthandler.enable()
sys.exit(main())
