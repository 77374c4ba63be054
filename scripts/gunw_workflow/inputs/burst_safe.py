"""`gunw burst-safe`: one date's SAFE in burst mode, from the bursts its pair.json lists, with burst2safe.

Why this shape: every burst is fetched through http_fetch (Earthdata session, retries, resume, verification,
the shared cache under cache_dir/bursts/, a lock per file), once for every date key and pair that uses it;
burst2safe then assembles the SAFE from those local files with its own library classes (``BurstInfo``,
``Safe``): its ``burst2safe()`` entry point would search ASF and download with aiohttp on its own, outside the
download layer, so it is not called. The SAFE is built in a temporary directory beside the output and renamed
into place, then the record (.json) is written: a kill leaves no SAFE that looks complete.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
from datetime import datetime
from pathlib import Path

from gunw_workflow import pair_json as pair_json_file
from gunw_workflow.inputs import credentials, http_fetch
from gunw_workflow.layout import CacheDir

log = http_fetch.log


def date_record(pair_json: str, key: str) -> dict:
    """The burst record of the date ``key`` in a checked pair.json (reference or secondary)."""
    doc = pair_json_file.read(pair_json)
    rec = doc.get("bursts")
    if not rec:
        raise http_fetch.DownloadError(
            f"{pair_json} has no burst record (checked in slc mode); re-run its check with download_mode burst"
        )
    for role in ("reference", "secondary"):
        if rec[role]["key"] == key:
            return {"polarization": rec["polarization"], "swaths": rec["swaths"], **rec[role]}
    raise http_fetch.DownloadError(f"{pair_json} has no date {key}; re-run the check rule of that pair")


def _validate_xml(slc: str, bursts: list[dict]):
    """A combined metadata XML must parse and hold the product annotation of every swath the date uses."""
    from burst2safe.utils import get_subxml_from_metadata

    def check(path: Path) -> None:
        for b in bursts:
            try:
                found = get_subxml_from_metadata(path, "product", b["swath"], b["polarization"])
            except Exception as exc:  # lxml raises its own error types for a truncated file
                raise ValueError(f"not the burst metadata XML of {slc}: {type(exc).__name__}") from None
            if found is None:
                raise ValueError(f"no {b['swath']} {b['polarization']} annotation of {slc}")

    return check


def _validate_tiff(meta_path: Path, burst: dict):
    """A burst TIFF must open and have the burst's size from the SLC's annotation (lines x samples)."""
    from burst2safe.utils import get_subxml_from_metadata
    from osgeo import gdal

    ann = get_subxml_from_metadata(meta_path, "product", burst["swath"], burst["polarization"])
    lines = int(ann.find("swathTiming/linesPerBurst").text)
    samples = int(ann.find("swathTiming/samplesPerBurst").text)

    def check(path: Path) -> None:
        try:
            ds = gdal.Open(str(path))
            shape = (ds.RasterYSize, ds.RasterXSize, ds.RasterCount)
            ds.GetRasterBand(1).Checksum()  # decodes every block: a truncated or damaged file fails here
            ds = None
        except RuntimeError as exc:
            raise ValueError(f"not a readable GeoTIFF ({str(exc)[:120]})") from None
        if shape != (lines, samples, 1):
            raise ValueError(f"{shape[0]} x {shape[1]} x {shape[2]}, expected {lines} x {samples} x 1")

    return check


def fetch_bursts(rec: dict, cache: CacheDir, session, policy=None) -> dict[str, Path]:
    """Every burst TIFF and per-SLC metadata XML of one date into the shared cache (each file once)."""
    paths = {}
    by_slc: dict[tuple, list[dict]] = {}
    for b in rec["bursts"]:
        by_slc.setdefault((b["slc"], b["polarization"]), []).append(b)
    for (slc, pol), bursts in by_slc.items():
        dest = cache.burst_metadata(slc, pol)
        http_fetch.download_file(
            bursts[0]["metadata_url"],
            dest,
            session=session,
            validate=_validate_xml(slc, bursts),
            policy=policy,
        )
        paths[f"{slc}_{pol}"] = Path(dest)
        for b in bursts:
            tiff = cache.burst_data(b["granule"])
            try:
                http_fetch.download_file(
                    b["url"], tiff, session=session, validate=_validate_tiff(Path(dest), b), policy=policy
                )
            except http_fetch.LocalResourceError:
                raise
            except http_fetch.DownloadError as exc:
                raise type(exc)(f"burst {b['granule']} ({b['full_burst_id']}): {exc}") from None
            paths[b["granule"]] = Path(tiff)
    return paths


def burst_infos(rec: dict, cache: CacheDir) -> list:
    """burst2safe's BurstInfo of every burst, pointing at the cached files (no URL: nothing left to fetch)."""
    from burst2safe.utils import BurstInfo

    infos = []
    for b in rec["bursts"]:
        info = BurstInfo(
            granule=b["granule"],
            slc_granule=b["slc"],
            swath=b["swath"],
            polarization=b["polarization"],
            burst_id=b["burst_id"],
            burst_index=b["burst_index"],
            direction=b["flight_direction"],
            absolute_orbit=b["absolute_orbit"],
            relative_orbit=b["track"],
            date=datetime.strptime(b["granule"].split("_")[3], "%Y%m%dT%H%M%S"),
            data_url=None,
            data_path=Path(cache.burst_data(b["granule"])).resolve(),
            metadata_url=None,
            metadata_path=Path(cache.burst_metadata(b["slc"], b["polarization"])).resolve(),
        )
        info.add_shape_info()
        info.add_start_stop_utc()
        infos.append(info)
    return infos


def assemble(rec: dict, cache: CacheDir, out_safe: str) -> str:
    """The SAFE of the date at ``out_safe`` (burst2safe's Safe, built in a temporary directory, then renamed);
    returns burst2safe's own SAFE name."""
    from burst2safe.safe import Safe

    out = Path(out_safe)
    work = out.parent / f".{out.name}.{os.getpid()}.tmp"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    try:
        infos = burst_infos(rec, cache)
        try:
            Safe.check_group_validity(infos)
        except ValueError as exc:
            raise http_fetch.DownloadError(
                f"the bursts of {rec['key']} do not form one SAFE: {exc}"
            ) from None
        made = Safe(infos, all_anns=False, work_dir=work).create_safe()  # never .cleanup(): the cache stays
        if out.exists():
            shutil.rmtree(out)
        os.replace(made, out)
        return made.name
    finally:
        shutil.rmtree(work, ignore_errors=True)


def make_date_safe(pair_json, key, cache_dir, out_safe, record, base_url=None, policy=None, env=None) -> dict:
    rec = date_record(pair_json, key)
    creds = credentials.require(credentials.EARTHDATA_HOST, env=env)
    from gunw_workflow.inputs.slc import earthdata_session

    session = earthdata_session(creds, base_url, policy)
    cache = CacheDir(cache_dir)
    fetch_bursts(rec, cache, session, policy)
    Path(record).unlink(missing_ok=True)  # the record marks a finished SAFE: withdrawn while it is re-made
    name = assemble(rec, cache, out_safe)
    doc = {
        "key": key,
        "burst2safe_name": name,
        "slcs": rec["slcs"],
        "bursts": [b["granule"] for b in rec["bursts"]],
        "bytes": sum(Path(cache.burst_data(b["granule"])).stat().st_size for b in rec["bursts"]),
    }
    http_fetch.atomic_write_text(record, json.dumps(doc, indent=1) + "\n")
    log.info("SAFE %s (%s) from %d bursts -> %s", key, name, len(rec["bursts"]), out_safe)
    return doc


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="One date's SAFE from its bursts (burst mode, burst2safe).")
    parser.add_argument("--pair-json", required=True, help="pair.json of a pair using the date (its bursts)")
    parser.add_argument("--key", required=True, help="the date key F<frame>_<date>_<pol>_IW<swaths>")
    parser.add_argument("--cache-dir", required=True, help="cache_dir (bursts are cached under bursts/)")
    parser.add_argument("--out", required=True, help="the SAFE directory to write")
    parser.add_argument("--record", required=True, help="the .json written once the SAFE is complete")
    http_fetch.add_policy_args(parser)
    http_fetch.add_log_arg(parser)
    args = parser.parse_args(argv)
    http_fetch.setup_logging(log_file=args.log)

    def body():
        make_date_safe(
            args.pair_json,
            args.key,
            args.cache_dir,
            args.out,
            args.record,
            args.base_url,
            http_fetch.policy_from_args(args),
        )

    return http_fetch.run_cli(body, args.log, f"SAFE {args.key}: ")


if __name__ == "__main__":
    sys.exit(main())
