"""The queues, tables and containers the template creates are the ones the code uses.

Queue names are defined once, in shared/config.py: the template must create each queue and its
`-poison` twin, and every queue binding in the function app must name one of those settings.
"""

from __future__ import annotations

import importlib
import re
import sys
from collections import Counter
from typing import Any

import azure.functions as func

from shared import config
from tests.infra import template

QUEUES = "Microsoft.Storage/storageAccounts/queueServices/queues"
TABLES = "Microsoft.Storage/storageAccounts/tableServices/tables"
CONTAINERS = "Microsoft.Storage/storageAccounts/blobServices/containers"
_SETTING_REF = re.compile(r"^%([^%]+)%$")


def test_the_template_creates_exactly_the_queues_the_settings_define() -> None:
    created = template.deployed_names(QUEUES)
    assert all(isinstance(n, str) for n in created), f"unresolved queue names: {created}"
    assert not [n for n, k in Counter(created).items() if k > 1], "a queue is declared twice"
    assert set(created) == set(config.queue_names())


def test_every_queue_has_its_poison_twin() -> None:
    created = set(template.deployed_names(QUEUES))
    main_queues = [n for n in created if not n.endswith(config.POISON_SUFFIX)]
    assert main_queues and all(n + config.POISON_SUFFIX in created for n in main_queues)


def test_main_bicep_queue_settings_are_the_settings_model() -> None:
    declared = template.main().resolve("queueSettings")
    defaults = config.setting_defaults()
    assert declared == {n: defaults[n] for n in config.queue_setting_names()}


def test_queue_names_fit_with_their_poison_suffix() -> None:
    for name in config.queue_names():
        assert 3 <= len(name) <= 63 and re.fullmatch(r"[a-z0-9](?!.*--)[a-z0-9-]*[a-z0-9]", name), name


def test_the_template_creates_the_state_tables() -> None:
    assert sorted(template.deployed_names(TABLES)) == sorted(config.TABLE_NAMES)


def test_the_staging_and_deployment_containers_exist() -> None:
    containers = set(template.deployed_names(CONTAINERS))
    assert config.DEFAULT_STAGING_CONTAINER in containers
    scope = template.main().module("modules/functionapp.bicep")
    (_, site), = scope.resources("Microsoft.Web/sites")
    storage = site["config"]["properties"]["functionAppConfig"]["deployment"]["storage"]
    assert storage["value"].endswith("${deploymentContainerName}")
    assert scope.resolve("deploymentContainerName") in containers


def _functions(app: func.FunctionApp) -> list[Any]:
    app.functions_bindings = None  # get_functions() is not idempotent (azure-functions-python-worker#1867)
    return list(app.get_functions())


def binding_problems(functions: list[Any]) -> list[str]:
    """Queue, schedule and connection references the deployment could not satisfy."""
    queue_settings = set(config.queue_setting_names())
    schedule_settings = set(config.schedule_setting_names())
    deployed = set(template.app_settings())
    problems: list[str] = []
    for fn in functions:
        for binding in fn.get_bindings():
            where = f"{fn.get_function_name()}.{binding.name}"
            queue = getattr(binding, "queue_name", None)
            if queue:
                ref = _SETTING_REF.match(queue)
                if ref and ref.group(1) not in queue_settings:
                    problems.append(f"{where}: %{ref.group(1)}% is not a queue setting in shared/config.py")
                if not ref and queue not in config.queue_names():
                    problems.append(f"{where}: queue {queue!r} is not created by infra/")
            schedule = getattr(binding, "schedule", None)
            ref = _SETTING_REF.match(schedule or "")
            if ref and ref.group(1) not in schedule_settings:
                problems.append(f"{where}: %{ref.group(1)}% is not a schedule setting in shared/config.py")
            connection = getattr(binding, "connection", None)
            if connection and not any(s == connection or s.startswith(f"{connection}__") for s in deployed):
                problems.append(f"{where}: connection {connection!r} is not deployed")
    return problems


def test_the_function_app_binds_only_deployed_queues_schedules_and_connections() -> None:
    sys.modules.pop("function_app", None)
    app = importlib.import_module("function_app").app
    assert binding_problems(_functions(app)) == []


def test_an_undeployed_queue_binding_is_reported() -> None:
    app = func.FunctionApp()

    @app.queue_trigger(arg_name="msg", queue_name="%PCSYNC_QUEUE_LIVE%", connection="AzureWebJobsStorage")
    @app.queue_output(arg_name="out", queue_name="%PCSYNC_QUEUE_NOWHERE%", connection="AzureWebJobsStorage")
    def good_in_bad_out(msg: func.QueueMessage, out: func.Out[str]) -> None:
        """A queue step whose output names a setting infra never deploys."""

    @app.queue_trigger(arg_name="msg", queue_name="typo-queue", connection="OtherStorage")
    def bad_in(msg: func.QueueMessage) -> None:
        """A literal queue name infra never creates, on an undeployed connection."""

    @app.timer_trigger(arg_name="timer", schedule="%PCSYNC_RECONCILE_SCHEDULE%")
    def reconcile(timer: func.TimerRequest) -> None:
        """A schedule that is deployed."""

    problems = binding_problems(_functions(app))
    assert len(problems) == 3, problems
    assert any("PCSYNC_QUEUE_NOWHERE" in p for p in problems)
    assert any("typo-queue" in p for p in problems) and any("OtherStorage" in p for p in problems)
