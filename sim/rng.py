"""Random-number streams: one per source of randomness, per replication.

Replication ``k`` of a run with root seed ``s`` draws every random value from
streams spawned from ``SeedSequence(s, spawn_key=(k,))``. Each source of
randomness (the HQ activation delay, one department's mobilisation, one task
type's durations, one stream's arrivals, one task type's follow-up draws) has
its own stream, keyed by a stable hash of its name rather than by creation
order. So the same seed gives the same run, replication ``k`` is the same
whatever other replications or worker processes exist, and two staffing
options see the same accidents (common random numbers).

>>> a = RandomStreams(42, 0).stream("duration", "火灾扑救").random()
>>> b = RandomStreams(42, 0).stream("duration", "火灾扑救").random()
>>> a == b
True
"""

from __future__ import annotations

import zlib

import numpy as np


def _stable_key(*parts: str) -> int:
    """Return a 32-bit key for ``parts`` that is the same in every process and Python version."""

    return zlib.crc32("\x1f".join(parts).encode("utf-8"))


class RandomStreams:
    """Named random streams of one replication, created on first use."""

    def __init__(self, root_seed: int, replication: int):
        self.root_seed = int(root_seed)
        self.replication = int(replication)
        self._streams: dict[tuple[str, ...], np.random.Generator] = {}

    def stream(self, *name: str) -> np.random.Generator:
        """Return the generator for the source called ``name`` (for example ('duration', task type id))."""

        generator = self._streams.get(name)
        if generator is None:
            sequence = np.random.SeedSequence(
                entropy=self.root_seed,
                spawn_key=(self.replication, _stable_key(*name)),
            )
            generator = np.random.Generator(np.random.PCG64(sequence))
            self._streams[name] = generator
        return generator
