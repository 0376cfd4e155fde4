"""The plays' hand-built worlds (``plays_world``) live next to these tests."""

from __future__ import annotations

import sys
from pathlib import Path

# the helpers next to this file are plain modules (the tests folders are not packages)
sys.path.insert(0, str(Path(__file__).parent))
