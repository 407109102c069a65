"""Lets the main test run (pytest from the repository root) collect each department plugin's own tests.

Each plugin keeps `pythonpath = ["src"]` for running its tests from its own folder; from the root,
this puts every plugin's src folder on the path instead, as an installed plugin would be importable.
"""

import sys
from pathlib import Path

for src in sorted(Path(__file__).parent.glob("*/src")):
    if str(src) not in sys.path:
        sys.path.insert(0, str(src))
