"""The OpenAPI 3 description of /api/v1, generated from the code with apispec and marshmallow.

Each API view is declared with `operation(...)`: its query schema, its response schema and the
errors it may answer. The decorator parses and validates the query string with the schema (a bad
parameter is a 400 naming it) and serialises the view's result with the response schema; `build`
walks the URL map and turns the same declarations into the OpenAPI document. Nothing in it is
written by hand, so it cannot drift from what the API does.
"""
from __future__ import annotations

import re
from functools import wraps

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import current_app, jsonify, request
from marshmallow import ValidationError

from lms.api.schemas import ErrorSchema

ERROR_TEXTS = {
    400: "A parameter is missing or wrong (see `fields`).",
    401: "No token, or the token is unknown, revoked or expired.",
    403: "The token's user may not see this.",
    404: "Not found, or not visible to the token's user.",
}
# Every other error (a method the API does not take, a request too large, a limit, a fault) has the same body.
OTHER_ERRORS = ("Any other error: 405 (only GET), 413 (request too large), 429 (too many requests), 500 (a fault, "
                "logged under `error_id`), 503 (the database is busy or does not answer, logged under `error_id`; "
                "try again after `Retry-After` seconds).")
_RULE_ARGUMENT = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")


def error_response(status: int, code: str, message: str, problems: dict | None = None, error_id: str | None = None):
    """A JSON error body (the Error schema) with its status."""
    body = {"error": code, "message": message}
    if problems:
        body["fields"] = problems
    if error_id:
        body["error_id"] = error_id
    response = jsonify(body)
    response.status_code = status
    return response


def operation(*, summary: str, response, query=None, path_params: tuple = (), errors: tuple = (400, 401, 404),
              tag: str = "reports", public: bool = False):
    """Declare an API view: parse its query with `query`, dump its result with `response`, document both.

    The view is called with the parsed query as `args` (and its path parameters); it returns the object
    to serialise, or a Flask response (errors).
    """

    def decorator(view):
        @wraps(view)
        def wrapped(**kwargs):
            args = {}
            if query is not None:
                try:
                    args = query().load(request.args)
                except ValidationError as exc:
                    return error_response(400, "invalid_parameters", "Some parameters are not valid.", exc.messages)
            result = view(args=args, **kwargs)
            if not isinstance(result, (dict, list)) and hasattr(result, "status_code"):
                return result
            return jsonify(response().dump(result))

        wrapped.openapi = {"summary": summary, "description": (view.__doc__ or "").strip(), "query": query,
                           "response": response, "path_params": path_params, "errors": errors, "tag": tag,
                           "public": public}
        return wrapped

    return decorator


def build(blueprint_name: str, title: str, version: str, description: str) -> dict:
    """The OpenAPI 3 document of every declared view of the blueprint."""
    spec = APISpec(title=title, version=version, openapi_version="3.0.3", plugins=[MarshmallowPlugin()],
                   info={"description": description})
    spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer",
                                                   "description": "A personal access token from the profile page."})
    spec.components.schema("Error", schema=ErrorSchema)
    for rule in sorted(current_app.url_map.iter_rules(), key=lambda r: r.rule):
        if not rule.endpoint.startswith(blueprint_name + "."):
            continue
        meta = getattr(current_app.view_functions[rule.endpoint], "openapi", None)
        if meta is None:
            continue
        spec.path(path=_RULE_ARGUMENT.sub(r"{\1}", rule.rule), operations={"get": _operation(meta)})
    return spec.to_dict()


def _operation(meta: dict) -> dict:
    parameters = [dict(p, **{"in": "path", "required": True}) for p in meta["path_params"]]
    if meta["query"] is not None:
        parameters.append({"in": "query", "schema": meta["query"]})
    responses = {"200": {"description": "OK", "content": {"application/json": {"schema": meta["response"]}}}}
    for status in meta["errors"]:
        responses[str(status)] = {"description": ERROR_TEXTS[status],
                                  "content": {"application/json": {"schema": "Error"}}}
    responses["default"] = {"description": OTHER_ERRORS, "content": {"application/json": {"schema": "Error"}}}
    operation = {"summary": meta["summary"], "description": meta["description"], "tags": [meta["tag"]],
                 "parameters": parameters, "responses": responses}
    if meta["public"]:
        operation["security"] = []
    else:
        operation["security"] = [{"bearerAuth": []}]
    return operation
