"""The function catalog: import the app module, call `get_functions()` once, describe what to run.

`get_functions()` is not idempotent (azure-functions-python-worker#1867), so it is called exactly once
here. `%SETTING%` references in queue names and schedules are resolved now, and anything the local
host cannot run faithfully (other trigger or binding types) fails the start instead of misbehaving.
"""

from __future__ import annotations

import importlib
import inspect
import logging
import re
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import azure.functions as func
from azure.functions.decorators.core import BindingDirection

from devhost.settings import ConfigError, resolve_setting_refs

log = logging.getLogger("devhost")

RETURN = "$return"
CONTEXT_ARG = "context"
_QUEUE_NAME = re.compile(r"^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$")


@dataclass(frozen=True)
class HttpTriggerSpec:
    route: str
    methods: tuple[str, ...] | None  # None = every method
    auth_level: func.AuthLevel


@dataclass(frozen=True)
class QueueTriggerSpec:
    queue_name: str
    connection: str


@dataclass(frozen=True)
class TimerTriggerSpec:
    schedule: str
    run_on_startup: bool


@dataclass(frozen=True)
class OutputSpec:
    """An output binding: `name` is the parameter (a func.Out) or `$return`."""

    name: str
    type: str  # "queue" | "http"
    queue_name: str | None = None
    connection: str | None = None


@dataclass(frozen=True)
class FunctionSpec:
    name: str
    fn: Callable[..., Any]
    trigger_arg: str
    trigger: HttpTriggerSpec | QueueTriggerSpec | TimerTriggerSpec
    outputs: tuple[OutputSpec, ...]
    wants_context: bool
    is_async: bool


def validate_queue_name(name: str) -> str:
    if not _QUEUE_NAME.match(name):
        raise ConfigError(f"invalid queue name {name!r} (3-63 lowercase letters, digits and single dashes)")
    return name


def load_app(script_root: Path, module: str) -> func.FunctionRegister:
    """Import `module` from `script_root` and return its single FunctionApp (as the worker indexes it)."""
    root = str(script_root.resolve())
    if root not in sys.path:
        sys.path.insert(0, root)
    mod = importlib.import_module(module)
    apps = [v for v in vars(mod).values() if isinstance(v, func.FunctionRegister)]
    if len(apps) != 1:
        raise ConfigError(f"{module}: expected exactly one FunctionApp at module level, found {len(apps)}")
    return apps[0]


def _direction(binding: Any) -> BindingDirection:
    d = binding.direction
    return d if isinstance(d, BindingDirection) else BindingDirection(int(d))


def _connection(name: str | None) -> str:
    return name or "AzureWebJobsStorage"


def _trigger(binding: Any, env: Mapping[str, str]) -> HttpTriggerSpec | QueueTriggerSpec | TimerTriggerSpec:
    if binding.type == "httpTrigger":
        methods = tuple(str(getattr(m, "value", m)).upper() for m in binding.methods) if binding.methods else None
        level = binding.auth_level or func.AuthLevel.FUNCTION
        return HttpTriggerSpec(binding.route.strip("/"), methods, func.AuthLevel(str(getattr(level, "value", level))))
    if binding.type == "queueTrigger":
        name = validate_queue_name(resolve_setting_refs(binding.queue_name, env))
        return QueueTriggerSpec(name, _connection(binding.connection))
    if binding.type == "timerTrigger":
        return TimerTriggerSpec(resolve_setting_refs(binding.schedule, env), bool(binding.run_on_startup))
    raise ConfigError(f"trigger type {binding.type!r} is not supported by the local host")


def _output(binding: Any, env: Mapping[str, str], fname: str) -> OutputSpec:
    if binding.type == "queue":
        name = validate_queue_name(resolve_setting_refs(binding.queue_name, env))
        return OutputSpec(binding.name, "queue", name, _connection(binding.connection))
    if binding.type == "http":
        return OutputSpec(binding.name, "http")
    raise ConfigError(f"{fname}: binding type {binding.type!r} is not supported by the local host")


def describe_function(f: func.Function, env: Mapping[str, str]) -> FunctionSpec:
    """Turn one indexed Function into a FunctionSpec, validating parameters against bindings."""
    name = str(f.get_function_name())
    trigger_binding = f.get_trigger()
    if trigger_binding is None:
        raise ConfigError(f"{name}: function has no trigger")
    outputs: list[OutputSpec] = []
    for b in f.get_bindings():
        if b is trigger_binding or b.type == trigger_binding.type and b.name == trigger_binding.name:
            continue
        if _direction(b) != BindingDirection.OUT:
            raise ConfigError(f"{name}: input binding {b.type!r} is not supported by the local host")
        outputs.append(_output(b, env, name))
    fn = f.get_user_function()
    params = set(inspect.signature(fn).parameters)
    bound = {trigger_binding.name, *(o.name for o in outputs if o.name != RETURN)}
    missing, extra = bound - params, params - bound - {CONTEXT_ARG}
    if missing or extra:
        raise ConfigError(f"{name}: parameters {sorted(extra)} have no binding / bindings {sorted(missing)} "
                          "have no parameter")
    trigger = _trigger(trigger_binding, env)
    if isinstance(trigger, HttpTriggerSpec) and not any(o.type == "http" for o in outputs):
        outputs.append(OutputSpec(RETURN, "http"))
    if f.get_settings_dict("retry"):
        log.warning("%s: @retry policies are ignored by the local host", name)
    return FunctionSpec(name=name, fn=fn, trigger_arg=trigger_binding.name, trigger=trigger,
                        outputs=tuple(outputs), wants_context=CONTEXT_ARG in params,
                        is_async=inspect.iscoroutinefunction(fn))


def build_catalog(app: func.FunctionRegister, env: Mapping[str, str]) -> list[FunctionSpec]:
    """Index the app (the one call to get_functions) and describe every function."""
    return [describe_function(f, env) for f in app.get_functions()]
