"""Issue 17: the README's deploy section says what the template and hooks do, in the words an operator
types (the settings, the retry, the timeout), so a change on either side shows up here."""

from __future__ import annotations

import re

from tests.infra.template import ROOT
from tests.infra.test_function_timeout import function_timeout

README = ROOT / "README.md"


def _deploy_section() -> str:
    text = README.read_text()
    start = text.index("## Deployment and operations")
    return text[start:text.index("\n## ", start + 1)] if "\n## " in text[start + 1:] else text[start:]


def test_the_operator_type_and_zone_switch_are_set_the_way_main_parameters_reads_them() -> None:
    deploy = _deploy_section()
    assert re.search(r"azd env set AZURE_OPERATOR_PRINCIPAL_TYPE Group", deploy)
    assert re.search(r"azd env set AZURE_ZONE_REDUNDANT true", deploy)
    assert "2 always-ready instances" in deploy and "every** function group" in deploy, "say what it costs"


def test_the_first_deploy_is_not_promised_to_succeed_in_one_shot() -> None:
    deploy = _deploy_section()
    assert "InaccessibleStorageException" in deploy and "not a guarantee" in deploy
    assert re.search(r"wait a minute and run\s+`azd deploy`", deploy)


def test_the_vault_recreation_story_names_the_seed() -> None:
    deploy = _deploy_section()
    assert "AZURE_KEY_VAULT_SEED" in deploy and "do not recover it" in deploy


def test_the_stated_function_timeout_is_host_json_s() -> None:
    stated = re.search(r"`functionTimeout` to (\d+) s", _deploy_section())
    assert stated and int(stated[1]) == function_timeout().total_seconds()


def test_the_staging_account_and_its_setting_are_explained() -> None:
    deploy = _deploy_section()
    assert "PCSYNC_STAGING_BLOB_URI" in deploy and "AZURE_STAGING_STORAGE_ACCOUNT_NAME" in deploy
    assert "never geo-replicated" in deploy and "Storage Blob Data Contributor" in deploy
