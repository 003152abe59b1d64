"""The mail sender is a deployment setting the template cannot deploy without: a required Bicep
parameter fed from the azd environment (AZURE_MAIL_SENDER), written to PCSYNC_MAIL_SENDER, and the
README's deploy steps set it. Without it the health endpoint reports the deployment misconfigured."""

from __future__ import annotations

import json
import re

from shared.health import MAIL_SENDER_PROBLEM, check_health
from tests.infra import template
from tests.infra.template import Runtime
from tests.infra.test_settings import _as_azure_would_set_them

PARAMS = template.INFRA / "main.parameters.json"
README = template.ROOT / "README.md"


def test_the_sender_setting_comes_from_a_required_parameter() -> None:
    assert template.app_settings()["PCSYNC_MAIL_SENDER"] == Runtime("param mailSender")
    param = template.parse(template.MAIN)["parameters"]["mailSender"]
    assert param.get("default") is None, "a default would deploy an app that cannot send its emails"
    min_length = [d["argument"] for d in param.get("decorators", []) if d["type"] == "min_length"]
    assert min_length and min_length[0] >= 3, "an empty sender must be refused at deployment"


def test_azd_feeds_the_parameter_from_its_environment() -> None:
    values = json.loads(PARAMS.read_text())["parameters"]
    assert values["mailSender"] == {"value": "${AZURE_MAIL_SENDER}"}


def test_the_readme_deploy_steps_set_the_sender() -> None:
    text = README.read_text()
    deploy = text[text.index("### Deploy with `azd up`"):]
    deploy = deploy[:deploy.index("azd up ")]
    assert re.search(r"^azd env set AZURE_MAIL_SENDER \S+@\S+", deploy, re.MULTILINE), \
        "the deploy steps must set AZURE_MAIL_SENDER before `azd up`"


def test_the_health_check_needs_the_deployed_sender() -> None:
    deployed = _as_azure_would_set_them()
    assert "PCSYNC_MAIL_SENDER" not in deployed      # a deployment-time value, not a constant
    assert check_health(deployed).problems == [MAIL_SENDER_PROBLEM]
    assert check_health({**deployed, "PCSYNC_MAIL_SENDER": "procore-sync@contoso.com"}).status == "ok"
