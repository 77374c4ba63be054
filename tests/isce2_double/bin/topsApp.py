#!/usr/bin/env python3
"""ISCE2 topsApp.py test double (tests put this directory on PATH; see tests/isce2_double/README.md)."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from isce2_double.app import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
