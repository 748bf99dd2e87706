"""Location of the reference material: the wire contract and recorded traffic.

The repository's checkout sits beside a ``shared/reference`` folder (in
development and in CI); ``MHSM_REFERENCE_DIR`` overrides the location.
"""

import os
from pathlib import Path

REPOSITORY_ROOT = Path(__file__).resolve().parents[1]
REFERENCE_DIR = Path(
    os.environ.get(
        "MHSM_REFERENCE_DIR", REPOSITORY_ROOT.parent / "shared" / "reference"
    )
)
RECORDINGS_DIR = REFERENCE_DIR / "recordings"
