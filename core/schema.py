"""The OpenAPI schema's error responses: one ``Error`` body, documented on every operation it can answer.

Every refusal has the body ``{code, message, fields}`` (``core.api``). Which statuses an operation can
answer follows from its shape, so a postprocessing hook adds them once instead of each view listing them:

- 401 and 403 everywhere: a missing or bad token, or a refusal (and CSRF for a signed-in browser);
- 400 where a body or a query parameter is read, 415 where a body is;
- 404 where the path names a row (it may not exist, or the user may not see it) or a page is asked for;
- 409 where something is changed: a state that does not allow it, or a stale copy.

An operation that answers another error (the ledger's 410, a download's 409) declares it itself, with
a description and no body: the hook gives it the ``Error`` body too.
"""

ERROR_SCHEMA = {
    "type": "object",
    "description": "Every error has this body, with the message in the request's language.",
    "properties": {
        "code": {"type": "string", "description": "What went wrong, for programs: `invalid`, `not_found`…"},
        "message": {"type": "string", "description": "What went wrong, for people, to show as it is."},
        "fields": {
            "type": "object",
            "additionalProperties": {},
            "description": "With 400: each field refused and why (a list of messages, nested for lists of objects).",
        },
    },
    "required": ["code", "message"],
}

DESCRIPTIONS = {
    "400": "Invalid input: `fields` names each field refused; `parse_error` for a body that cannot be read.",
    "401": "Not signed in, or the token is not valid.",
    "403": "Signed in, but not allowed to do this.",
    "404": "Nothing with this id that the user may see, or a page past the end.",
    "409": "Not possible in the current state, or changed by someone else since it was read.",
    "415": "The body is in a format this operation does not read.",
}

CHANGES = frozenset({"post", "put", "patch", "delete"})


def error_statuses(method: str, operation: dict) -> list[str]:
    parameters = operation.get("parameters", [])
    statuses = ["401", "403"]
    if operation.get("requestBody") or any(parameter["in"] == "query" for parameter in parameters):
        statuses.append("400")
    if any(parameter["in"] == "path" or parameter["name"] == "page" for parameter in parameters):
        statuses.append("404")
    if method in CHANGES:
        statuses.append("409")
    if operation.get("requestBody"):
        statuses.append("415")
    return statuses


def add_error_responses(result: dict, generator, request, public) -> dict:
    """drf-spectacular postprocessing hook (SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"])."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    error = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for operations in result.get("paths", {}).values():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            for status in error_statuses(method, operation):
                responses.setdefault(status, {"description": DESCRIPTIONS[status], "content": error})
            for status, response in responses.items():
                if status >= "400" and "content" not in response:
                    response["content"] = error
    return result
