"""AUX_CAL files for IPF 002.36 inputs (ISCE2 needs them for the antenna-pattern correction of that IPF only).

Sources, in order: ASF's CloudFront mirror, then ESA's SAR-MPC file area (the 2024-11-28 snapshots the reference
and hyp3-isce2 use; the Feb 2025 SAR-MPC layout change broke single-source fetchers). The zip is verified
(readable, holds ``*.SAFE/data/s1?-aux-cal.xml``), then its SAFE folders are extracted to a temporary directory
and moved into ``{aux_cal_dir}/<name>.SAFE`` (the leading 5 path components stripped, as the reference does);
``{aux_cal_dir}/{mission}.ok`` marks a complete extraction.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import zipfile
import zlib
from pathlib import Path

from gunw_workflow import pair_json as pair_json_file
from gunw_workflow.inputs import http_fetch

SOURCES = {
    "S1A": [
        "https://d3g9emy65n853h.cloudfront.net/AUX_CAL/S1A_AUX_CAL_20241128.zip",
        "https://sar-mpc.eu/files/S1A_AUX_CAL_20241128.zip",
    ],
    "S1B": [
        "https://d3g9emy65n853h.cloudfront.net/AUX_CAL/S1B_AUX_CAL_20241128.zip",
        "https://sar-mpc.eu/files/S1B_AUX_CAL_20241128.zip",
    ],
}


def _validate(path: Path) -> None:
    try:
        with zipfile.ZipFile(path) as zf:
            names = zf.namelist()
            bad = zf.testzip()
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as exc:
        # a member corrupted in the middle fails inside zlib, not as BadZipFile
        raise ValueError(f"not a readable zip file ({type(exc).__name__}: {exc})") from None
    if bad is not None:
        raise ValueError(f"corrupt member {bad}")
    if not any(".SAFE/data/" in n and n.endswith("-aux-cal.xml") for n in names):
        raise ValueError("no *.SAFE/data/s1?-aux-cal.xml inside: the archive layout changed")


def extract(zip_path: Path, aux_cal_dir: Path) -> list[str]:
    aux_cal_dir.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".aux_cal.", dir=aux_cal_dir))
    try:
        with zipfile.ZipFile(zip_path) as zf:
            for info in zf.infolist():
                if info.is_dir() or ".SAFE/" not in info.filename:
                    continue
                parts = info.filename.split("/")
                safe_idx = next(i for i, p in enumerate(parts) if p.endswith(".SAFE"))
                info.filename = "/".join(parts[safe_idx:])  # = strip the leading S1x/AUX_CAL/YYYY/MM/DD
                zf.extract(info, tmp)
        names = sorted(p.name for p in tmp.iterdir() if p.name.endswith(".SAFE"))
        for name in names:
            dest = aux_cal_dir / name
            if dest.exists():
                shutil.rmtree(dest)
            os.replace(tmp / name, dest)
        return names
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def fetch_aux_cal(mission: str, aux_cal_dir, base_url=None, policy=None, urls=None) -> list[str]:
    aux_cal_dir = Path(aux_cal_dir)
    urls = urls or SOURCES.get(mission)
    if not urls:
        raise http_fetch.DownloadError(
            f"no AUX_CAL source for {mission}: IPF 002.36 only exists for S1A/S1B products"
        )
    session = http_fetch.make_session(base_url)
    errors = []
    for url in urls:
        zip_path = aux_cal_dir / "zips" / url.split("/")[-1]
        try:
            http_fetch.download_file(url, zip_path, session=session, validate=_validate, policy=policy)
        except http_fetch.LocalResourceError:
            raise  # the disk, not the source: another source cannot help
        except http_fetch.DownloadError as exc:
            errors.append(str(exc))
            continue
        names = extract(zip_path, aux_cal_dir)
        http_fetch.atomic_write_text(aux_cal_dir / f"{mission}.ok", "\n".join(names) + "\n")
        return names
    raise http_fetch.DownloadError(f"AUX_CAL for {mission} failed from every source: " + " | ".join(errors))


def for_pair(pair_json, aux_cal_dir, record, local_dir="", base_url=None, policy=None) -> dict:
    """Per pair (keeps the DAG static): download only if pair.json says an input has IPF 002.36, into the
    shared aux_cal_dir (a second pair finds the verified zip and skips the download); write `record`."""
    doc = pair_json_file.read(pair_json)
    out = {"needs_aux_cal": bool(doc.get("needs_aux_cal")), "aux_cal_dir": "", "products": []}
    if out["needs_aux_cal"]:
        if local_dir:
            out["aux_cal_dir"] = str(Path(local_dir).resolve())
        else:
            for mission in sorted(set(doc.get("missions") or [doc["mission"]])):
                out["products"] += fetch_aux_cal(mission, aux_cal_dir, base_url, policy)
            out["aux_cal_dir"] = str(Path(aux_cal_dir).resolve())
    http_fetch.atomic_write_text(record, json.dumps(out, indent=1) + "\n")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Download and unpack the AUX_CAL SAFEs (only for IPF 002.36)."
    )
    parser.add_argument(
        "--mission", choices=sorted(SOURCES), help="fetch this mission's AUX_CAL unconditionally"
    )
    parser.add_argument("--pair-json", help="fetch only if this pair needs AUX_CAL; needs --record")
    parser.add_argument("--record", help="JSON written in --pair-json mode: needs_aux_cal, aux_cal_dir")
    parser.add_argument("--local-dir", default="", help="local_inputs.aux_cal_dir: use it, download nothing")
    parser.add_argument("--aux-cal-dir", required=True, help="shared cache directory, e.g. cache/aux_cal")
    http_fetch.add_policy_args(parser)
    http_fetch.add_log_arg(parser)
    args = parser.parse_args(argv)
    if args.pair_json and not args.record:
        parser.error("--pair-json needs --record")
    if not (args.pair_json or args.mission):
        parser.error("give --mission or --pair-json")
    http_fetch.setup_logging(log_file=args.log)
    policy = http_fetch.policy_from_args(args)
    if args.pair_json:
        return http_fetch.run_cli(
            lambda: for_pair(
                args.pair_json, args.aux_cal_dir, args.record, args.local_dir, args.base_url, policy
            ),
            args.log,
            "AUX_CAL: ",
        )
    return http_fetch.run_cli(
        lambda: fetch_aux_cal(args.mission, args.aux_cal_dir, args.base_url, policy), args.log, "AUX_CAL: "
    )


if __name__ == "__main__":
    sys.exit(main())
