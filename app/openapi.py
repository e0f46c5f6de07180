"""What the OpenAPI document says that FastAPI does not derive from the routes: the
problem details schema every error response points to, and the largest page size."""

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from pydantic.json_schema import models_json_schema

from app.errors import Problem
from app.listing import PAGE_SIZE_MAX_MARK

REF_TEMPLATE = "#/components/schemas/{model}"
# The If-Match a versioned write takes (app.versioning.parse_if_match): one ETag, weak or
# not, quoted or not. Without it the write is refused (428), so the document says it is
# required; a version that is not the stored one is refused too (412).
IF_MATCH_PATTERN = r'^[\s,]*(?:W/)?(?:"[0-9]{1,12}"|[0-9]{1,12})[\s,]*$'


def _without_null_defaults(node: Any) -> Any:
    # An absent member is left out of a problem, never sent as null.
    if isinstance(node, dict):
        return {
            k: _without_null_defaults(v)
            for k, v in node.items()
            if not (k == "default" and v is None)
        }
    if isinstance(node, list):
        return [_without_null_defaults(v) for v in node]
    return node


def problem_schemas() -> dict[str, Any]:
    """The Problem schema and the schemas it uses, as components of the document."""
    _, top = models_json_schema([(Problem, "serialization")], ref_template=REF_TEMPLATE)
    schemas: dict[str, Any] = _without_null_defaults(top.get("$defs", {}))
    return schemas


def _describe_parameter(parameter: dict[str, Any], page_size_max: int) -> None:
    schema = parameter.get("schema", {})
    if schema.pop(PAGE_SIZE_MAX_MARK, False):
        schema["maximum"] = page_size_max
    if parameter.get("in") == "header" and parameter.get("name") == "If-Match":
        # The dependency takes a missing header (to answer 428 rather than 422).
        parameter["required"] = True
        parameter["schema"] = {"type": "string", "pattern": IF_MATCH_PATTERN}


def describe_api(app: FastAPI, *, page_size_max: int) -> None:
    """Complete the app's OpenAPI document when it is first built: the problem schemas
    (app.errors.problem_responses points to them); as the `maximum` of every `limit`
    parameter that check_limit checks, this app's POSTURE_PAGE_SIZE_MAX; and the If-Match
    header of versioned writes as required, in the form they read."""
    build: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = build()
            components = document.setdefault("components", {}).setdefault("schemas", {})
            components.update(problem_schemas())
            for path_item in document.get("paths", {}).values():
                for operation in path_item.values():
                    for parameter in operation.get("parameters", []):
                        _describe_parameter(parameter, page_size_max)
            app.openapi_schema = document
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


# Response headers, as the OpenAPI document declares them.
ETAG_HEADER = {
    "ETag": {
        "description": 'The record\'s version (e.g. "3"): send it back as If-Match to change it.',
        "required": True,
        "schema": {"type": "string"},
    }
}
LOCATION_HEADER = {
    "Location": {
        "description": "Where the new record is.",
        "required": True,
        "schema": {"type": "string"},
    }
}


def operation_ref(method: str, path: str) -> str:
    """A link's reference to the operation at this method and path template."""
    return "#/paths/" + path.replace("~", "~0").replace("/", "~1") + "/" + method.lower()


def record_links(
    param: str,
    key: str,
    *,
    reads: dict[str, tuple[str, str]] | None = None,
    writes: dict[str, tuple[str, str]] | None = None,
) -> dict[str, Any]:
    """OpenAPI links from an answer about one record to the operations on it: the record's
    key (a runtime expression, e.g. `$response.body#/id`) fills the path parameter `param`,
    and a write's If-Match is the answer's ETag. `reads` and `writes` map link names to
    (method, path template)."""
    links: dict[str, Any] = {}
    for name, (method, path) in (reads or {}).items():
        links[name] = {"operationRef": operation_ref(method, path), "parameters": {param: key}}
    for name, (method, path) in (writes or {}).items():
        links[name] = {
            "operationRef": operation_ref(method, path),
            "parameters": {param: key, "header.If-Match": "$response.header.ETag"},
        }
    return links
