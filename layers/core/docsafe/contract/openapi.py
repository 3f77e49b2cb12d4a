"""The OpenAPI 3 description of the whole API (openapi.json beside this file)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any


@cache
def load_openapi() -> dict[str, Any]:
    return json.loads((Path(__file__).with_name("openapi.json")).read_text(encoding="utf-8"))
