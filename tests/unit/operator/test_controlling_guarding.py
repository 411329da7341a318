"""The runtime's guarded write (``controlling.guarding``) against the in-memory API: the write
gets the key and the version read, the stored object lands in the informer, and a conflict
refreshes the informer (or forgets an object that is gone) before it is re-raised."""

from __future__ import annotations

from typing import Any

import pytest
from fogcompute_operator.controlling import (
    GuardedWrite,
    Informers,
    InformerSpec,
    resource_version,
    write_guarded,
)
from fogcompute_operator.kube import STAKES, Body, ConflictError, ObjectKey
from operator_fakes import FakeKubeApi

KEY = ObjectKey("ns/s")


def _stake(**labels: str) -> dict[str, Any]:
    return {"metadata": {"name": "s", "namespace": "ns", "labels": labels}, "spec": {}}


def _informers() -> Informers:
    informers = Informers()
    informers.register(InformerSpec(STAKES))
    return informers


def _label_write(api: FakeKubeApi, seen: list[tuple[ObjectKey, str]]) -> GuardedWrite:
    async def write(key: ObjectKey, version: str) -> Body:
        seen.append((key, version))
        patch = {"metadata": {"labels": {"x": "y"}, "resourceVersion": version}}
        return await api.patch(STAKES, key, patch=patch)

    return write


@pytest.mark.parametrize(
    ("body", "version"),
    [
        pytest.param({"metadata": {"resourceVersion": "42"}}, "42", id="read version"),
        pytest.param({"metadata": {"resourceVersion": 7}}, "7", id="a number, as text"),
        pytest.param({"metadata": {}}, "", id="none: empty"),
        pytest.param({}, "", id="no metadata: empty"),
    ],
)
def test_resource_version(body: dict[str, Any], version: str) -> None:
    assert resource_version(body) == version


async def test_the_write_gets_the_read_version_and_its_result_is_cached() -> None:
    api, informers, seen = FakeKubeApi(), _informers(), []
    read = api.store(STAKES, _stake())
    written = await write_guarded(
        _label_write(api, seen), api=api, informers=informers, resource=STAKES, body=read
    )
    assert seen == [(KEY, read["metadata"]["resourceVersion"])]
    assert written["metadata"]["labels"] == {"x": "y"}
    assert informers[STAKES].get(KEY) == written
    assert api.calls["get stakes"] == 0  # no conflict, no GET


async def test_a_stale_version_refreshes_the_informer_and_reraises() -> None:
    api, informers = FakeKubeApi(), _informers()
    stale = api.store(STAKES, _stake())
    fresh = api.store(STAKES, _stake(moved="on"))
    informers[STAKES].put(stale)
    with pytest.raises(ConflictError):
        await write_guarded(
            _label_write(api, []), api=api, informers=informers, resource=STAKES, body=stale
        )
    assert informers[STAKES].get(KEY) == fresh
    assert api.objects[STAKES][KEY]["metadata"]["labels"] == {"moved": "on"}  # not written


async def test_a_conflict_on_a_gone_object_forgets_it() -> None:
    api, informers = FakeKubeApi(), _informers()
    read = api.store(STAKES, _stake())
    informers[STAKES].put(read)
    await api.delete(STAKES, KEY)
    with pytest.raises(ConflictError):
        await write_guarded(
            _label_write(api, []), api=api, informers=informers, resource=STAKES, body=read
        )
    assert informers[STAKES].get(KEY) is None


async def test_a_resource_without_an_informer_is_written_all_the_same() -> None:
    api, seen = FakeKubeApi(), []
    read = api.store(STAKES, _stake())
    written = await write_guarded(
        _label_write(api, seen), api=api, informers=Informers(), resource=STAKES, body=read
    )
    assert written["metadata"]["labels"] == {"x": "y"}
