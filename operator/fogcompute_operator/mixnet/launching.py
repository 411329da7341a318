"""Starting what needs the operator's mixnet keys, once they can be had.

The keys live in a Secret in ``DIRECTORY_NAMESPACE``; until that namespace exists (the chart
creates it) they cannot be loaded or created. The rest of the operator must not wait for that:
``KeyedLauncher`` is a runtime component that tries every ``retry_seconds`` (logging why not)
and, once it has the keys, calls ``launch`` with them, which puts the directory publisher and
the Circuit controller on the runtime. Stopping it before then stops the tries.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from fogcompute_mixnode.routing import DIRECTORY_NAMESPACE

from fogcompute_operator.controlling import Tasks, retry_until_done
from fogcompute_operator.kube import KubeApi
from fogcompute_operator.mixnet.keeping import MixnetKeys, load_or_create_keys

logger = logging.getLogger("fogcompute_operator.mixnet")


class KeyedLauncher:
    def __init__(
        self,
        *,
        api: KubeApi,
        secret: str,
        launch: Callable[[MixnetKeys], Awaitable[None]],
        retry_seconds: float = 5.0,
    ) -> None:
        self._api = api
        self._secret = secret
        self._launch = launch
        self._retry = retry_seconds
        self._tasks = Tasks()
        self.keys: MixnetKeys | None = None

    async def start(self) -> None:
        self._tasks.spawn(self._run(), name="mixnet-keys")

    async def stop(self) -> None:
        await self._tasks.stop()

    async def _run(self) -> None:
        keys = await retry_until_done(
            lambda: load_or_create_keys(self._api, secret=self._secret),
            retry_seconds=self._retry,
            on_error=self._unavailable,
        )
        self.keys = keys
        logger.info(
            "mixnet keys loaded",
            extra={
                "directory_signer": keys.signer_public_key.hex(),
                "vrf_public_key": keys.vrf_public_key.hex(),
            },
        )
        await self._launch(keys)

    def _unavailable(self, exc: Exception) -> None:
        logger.warning(
            f"mixnet keys not available from Secret {DIRECTORY_NAMESPACE}/{self._secret} "
            f"({exc!r}); is there a namespace {DIRECTORY_NAMESPACE}? retrying"
        )
