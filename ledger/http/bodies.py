"""A write's body: read as bytes and validated by pydantic straight from its JSON, once
the request's key is known to hold the route's scope (a 401 or 403 before a 422).

The write routes take no body parameter and no dependency of FastAPI's: dependency
injection, `json.loads` and a second validation pass cost a durable append over HTTP a
few per cent of its time (docs/performance.md). `Body.openapi` documents the body and
the key in the route's schema, as FastAPI would have, and `add_request_schemas` adds the
models it names to the document's components (`ledger.http.app`).
"""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from pydantic import TypeAdapter, ValidationError

B = TypeVar("B")
REF = "#/components/schemas/{model}"
_ALL: list[Body[Any]] = []


class Body(Generic[B]):
    """The body a write route takes: `shape`, a model or a union of them."""

    def __init__(self, shape: Any) -> None:
        self.adapter: TypeAdapter[B] = TypeAdapter(shape)
        # (as a list's items, so that a model is named by a `$ref` rather than inlined)
        self.schema = TypeAdapter(list[shape]).json_schema(ref_template=REF)
        _ALL.append(self)

    async def of(self, request: Request) -> B:
        """The request's body as `shape`; a `RequestValidationError` (400 for JSON that does
        not parse, 422 for one that does not fit) as FastAPI raises for its own bodies."""
        raw = await request.body()
        try:
            return self.adapter.validate_json(raw)
        except ValidationError as error:
            faults = [{**fault, "loc": ("body", *fault["loc"])} for fault in error.errors()]
            raise RequestValidationError(faults) from None

    def openapi(self) -> dict[str, Any]:
        """The route's `openapi_extra`: its JSON body, and the bearer key it needs."""
        content = {"application/json": {"schema": self.schema["items"]}}
        return {
            "requestBody": {"required": True, "content": content},
            "security": [{"HTTPBearer": []}],
        }


def add_request_schemas(document: dict[str, Any]) -> None:
    """Add the models the write bodies name to an OpenAPI document's components."""
    components = document.setdefault("components", {}).setdefault("schemas", {})
    for body in _ALL:
        for name, schema in body.schema.get("$defs", {}).items():
            components.setdefault(name, schema)
