"""The directory publisher: at every epoch boundary, the signed directory of the Ready MixNodes.

A component of the runtime, started by the mixnet startup after the keys are loaded. Each
epoch it:

1. reads the ConfigMap ``DIRECTORY_NAMESPACE/DIRECTORY_CONFIGMAP``; when the epoch's key is
   already there (published before a restart) it is opened with the operator's signing key
   pinned and taken as it is: a published epoch never changes, since circuits bind its digest;
2. otherwise builds the epoch's directory from the MixNodes in the informer
   (``routing.build_epoch_directory``: Ready, not Jailed, enabled, keyed, measured), signs it
   (``routing.sign_directory``), and writes it under ``epoch-<N>.json``, dropping the keys of
   epochs older than the newest ``keep_epochs`` (create if absent, else a merge patch);
3. puts it in the ``DirectoryBook``, which queues every Circuit for the Circuit controller.

Nodes and clients read the ConfigMap at each boundary. A MixNode that turns Ready mid-epoch
enters the next epoch's directory; one that fails mid-epoch leaves it at the next boundary
(the Circuit controller redraws around it then). Failures are logged and retried in 2 s.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from fogcompute_api.mixnodes import MixNode
from fogcompute_mixnode.routing import (
    DIRECTORY_CONFIGMAP,
    DIRECTORY_NAMESPACE,
    DirectoryFormatError,
    DirectorySignatureError,
    OpenedDirectory,
    build_epoch_directory,
    directory_configmap_key,
    open_signed_directory,
    sign_directory,
)
from pydantic import ValidationError

from fogcompute_operator.controlling import (
    Clock,
    Informer,
    Tasks,
    resource_version,
    run_periodically,
)
from fogcompute_operator.kube import CONFIGMAPS, Body, ConflictError, KubeApi, object_key
from fogcompute_operator.mixnet.book import DirectoryBook
from fogcompute_operator.mixnet.keeping import MixnetKeys
from fogcompute_operator.mixnet.settings import MixnetSettings

logger = logging.getLogger("fogcompute_operator.mixnet")
RETRY_SECONDS = 2.0
_PREFIX, _SUFFIX = "epoch-", ".json"


def _epoch_of_key(key: str) -> int | None:
    middle = key[len(_PREFIX) : -len(_SUFFIX)]
    if key.startswith(_PREFIX) and key.endswith(_SUFFIX) and middle.isdigit():
        return int(middle)
    return None


def _mixnodes(bodies: list[Body]) -> list[MixNode]:
    parsed = []
    for body in bodies:
        try:
            parsed.append(MixNode.model_validate(body))
        except ValidationError:
            continue  # the MixNode controller reports it; it cannot be in a directory
    return parsed


def _failed(exc: Exception) -> None:
    logger.error(f"could not publish the mixnet directory ({exc!r}); retrying")


def data_patch(data: dict[str, Any], *, epoch: int, document: str, keep: int) -> dict[str, Any]:
    """The ConfigMap data merge patch: add ``epoch``'s document, drop all but ``keep`` epochs."""
    epochs = sorted({e for k in data if (e := _epoch_of_key(k)) is not None} | {epoch})
    patch: dict[str, Any] = {directory_configmap_key(e): None for e in epochs[:-keep]}
    patch[directory_configmap_key(epoch)] = document
    return patch


class DirectoryPublisher:
    def __init__(
        self,
        *,
        api: KubeApi,
        mixnodes: Informer,
        book: DirectoryBook,
        keys: MixnetKeys,
        settings: MixnetSettings,
        clock: Clock,
    ) -> None:
        self._api = api
        self._mixnodes = mixnodes
        self._book = book
        self._keys = keys
        self._settings = settings
        self._clock = clock
        self._tasks = Tasks()
        self.published = 0

    async def start(self) -> None:
        loop = run_periodically(self._epoch_step, retry_seconds=RETRY_SECONDS, on_error=_failed)
        self._tasks.spawn(loop, name="mixnet-directory")

    async def stop(self) -> None:
        await self._tasks.stop()

    async def _epoch_step(self) -> float:
        """Ensure this epoch's directory; the seconds until the next epoch begins."""
        await self.ensure(self._settings.clock.epoch_at(self._clock()))
        return self._settings.clock.seconds_to_next(self._clock()) + 0.01

    async def ensure(self, epoch: int) -> OpenedDirectory:
        """The directory of ``epoch``: the published one, or a new one published now."""
        held = self._book.get(epoch)
        if held is not None:
            return held
        key = object_key(DIRECTORY_NAMESPACE, DIRECTORY_CONFIGMAP)
        configmap = await self._api.get(CONFIGMAPS, key)
        data: dict[str, Any] = dict((configmap or {}).get("data") or {})
        opened = self._open(data.get(directory_configmap_key(epoch)))
        if opened is None:
            opened = await self._publish(epoch, configmap=configmap, data=data)
        self._book.put(opened)
        return opened

    def _open(self, text: Any) -> OpenedDirectory | None:
        if not isinstance(text, str):
            return None
        try:
            return open_signed_directory(
                json.loads(text), trusted_keys=(self._keys.signer_public_key,)
            )
        except (ValueError, DirectoryFormatError, DirectorySignatureError) as exc:
            logger.warning(f"published directory does not open ({exc}); publishing anew")
            return None

    async def _publish(
        self, epoch: int, *, configmap: Body | None, data: dict[str, Any]
    ) -> OpenedDirectory:
        built = build_epoch_directory(
            _mixnodes(self._mixnodes.items()),
            epoch=epoch,
            vrf_public_key=self._keys.vrf_public_key,
        )
        document = sign_directory(built.directory, signing_key=self._keys.signing_seed)
        text = json.dumps(document, sort_keys=True, separators=(",", ":"))
        patch = data_patch(data, epoch=epoch, document=text, keep=self._settings.keep_epochs)
        await self._write(configmap, patch)
        self.published += 1
        names = ",".join(n.name for n in built.directory.nodes)
        skipped = "; ".join(f"{name}: {why}" for name, why in sorted(built.skipped.items()))
        logger.info(
            f"published the mixnet directory of epoch {epoch}",
            extra={"epoch": epoch, "nodes": names, "skipped": skipped[:2000]},
        )
        return open_signed_directory(document, trusted_keys=(self._keys.signer_public_key,))

    async def _write(self, configmap: Body | None, patch: dict[str, Any]) -> None:
        key = object_key(DIRECTORY_NAMESPACE, DIRECTORY_CONFIGMAP)
        if configmap is None:
            body = {
                "apiVersion": "v1",
                "kind": "ConfigMap",
                "metadata": {
                    "name": DIRECTORY_CONFIGMAP,
                    "namespace": DIRECTORY_NAMESPACE,
                    "labels": {"app.kubernetes.io/managed-by": "fog-compute-operator"},
                },
                "data": {k: v for k, v in patch.items() if v is not None},
            }
            if await self._api.create(CONFIGMAPS, body) is not None:
                return
        version = resource_version(configmap or {})
        guard = {"metadata": {"resourceVersion": version}} if version else {}
        try:
            await self._api.patch(CONFIGMAPS, key, patch={**guard, "data": patch})
        except ConflictError:
            raise RuntimeError("the directory ConfigMap changed meanwhile") from None
