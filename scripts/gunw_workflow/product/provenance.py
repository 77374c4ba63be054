"""The workflow config a product records (its ``workflow_config`` attribute): one definition for both sides.

The Snakefile uses :func:`for_pair` as the `package_gunw` params (so a changed setting re-packages) and puts the
part shared by every pair in the environment (:data:`ENV`); `gunw package` rebuilds the same record from that and
the pair's pair.json. The command line stays short: the record is ~2.5 KB per pair.
"""

from __future__ import annotations

import json
import os

from gunw_workflow.product import gunw_name

ENV = "GUNW_PRODUCT_PROVENANCE"

NOT_PROVENANCE = (
    "pairs",
    "pairs_tsv",
    "stack",  # which pairs a frame stack has; each product records its own pair
    "reference_scenes",
    "secondary_scenes",
    "reference_date",
    "secondary_date",
    "downloads",
    "resources",
    "isce2",
    "keep_intermediates",
    "min_frame_coverage",  # a gate (pair.json records the coverage and the threshold it passed)
    "bucket",  # where a copy is uploaded, not how the product was made
    "bucket_prefix",
    "delivery",
)
"""Config keys a product does not record: the other pairs, and settings that change no result (how to download,
which interpreter, job resources, where copies are uploaded, whether intermediates are kept, the frame-coverage gate), so changing them
re-packages nothing."""

PAIR_KEYS = ("reference_scenes", "secondary_scenes", "frame_id")
DATE_PAIR_KEYS = ("frame_id", "reference_date", "secondary_date")
"""A frame + dates pair records what it was given (its scenes, found later, are in pair.json and the product)."""


def shared(config: dict) -> dict:
    """The recorded keys that are the same for every pair."""
    return {k: v for k, v in config.items() if k not in NOT_PROVENANCE}


def for_pair(shared_part: dict, pair: dict) -> dict:
    """The record of one pair: only this pair (adding pairs to a stack re-packages nothing), no credentials."""
    own = dict(shared_part)
    own.update({k: pair[k] for k in (DATE_PAIR_KEYS if pair.get("reference_date") else PAIR_KEYS)})
    if pair.get("bursts"):  # burst mode (pair.json): the burst granules and the SLC ids they were cut from
        own["input_bursts"] = input_bursts(pair["bursts"])
    return gunw_name.sanitise(own)


def input_bursts(record: dict) -> dict:
    """Per role, the SLC ids and the burst granules (ASF names) a burst-mode product was made from. Kept out of
    L1InputGranules: ARIA-tools and RAiDER read SLC-id fields there (date at [17:25], `_`-field 5 = start)."""
    return {
        role: {"slcs": list(record[role]["slcs"]), "bursts": [b["granule"] for b in record[role]["bursts"]]}
        for role in ("reference", "secondary")
    }


def to_json(record: dict) -> str:
    return json.dumps(record, sort_keys=True, default=str)


def env_json(record: dict) -> str:
    """JSON for the environment variable: no apostrophe, as remote executors export it in single quotes."""
    return to_json(record).replace("'", "\\u0027")


def from_environment(pair: dict, env=None) -> dict:
    """The record of ``pair`` (a pair.json) from the shared part the Snakefile put in the environment."""
    env = os.environ if env is None else env
    if ENV not in env:
        raise KeyError(f"{ENV} is not set: `gunw package --config-env` is meant to run from the workflow")
    return for_pair(json.loads(env[ENV]), pair)
