"""The webhook's environment: off by default, exactly one way to be reached, clear errors."""

from __future__ import annotations

import pytest
from fogcompute_operator.admitting import ServiceRef, WebhookSettings

AGENT = "system:serviceaccount:fog-system:fog-compute-edge-agent"


def test_off_unless_asked() -> None:
    assert not WebhookSettings.from_environ({}).enabled
    assert not WebhookSettings.from_environ({"FOG_EVICTION_WEBHOOK": "false"}).enabled


def test_a_host_process_is_reached_by_url() -> None:
    settings = WebhookSettings.from_environ(
        {
            "FOG_EVICTION_WEBHOOK": "true",
            "FOG_EVICTION_WEBHOOK_AGENT": AGENT,
            "FOG_EVICTION_WEBHOOK_LISTEN": "127.0.0.1:18443",
            "FOG_EVICTION_WEBHOOK_URL": "https://127.0.0.1:18443/",
        }
    )
    assert settings.enabled
    assert settings.agent_user == AGENT
    assert (settings.listen_host, settings.listen_port) == ("127.0.0.1", 18443)
    assert settings.url == "https://127.0.0.1:18443"
    assert settings.hosts == ("127.0.0.1",)


def test_a_pod_is_reached_through_its_service() -> None:
    settings = WebhookSettings.from_environ(
        {
            "FOG_EVICTION_WEBHOOK": "true",
            "FOG_EVICTION_WEBHOOK_AGENT": AGENT,
            "FOG_EVICTION_WEBHOOK_SERVICE": "fog-system/fog-compute-webhook:443",
        }
    )
    assert settings.service == ServiceRef("fog-system", "fog-compute-webhook", 443)
    assert settings.hosts[0] == "fog-compute-webhook.fog-system.svc"
    assert (settings.listen_host, settings.listen_port) == ("0.0.0.0", 9443)


@pytest.mark.parametrize(
    ("env", "names"),
    [
        ({"FOG_EVICTION_WEBHOOK": "maybe"}, "FOG_EVICTION_WEBHOOK="),
        ({"FOG_EVICTION_WEBHOOK_AGENT": "edge-agent"}, "FOG_EVICTION_WEBHOOK_AGENT"),
        ({"FOG_EVICTION_WEBHOOK_AGENT": "system:serviceaccount:ns:x' || true"}, "_AGENT"),
        ({"FOG_EVICTION_WEBHOOK_URL": ""}, "exactly one of"),
        ({"FOG_EVICTION_WEBHOOK_SERVICE": "ns/svc:443"}, "exactly one of"),
        ({"FOG_EVICTION_WEBHOOK_URL": "http://127.0.0.1:1"}, "must be https"),
        ({"FOG_EVICTION_WEBHOOK_LISTEN": "9443"}, "FOG_EVICTION_WEBHOOK_LISTEN"),
        ({"FOG_EVICTION_WEBHOOK_LISTEN": "0.0.0.0:99999"}, "not a TCP port"),
    ],
)
def test_a_wrong_value_names_the_variable(env: dict[str, str], names: str) -> None:
    base = {
        "FOG_EVICTION_WEBHOOK": "true",
        "FOG_EVICTION_WEBHOOK_AGENT": AGENT,
        "FOG_EVICTION_WEBHOOK_URL": "https://127.0.0.1:18443",
    }
    if "FOG_EVICTION_WEBHOOK_SERVICE" in env:
        base["FOG_EVICTION_WEBHOOK_SERVICE"] = env["FOG_EVICTION_WEBHOOK_SERVICE"]
    with pytest.raises(ValueError, match=names):
        WebhookSettings.from_environ({**base, **env})
