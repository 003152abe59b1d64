"""Message encoding both ways, strict base64 like .NET, output binding values, connection lookup."""

from __future__ import annotations

import pytest
from azure.functions import QueueMessage

from devhost.settings import ConfigError
from devhost.storage import (
    MessageDecodeError,
    decode_message,
    encode_message,
    output_payloads,
    resolve_connection,
)


def test_base64_round_trip() -> None:
    text = encode_message('{"a": "é"}', "base64")
    assert text == "eyJhIjogIsOpIn0="
    assert decode_message(text, "base64") == '{"a": "é"}'.encode()


def test_none_encoding_keeps_text() -> None:
    assert encode_message("hello", "none") == "hello"
    assert encode_message(b"bytes", "none") == "bytes"
    assert decode_message("not base64 !", "none") == b"not base64 !"


@pytest.mark.parametrize("text", ["plain text is not base64 !", "abc", "ab$=", "{\"json\": 1}"])
def test_invalid_base64_is_a_decode_error(text: str) -> None:
    with pytest.raises(MessageDecodeError):
        decode_message(text, "base64")


def test_base64_tolerates_whitespace_like_dotnet() -> None:
    assert decode_message("aGVs\nbG8=", "base64") == b"hello"


def test_output_values_as_the_worker_converts_them() -> None:
    assert output_payloads(None) == []
    assert output_payloads("one") == ["one"]
    assert output_payloads(b"raw") == [b"raw"]
    assert output_payloads(["a", QueueMessage(body="b")]) == ["a", b"b"]
    with pytest.raises(TypeError):
        output_payloads([b"bytes in a list are refused by the worker too"])
    with pytest.raises(TypeError):
        output_payloads(42)


def test_connection_names_an_app_setting_with_the_azurewebjobs_fallback() -> None:
    env = {"AzureWebJobsStorage": "host", "Other": "other", "AzureWebJobsThird": "third"}
    assert resolve_connection("AzureWebJobsStorage", env) == "host"
    assert resolve_connection("Other", env) == "other"
    assert resolve_connection("Third", env) == "third"
    with pytest.raises(ConfigError):
        resolve_connection("Missing", env)
