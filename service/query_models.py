"""The base of the API's query-string models: their JSON schema computed once per model.

flask-openapi3 asks a query model for its JSON schema on every request it validates (to find list
fields); pydantic builds it anew each time: ~0.4 ms, 4% of a match request's CPU under load (issue 17,
py-spy on a worker). The schema of a class never changes, so it is built once and each caller gets
its own copy (the OpenAPI document generator edits what it receives).
"""

from __future__ import annotations

import copy
from typing import Any

from pydantic import BaseModel

_SCHEMAS: dict[tuple, dict[str, Any]] = {}


class QueryModel(BaseModel):
    @classmethod
    def model_json_schema(cls, *args: Any, **kwargs: Any) -> dict[str, Any]:
        key = (cls, args, tuple(sorted(kwargs.items())))
        schema = _SCHEMAS.get(key)
        if schema is None:
            schema = _SCHEMAS[key] = super().model_json_schema(*args, **kwargs)
        return copy.deepcopy(schema)
