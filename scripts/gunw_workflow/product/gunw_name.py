"""GUNW product name: grammar, hash, standard-vs-CUSTOM rule, version token (docs/product-contract.md).

Consumers split the basename on '-' and index the 12 pieces, so the grammar is strict. The name is only known
once the pair's metadata is known (pair.json), so the workflow writes it to ``product_name.txt`` at run time.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import re
import sys

from gunw_workflow.inputs import secrets
from gunw_workflow.isce_io.times import parse_time
from gunw_workflow.product.gunw_layout import DATASET_VERSION, option

NAME_RE = re.compile(
    r"^S1-GUNW(_CUSTOM)?-[AD]-R-[0-9]{3}-tops-[0-9]{8}_[0-9]{8}-[0-9]{6}-[0-9]{5}[EW]_[0-9]{5}[NS]-PP-[0-9a-f]{4}"
    r"-v[0-9]_[0-9]_[0-9]\.nc$"
)
SCENE_RE = re.compile(r"^S1[A-D]_IW_SLC__1S[SD][VH]_\d{8}T\d{6}_\d{8}T\d{6}_\d{6}_[0-9A-F]{6}_[0-9A-F]{4}$")

# (parameter, test of the standard value) — reference `topsappParams.is_standard_gunw_product`
STANDARD_RULES = (
    ("estimate_ionosphere_delay", lambda v: v is True),
    ("frame_id", lambda v: v is not None and int(v) != -1),
    ("compute_solid_earth_tide", lambda v: v is True),
    ("dense_offsets", lambda v: v is False),
    ("unfiltered_coherence", lambda v: v is True),
    ("esd_coherence_threshold", lambda v: float(v) == -1.0),
    ("goldstein_filter_power", lambda v: float(v) == 0.5),
    ("output_resolution", lambda v: int(v) == 90),
)
PRODUCT_OPTION_KEYS = (
    "estimate_ionosphere_delay",
    "compute_solid_earth_tide",
    "output_resolution",
    "unfiltered_coherence",
    "goldstein_filter_power",
    "dense_offsets",
    "wrapped_phase_layer",
    "esd_coherence_threshold",
)
"""The config keys (reference-tool names) that shape a product; with frame_id they are the product options."""

SECRET_KEY_RE = re.compile(
    r"(passw|secret|token|credential|auth|api[_-]?key|netrc|cookie|session|user)", re.I
)
URL_CREDENTIALS_RE = re.compile(r"(://)[^/@\s]+@")


def sanitise(obj):
    """Provenance without secrets: drop keys that look like credentials, and scrub URLs of user:pass@ and of
    credential query parameters (token, access_token, sig, signature, X-Amz-*, api keys: inputs.secrets)."""
    if isinstance(obj, dict):
        return {k: sanitise(v) for k, v in obj.items() if not SECRET_KEY_RE.search(str(k))}
    if isinstance(obj, (list, tuple)):
        return [sanitise(v) for v in obj]
    if isinstance(obj, str):
        return secrets.scrub_text(URL_CREDENTIALS_RE.sub(r"\1", obj))
    return obj


def non_standard_reasons(options: dict) -> list[str]:
    """Which standard-product rules the product options break (empty list = standard S1-GUNW).

    ``options`` must hold every key of STANDARD_RULES (a missing one raises gunw_layout.MissingOptionError).
    """
    out = []
    for key, ok in STANDARD_RULES:
        value = option(options, key)
        if not ok(value):
            out.append(f"{key}={value!r}")
    return out


def prefix(options: dict) -> str:
    return "S1-GUNW" if not non_standard_reasons(options) else "S1-GUNW_CUSTOM"


def scene_hash(reference_ids, secondary_ids) -> str:
    """First 4 hex chars of md5 of json.dumps([" ".join(sorted(ref)), " ".join(sorted(sec))])."""
    text = json.dumps([" ".join(sorted(reference_ids)), " ".join(sorted(secondary_ids))])
    return hashlib.md5(text.encode("utf-8")).hexdigest()[:4]


def scene_times(scene_id: str, meta: dict | None = None) -> tuple[dt.datetime, dt.datetime]:
    """Start/stop of a scene: ASF times from pair.json when present, else the id's fields 5 and 6."""
    if meta and meta.get("start") and meta.get("stop"):
        return parse_time(meta["start"]), parse_time(meta["stop"])
    f = scene_id.split("_")
    return parse_time(f[5]), parse_time(f[6])


def pass_centre(scene_ids, scenes_meta: dict | None = None) -> dt.datetime:
    """min(start) + (max(stop) - min(start)) / 2 over the SLCs of one pass."""
    times = [scene_times(s, (scenes_meta or {}).get(s)) for s in scene_ids]
    t0 = min(t[0] for t in times)
    t1 = max(t[1] for t in times)
    return t0 + (t1 - t0) / 2


def lon_lat_token(west: float, south: float) -> str:
    """LLLLL{E,W}_PPPPP{N,S}: round-half-even of west/south; direction from the unrounded value."""
    ew = "W" if west <= 0 else "E"
    ns = "N" if south >= 0 else "S"
    return f"{abs(round(west)):05d}{ew}_{abs(round(south)):05d}{ns}"


def version_token(version: str = DATASET_VERSION) -> str:
    parts = version.split(".")
    if len(parts) != 3 or not all(p.isdigit() and len(p) == 1 for p in parts):
        raise ValueError(f"dataset version must be three single digits, got {version!r}")
    if int("".join(parts)) < 300:
        raise ValueError(f"dataset version {version} < 3.0.0 would be treated as a v2 product")
    return "v" + "_".join(parts)


def product_name(pair: dict, options: dict, version: str = DATASET_VERSION) -> str:
    """The full file name (with .nc) from pair.json content and the pair's complete product options."""
    ref, sec = list(pair["reference_scenes"]), list(pair["secondary_scenes"])
    meta = pair.get("scenes") or {}
    direction = str(pair["flight_direction"]).upper()[:1]
    if direction not in ("A", "D"):
        raise ValueError(f"flight_direction must be ASCENDING/DESCENDING, got {pair['flight_direction']!r}")
    track = int(pair["track"])
    if not 1 <= track <= 175:
        raise ValueError(f"track {track} outside 1..175")
    ref_c, sec_c = pass_centre(ref, meta), pass_centre(sec, meta)
    if ref_c.date() <= sec_c.date():
        raise ValueError(f"reference pass ({ref_c:%Y-%m-%d}) must be later than secondary ({sec_c:%Y-%m-%d})")
    south, _north, west, _east = pair["extent_snwe"]
    name = "-".join(
        [
            prefix(options),
            direction,
            "R",
            f"{track:03d}",
            "tops",
            f"{ref_c:%Y%m%d}_{sec_c:%Y%m%d}",
            f"{ref_c:%H%M%S}",
            lon_lat_token(west, south),
            "PP",
            scene_hash(ref, sec),
            version_token(version) + ".nc",
        ]
    )
    problems = name_problems(name)
    if problems:
        raise ValueError(f"generated name {name} is invalid: {problems}")
    return name


def name_problems(path: str) -> list[str]:
    """Every way a product path breaks the consumer grammar (checklist items 1-2); empty list = valid."""
    out = []
    if ":" in path or '"' in path:
        out.append("path contains ':' or '\"' (ARIA-tools splits GDAL subdataset names on them)")
    base = path.rsplit("/", 1)[-1]
    tokens = base.split("-")
    if len(tokens) != 12:
        out.append(f"name has {len(tokens)} dash tokens, expected 12")
    if not base.endswith(".nc"):
        out.append("extension must be lower-case .nc")
    if not NAME_RE.match(base):
        out.append("name does not match the S1-GUNW grammar regex")
    if len(tokens) == 12:
        dates = tokens[6].split("_")
        try:
            d_ref, d_sec = (dt.datetime.strptime(d, "%Y%m%d") for d in dates)
            if d_ref <= d_sec:
                out.append(f"date token {tokens[6]} is not later_earlier")
        except ValueError:
            out.append(f"date token {tokens[6]} is not two valid %Y%m%d dates")
        m = re.match(r"^v(\d)_(\d)_(\d)\.nc$", tokens[11])
        if m and int("".join(m.groups())) < 300:
            out.append(f"version token {tokens[11]} is below v3_0_0")
    return out


def parse_name(path: str) -> dict:
    """Split a valid name into its fields."""
    base = path.rsplit("/", 1)[-1]
    t = base.split("-")
    ref, sec = t[6].split("_")
    return {
        "prefix": f"{t[0]}-{t[1]}",
        "direction": t[2],
        "track": int(t[4]),
        "reference_date": ref,
        "secondary_date": sec,
        "time": t[7],
        "lon_lat": t[8],
        "hash": t[10],
        "version": t[11][1:-3].replace("_", "."),
        "label": base[:-3],
    }


def main(argv=None):
    p = argparse.ArgumentParser(description="Print the GUNW product name of a pair (or check a name).")
    p.add_argument("--pair-json", help="pair.json written by the check rule")
    p.add_argument(
        "--options-json",
        help="JSON file with the pair's complete product options (PRODUCT_OPTION_KEYS, frame_id)",
    )
    p.add_argument("--check", help="check a product name / path and list its problems")
    a = p.parse_args(argv)
    if a.check:
        problems = name_problems(a.check)
        for pr in problems:
            print(pr, file=sys.stderr)
        return 1 if problems else 0
    if not (a.pair_json and a.options_json):
        p.error("--pair-json with --options-json, or --check, is required")
    with open(a.pair_json) as f:
        pair = json.load(f)
    with open(a.options_json) as f:
        options = json.load(f)
    print(product_name(pair, options))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
