"""Demo world: a seeded, realistic SMB market written as the nine sources, plus hidden truth.

>>> from pathlib import Path
>>> from fitintent.demo import generate_world
>>> info = generate_world(Path("/tmp/world"), accounts=2_000, seed=7)  # doctest: +SKIP
>>> sorted(info.counts)[:3]  # doctest: +SKIP
['accounts', 'agreements', 'install_base']

The sources land in ``out/sources``; the generator's hidden propensities, factors and buying
cycles in ``out/truth`` (for evaluation code and tests only); ``out/fitintent.toml`` runs the
pipeline on the world as it is.
"""

from fitintent.demo._crawled import use_crawl
from fitintent.demo._world import SOURCES, WorldInfo, generate_world, stream_world

__all__ = ["SOURCES", "WorldInfo", "generate_world", "stream_world", "use_crawl"]
