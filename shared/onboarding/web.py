"""A framework-free HTTP request/response pair and the API's error shape, so handlers live in shared/.

functions/ converts func.HttpRequest -> ApiRequest and ApiResponse -> func.HttpResponse; everything
between (auth, validation, error mapping) is plain Python, testable without a host. An ApiProblem
raised anywhere becomes `{"error", "message", "problems": [{"field", "problem"}]}`; input values are
never echoed (they may be secrets). Every response says `X-Content-Type-Options: nosniff` (a browser
must never sniff an echoed value into HTML), and bodies are capped. Never imports azure.functions.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import urlsplit

from pydantic import BaseModel, ValidationError

from shared.onboarding.schemas import ErrorBody, FieldProblem

ModelT = TypeVar("ModelT", bound=BaseModel)
JSON_TYPE = "application/json"
SECURITY_HEADERS: Mapping[str, str] = {"X-Content-Type-Options": "nosniff"}
MAX_API_BODY_BYTES = 256 * 1024   # onboarding bodies are a few KB (credentials, a folder path, tool modes)
_VALUE_ERROR_PREFIXES = ("Value error, ", "Assertion failed, ")


@dataclass(frozen=True)
class ApiRequest:
    method: str
    url: str
    headers: Mapping[str, str]                 # keys lower-case
    params: Mapping[str, str] = field(default_factory=dict)
    route: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    @property
    def origin(self) -> str:
        """scheme://host[:port] of the URL the caller used (the host's public origin in Azure)."""
        parts = urlsplit(self.url)
        return f"{parts.scheme}://{parts.netloc}"


@dataclass(frozen=True)
class ApiResponse:
    status: int
    body: bytes = b""
    content_type: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        present = {name.lower() for name in self.headers}
        extra = {k: v for k, v in SECURITY_HEADERS.items() if k.lower() not in present}
        if extra:
            object.__setattr__(self, "headers", {**self.headers, **extra})

    @classmethod
    def json(cls, status: int, payload: BaseModel | Mapping[str, Any],
             headers: Mapping[str, str] | None = None) -> ApiResponse:
        if isinstance(payload, BaseModel):
            raw = payload.model_dump_json(exclude_none=False).encode()
        else:
            raw = json.dumps(payload, separators=(",", ":")).encode()
        return cls(status, raw, JSON_TYPE, dict(headers or {}))

    @classmethod
    def text(cls, status: int, text: str) -> ApiResponse:
        return cls(status, text.encode(), "text/plain; charset=utf-8")

    @classmethod
    def empty(cls, status: int = 204) -> ApiResponse:
        return cls(status)


class ApiProblem(Exception):
    """An answer other than success, with a machine code, a sentence a person can act on, and the
    fields concerned."""

    def __init__(self, status: int, code: str, message: str, problems: list[FieldProblem] | None = None,
                 headers: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.problems = problems or []
        self.headers = dict(headers or {})

    @classmethod
    def on_field(cls, status: int, code: str, field_name: str, message: str) -> ApiProblem:
        return cls(status, code, message, [FieldProblem(field=field_name, problem=message)])

    def response(self) -> ApiResponse:
        body = ErrorBody(error=self.code, message=self.message, problems=self.problems)
        return ApiResponse.json(self.status, body, self.headers)


def not_found(what: str = "resource") -> ApiProblem:
    return ApiProblem(404, "not_found", f"No such {what}.")


def check_body_size(request: ApiRequest, limit: int) -> None:
    """413 with the API's error shape when the body is larger than `limit` bytes (checked before parsing)."""
    if len(request.body) > limit:
        raise ApiProblem.on_field(413, "payload_too_large", "body",
                                  f"The request body is {len(request.body)} bytes; the limit is {limit}.")


def parse_body(model: type[ModelT], request: ApiRequest) -> ModelT:
    """The body as `model`; too large -> 413, malformed JSON -> 400, any invalid field -> 422 naming each field."""
    check_body_size(request, MAX_API_BODY_BYTES)
    try:
        return model.model_validate_json(request.body or b"")
    except ValidationError as exc:
        raise problem_from(exc, model) from None


def problem_from(exc: ValidationError, model: type[BaseModel]) -> ApiProblem:
    errors = exc.errors(include_input=False, include_url=False)
    if any(e["type"] == "json_invalid" for e in errors):
        return ApiProblem(400, "malformed_json", "The request body is not valid JSON.")
    problems = [FieldProblem(field=_field_of(e["loc"], str(e["msg"]), model), problem=_clean(str(e["msg"])))
                for e in errors]
    summary = "; ".join(f"{p.field}: {p.problem}" for p in problems)
    return ApiProblem(422, "invalid_request", f"The request has {len(problems)} invalid field(s): {summary}",
                      problems)


def _clean(message: str) -> str:
    for prefix in _VALUE_ERROR_PREFIXES:
        if message.startswith(prefix):
            return message[len(prefix):]
    return message


def _field_of(loc: tuple[int | str, ...], message: str, model: type[BaseModel]) -> str:
    """Dotted path of the field; a whole-model rule names the field its message starts with or
    mentions first ("tools.photos: ...", "give exactly one of procore_project_id or ...")."""
    if loc:
        return ".".join(str(p) for p in loc)
    text = _clean(message)
    head = text.split(":", 1)[0]
    if ":" in text and head.split(".")[0] in model.model_fields:
        return head
    mentioned = [(text.find(name), name) for name in model.model_fields if name in text]
    return min(mentioned)[1] if mentioned else "body"
