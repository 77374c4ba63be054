"""Scene metadata for the check rule: from ASF (asf_search -> CMR) or from a local SAFE (.zip or .SAFE dir).

Both paths return the same record per scene (start, stop, footprint_wkt, ipf_version, flight_direction, track,
platform, polarization, bytes, md5, url, source), so the pair rules do not care where a scene came from. The ASF
path takes a base URL so tests send it to a loopback server replaying recorded CMR responses; the local path is
what the offline demo and HPC users with data on disk use (no network, no credentials).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import requests
from shapely.geometry import Polygon, shape

from gunw_workflow.inputs import http_fetch

ASF_SEARCH_HOST = "cmr.earthdata.nasa.gov"  # asf_search's granule search goes to CMR
NS = {
    "safe": "http://www.esa.int/safe/sentinel-1.0",
    "s1": "http://www.esa.int/safe/sentinel-1.0/sentinel-1",
    "s1sarl1": "http://www.esa.int/safe/sentinel-1.0/sentinel-1/sar/level-1",
    "gml": "http://www.opengis.net/gml",
}


class MetadataError(RuntimeError):
    """Metadata could not be obtained (service down after retries, unreadable SAFE); message says why."""


def _iso(text: str) -> str:
    """ISO-8601 UTC with a Z, microseconds kept when present."""
    text = text.strip()
    if text.endswith("Z"):
        text = text[:-1]
    return text + "Z"


# --------------------------------------------------------------------------------------------------- ASF / CMR
def _record_from_asf(product) -> dict:
    p = product.properties
    geom = shape(product.geometry)
    return {
        "id": p["sceneName"],
        "start": _iso(p["startTime"]),
        "stop": _iso(p["stopTime"]),
        "footprint_wkt": geom.wkt,
        "ipf_version": p.get("pgeVersion"),
        "flight_direction": (p.get("flightDirection") or "").upper(),
        "track": int(p["pathNumber"]) if p.get("pathNumber") is not None else None,
        "absolute_orbit": int(p["orbit"]) if p.get("orbit") is not None else None,
        "platform": p.get("platform"),
        "polarization": p.get("polarization"),
        "beam_mode": p.get("beamModeType"),
        "processing_level": p.get("processingLevel"),
        "bytes": int(p["bytes"]) if p.get("bytes") is not None else None,
        "md5": p.get("md5sum"),
        "url": p.get("url"),
        "source": "asf",
    }


def search_session(base_url: str | None = None):
    """An asf_search session whose transient HTTP statuses raise at once (our retry loop owns the backoff, so
    asf_search's own multi-second 5xx waits never run)."""
    import asf_search
    from requests.adapters import HTTPAdapter
    from urllib3.util.retry import Retry

    asf_search.REPORT_ERRORS = False  # never post our failures to ASF's error-report endpoint
    session = asf_search.ASFSession()
    session.trust_env = False
    fail_fast = Retry(
        total=0,
        status_forcelist=sorted(http_fetch.TRANSIENT_STATUS),
        allowed_methods=None,
        raise_on_status=True,
    )
    adapter = (
        http_fetch.RewriteAdapter(base_url, max_retries=fail_fast)
        if base_url
        else HTTPAdapter(max_retries=fail_fast)
    )
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


def search_asf(
    scene_ids: list[str], base_url: str | None = None, session=None, policy=None
) -> dict[str, dict]:
    """ASF metadata of the SLC products of `scene_ids` (granule search; other product types of the same scene
    are dropped). Returns id -> record for the scenes found; retried on transient failures."""
    import asf_search

    policy = policy or http_fetch.RetryPolicy()
    session = session or search_session(base_url)
    ids = sorted(set(scene_ids))

    def run():
        results = asf_search.granule_search(ids, opts=asf_search.ASFSearchOptions(session=session))
        out = {}
        for product in results:
            if product.properties.get("processingLevel") != "SLC":
                continue
            rec = _record_from_asf(product)
            if rec["id"] in ids:
                out[rec["id"]] = rec
        return out

    try:
        return search_with_retries(run, "ASF search", policy, base_url)
    except SearchFailed as exc:
        raise MetadataError(f"ASF search for {len(ids)} scene(s) failed after {exc}") from exc


class SearchFailed(RuntimeError):
    """Every attempt of an ASF search failed: '<n> attempts: <last error><hint>' (the caller names the search)."""


def search_with_retries(run, label: str, policy, base_url: str | None = None):
    """run() (one asf_search query) retried on transient failures, as every ASF search of the inputs is."""
    from asf_search.exceptions import ASFSearchError

    last, unreachable = "", 0
    for attempt in range(1, policy.attempts + 1):
        try:
            return run()
        except (requests.RequestException, ASFSearchError, ValueError, KeyError, TypeError) as exc:
            last = f"{type(exc).__name__}: {str(exc)[:200]}"
            unreachable += http_fetch.is_unreachable(exc)
        if attempt < policy.attempts:
            wait = policy.wait(attempt)
            http_fetch.log.warning(
                "%s: attempt %d failed (%s); retrying in %.3g s", label, attempt, last, wait
            )
            time.sleep(wait)
    hint = ""
    if unreachable == policy.attempts:
        hint = http_fetch.unreachable_hint(base_url or "https://" + ASF_SEARCH_HOST)
    raise SearchFailed(f"{policy.attempts} attempts: {last}{hint}")


# --------------------------------------------------------------------------------------------------- local SAFE
def _read_manifest(path: Path) -> bytes:
    if path.is_dir():
        manifest = path / "manifest.safe"
        if not manifest.is_file():
            raise MetadataError(
                f"{path} has no manifest.safe; a SAFE directory needs it (ISCE2 reads it too)"
            )
        return manifest.read_bytes()
    try:
        with zipfile.ZipFile(path) as zf:
            names = [n for n in zf.namelist() if re.fullmatch(r"[^/]+\.SAFE/manifest\.safe", n)]
            if not names:
                raise MetadataError(
                    f"{path} has no <scene>.SAFE/manifest.safe member; ISCE2 needs a zip holding the SAFE folder "
                    "with its manifest (as distributed by ASF/ESA)"
                )
            return zf.read(names[0])
    except zipfile.BadZipFile as exc:
        raise MetadataError(f"{path} is not a readable zip file ({exc}); download it again") from exc


def read_local_safe(path: str | Path) -> dict:
    """Metadata of a local SAFE (.zip or .SAFE directory) from its manifest.safe."""
    path = Path(path)
    if not path.exists():
        raise MetadataError(f"local scene {path} does not exist")
    root = ET.fromstring(_read_manifest(path))

    def text(xpath: str) -> str | None:
        el = root.find(xpath, NS)
        return el.text.strip() if el is not None and el.text else None

    coords = text(".//safe:frameSet/safe:frame/safe:footPrint/gml:coordinates")
    if not coords:
        raise MetadataError(f"{path}: manifest.safe has no footprint (gml:coordinates)")
    pts = [tuple(map(float, c.split(","))) for c in coords.split()]
    footprint = Polygon([(lon, lat) for lat, lon in pts])
    if not footprint.is_valid:
        footprint = footprint.buffer(0)
    software = root.find(".//safe:facility/safe:software", NS)
    number = text(".//safe:platform/safe:number") or ""
    pols = [e.text for e in root.iter(f"{{{NS['s1sarl1']}}}transmitterReceiverPolarisation")]
    scene = path.name.removesuffix(".zip").removesuffix(".SAFE")
    return {
        "id": scene,
        "start": _iso(text(".//safe:acquisitionPeriod/safe:startTime") or ""),
        "stop": _iso(text(".//safe:acquisitionPeriod/safe:stopTime") or ""),
        "footprint_wkt": footprint.wkt,
        "ipf_version": software.get("version") if software is not None else None,
        "flight_direction": (text(".//s1:pass") or "").upper(),
        "track": int(text(".//safe:relativeOrbitNumber[@type='start']") or 0) or None,
        "absolute_orbit": int(text(".//safe:orbitNumber[@type='start']") or 0) or None,
        "platform": f"Sentinel-1{number}",
        "polarization": "+".join(pols),
        "beam_mode": text(".//s1sarl1:instrumentMode/s1sarl1:mode"),
        "processing_level": text(".//s1sarl1:productType"),
        "bytes": path.stat().st_size if path.is_file() else None,
        "md5": None,
        "url": path.resolve().as_uri(),
        "source": "local",
    }


def find_local_scene(slc_dir: str | Path, scene: str) -> Path | None:
    """<slc_dir>/<scene>.zip or <slc_dir>/<scene>.SAFE, if present."""
    for suffix in (".zip", ".SAFE"):
        cand = Path(slc_dir) / f"{scene}{suffix}"
        if cand.exists():
            return cand
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Print scene metadata (ASF search or local SAFE) as JSON.")
    parser.add_argument("scene", nargs="+", help="scene ids (ASF) or paths to .zip/.SAFE (with --local)")
    parser.add_argument(
        "--local", action="store_true", help="read local SAFE manifests instead of searching ASF"
    )
    http_fetch.add_policy_args(parser)
    args = parser.parse_args(argv)
    try:
        if args.local:
            out = {r["id"]: r for r in (read_local_safe(p) for p in args.scene)}
        else:
            out = search_asf(args.scene, base_url=args.base_url, policy=http_fetch.policy_from_args(args))
    except MetadataError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(json.dumps(out, indent=1))
    missing = [s for s in args.scene if not args.local and s not in out]
    for s in missing:
        print(f"error: {s}: no IW SLC with this id at ASF", file=sys.stderr)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
