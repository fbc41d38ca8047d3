"""Query models build their JSON schema once; every caller still gets the schema pydantic builds."""

from __future__ import annotations

from pydantic import BaseModel, Field

from service.api.matches import MatchQuery
from service.pagination import PageQuery
from service.query_models import QueryModel


def test_a_query_models_schema_is_pydantics_and_each_caller_gets_its_own_copy():
    class Plain(BaseModel):
        limit: int = Field(50, ge=1, le=200)
        words: list[str] | None = None

    class Cached(QueryModel):
        limit: int = Field(50, ge=1, le=200)
        words: list[str] | None = None

    expected = Plain.model_json_schema()
    expected["title"] = "Cached"
    first = Cached.model_json_schema()
    assert first == expected
    first["properties"].clear()  # the OpenAPI generator edits what it receives
    assert Cached.model_json_schema() == expected
    assert Cached.model_json_schema(mode="serialization")["title"] == "Cached"


def test_the_apis_query_models_cache_their_schema():
    assert issubclass(MatchQuery, QueryModel) and issubclass(PageQuery, QueryModel)
    assert MatchQuery.model_json_schema()["properties"]["limit"]["maximum"] == 100
