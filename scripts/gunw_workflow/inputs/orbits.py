"""One orbit file per scene: POEORB first, RESORB fallback; ASF's open S3 bucket first, CDSE fallback.

Selection uses sentineleof's file-name parser and its validity rule (``last_valid_orbit``: the newest file whose
validity covers the scene with a margin); the transport is http_fetch (retries, verification, base URL for
tests), because sentineleof's own clients hard-code their hosts and do not retry. The chosen real EOF is kept once
under ``{cache}/orbits/files/<real name>`` (slices of one date share it) and copied to ``{cache}/orbits/<scene>.EOF``;
``<scene>.EOF.json`` records the real name, type (POEORB/RESORB), provider, URL and md5.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta
from pathlib import Path

from eof._select_orbit import ValidityError, last_valid_orbit
from eof.products import SentinelOrbit

from gunw_workflow import s1_ids
from gunw_workflow.inputs import credentials, http_fetch

ASF_BUCKET = "https://s1-orbits.s3.amazonaws.com"
CDSE_QUERY = "https://catalogue.dataspace.copernicus.eu/odata/v1/Products"
CDSE_DOWNLOAD = "https://zipper.dataspace.copernicus.eu/odata/v1/Products"
CDSE_TOKEN = "https://identity.dataspace.copernicus.eu/auth/realms/CDSE/protocol/openid-connect/token"
S3_NS = "{http://s3.amazonaws.com/doc/2006-03-01/}"
TYPES = {"POEORB": "precise", "RESORB": "restituted"}
DEFAULT_MARGIN = timedelta(
    minutes=10
)  # validity must cover [start - 10 min, stop + 10 min] (SET uses +-600 s)

log = http_fetch.log


class OrbitError(RuntimeError):
    pass


# physical limits of a Sentinel-1 state vector (Earth-fixed): ~693 km altitude, ~7.6 km/s
RADIUS_M = (6_950_000.0, 7_200_000.0)
SPEED_M_S = (7_300.0, 7_800.0)
OSV_STEP_S = 10.0
# Simpson's rule over two 10 s steps integrates the velocities to the positions within ~1 mm on real EOFs;
# a changed digit of 1 cm in a position or 1 mm/s in a velocity exceeds this
SIMPSON_TOL_M = 0.01


def _utc(text: str) -> datetime:
    """A time of an EOF (``UTC=...`` or ``TAI=...``) as a naive datetime."""
    text = (text or "").strip().removeprefix("UTC=").removeprefix("TAI=")
    return datetime.fromisoformat(text)


def check_state_vectors(osvs) -> None:
    """Monotonic 10 s grid, plausible radius and speed, and velocities that integrate to the positions."""
    import numpy as np

    try:
        # TAI, not UTC: a file spanning a leap second has one 11 s (or 9 s) UTC step on a regular 10 s grid
        t = np.array([_utc(o.findtext("TAI") or o.findtext("UTC")).timestamp() for o in osvs])
        pos = np.array([[float(o.findtext(k)) for k in ("X", "Y", "Z")] for o in osvs])
        vel = np.array([[float(o.findtext(k)) for k in ("VX", "VY", "VZ")] for o in osvs])
    except (TypeError, ValueError) as exc:
        raise ValueError(f"EOF state vector not parseable ({exc})") from None
    steps = np.diff(t)
    if steps.size and (np.abs(steps - OSV_STEP_S) > 1e-3).any():
        i = int(np.argmax(np.abs(steps - OSV_STEP_S)))
        raise ValueError(
            f"EOF state vectors not on a monotonic 10 s grid (step {steps[i]:.3f} s at #{i + 1})"
        )
    radius, speed = np.linalg.norm(pos, axis=1), np.linalg.norm(vel, axis=1)
    for name, vals, (lo, hi), unit in (("radius", radius, RADIUS_M, "m"), ("speed", speed, SPEED_M_S, "m/s")):
        bad = np.flatnonzero((vals < lo) | (vals > hi))
        if bad.size:
            raise ValueError(
                f"EOF state vector #{bad[0] + 1}: {name} {vals[bad[0]]:.0f} {unit} is not a Sentinel-1 orbit's"
            )
    if len(t) >= 3:
        resid = pos[2:] - pos[:-2] - (OSV_STEP_S / 3) * (vel[:-2] + 4 * vel[1:-1] + vel[2:])
        worst = np.abs(resid).max(axis=1)
        if worst.max() > SIMPSON_TOL_M:
            i = int(np.argmax(worst))
            raise ValueError(
                f"EOF state vectors #{i + 1}-#{i + 3}: positions and velocities disagree by {worst[i]:.3f} m "
                "(a changed or corrupt value)"
            )


def validate_eof(
    path: Path, expected_name: str | None = None, start=None, stop=None, margin: timedelta = timedelta(0)
) -> dict:
    """The file is a real, usable EOF (ASF publishes no checksum, so check what can be checked): well-formed
    XML, <File_Name> matching its name, a header validity that matches the name and covers [start - margin,
    stop + margin] when given, and state vectors on a 10 s grid that are physically a Sentinel-1 orbit."""
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as exc:
        raise ValueError(f"not a valid EOF XML ({exc})") from None
    name = (root.findtext(".//Fixed_Header/File_Name") or "").strip()
    if not name:
        raise ValueError("EOF header has no <File_Name>")
    if expected_name and name != expected_name.removesuffix(".EOF"):
        raise ValueError(f"EOF header names {name}, expected {expected_name}")
    osvs = root.findall(".//List_of_OSVs/OSV")
    if not osvs:
        raise ValueError("EOF has no orbit state vectors")
    try:
        v0 = _utc(root.findtext(".//Validity_Period/Validity_Start"))
        v1 = _utc(root.findtext(".//Validity_Period/Validity_Stop"))
    except (TypeError, ValueError):
        raise ValueError("EOF header has no readable Validity_Period") from None
    named = SentinelOrbit(name + ".EOF")
    if abs((named.start_time - v0).total_seconds()) > 1 or abs((named.stop_time - v1).total_seconds()) > 1:
        raise ValueError(f"EOF header validity {v0}..{v1} differs from its name's")
    if start is not None and stop is not None and not (v0 <= start - margin and stop + margin <= v1):
        raise ValueError(f"EOF validity {v0}..{v1} does not cover the scene {start}..{stop} +- {margin}")
    check_state_vectors(osvs)
    return {
        "name": name + ".EOF",
        "type": (root.findtext(".//Fixed_Header/File_Type") or "").replace("AUX_", ""),
        "validity_start": v0.isoformat(),
        "validity_stop": v1.isoformat(),
        "n_state_vectors": len(osvs),
    }


# ------------------------------------------------------------------------------------------------- providers
def _creation_prefixes(orbit_type: str, mission: str, start: datetime) -> list[str]:
    """Listing prefixes by file creation date, which follows acquisition closely (RESORB: hours; POEORB: ~3
    weeks); a full listing of the mission is the fallback for reprocessed files."""
    base = f"AUX_{orbit_type}/{mission}_OPER_AUX_{orbit_type}_OPOD_"
    if orbit_type == "RESORB":
        days = [start + timedelta(days=d) for d in (0, 1)]
        return sorted({base + d.strftime("%Y%m%d") for d in days})
    months = {(start + timedelta(days=d)).strftime("%Y%m") for d in (0, 15, 30, 45)}
    return sorted(base + m for m in months)


def list_bucket(session, prefix: str, base: str = ASF_BUCKET, policy=None) -> list[str]:
    keys, marker = [], ""
    while True:
        params = {"prefix": prefix}
        if marker:
            params["marker"] = marker

        def parse(resp):
            resp._root = ET.fromstring(resp.content)  # a truncated/garbled page -> ParseError -> retried

        resp = http_fetch.request_with_retry(
            session,
            "GET",
            base + "/",
            policy=policy,
            what=f"orbit listing {prefix}",
            params=params,
            validate=parse,
        )
        root = resp._root
        page = [k.text or "" for k in root.iter(f"{S3_NS}Key")]
        keys += page
        if (root.findtext(f"{S3_NS}IsTruncated") or "").lower() != "true" or not page:
            return keys
        marker = root.findtext(f"{S3_NS}NextMarker") or page[-1]


def find_asf(session, mission, start, stop, orbit_type, margin, policy) -> tuple[str, str] | None:
    def pick(keys):
        cands = [SentinelOrbit(k.split("/")[-1]) for k in keys if k.endswith(".EOF")]
        cands = [c for c in cands if c.mission == mission]
        try:
            return last_valid_orbit(start, stop, cands, margin0=margin, margin1=margin)
        except ValidityError:
            return None

    keys = []
    for prefix in _creation_prefixes(orbit_type, mission, start):
        keys += list_bucket(session, prefix, policy=policy)
    name = pick(keys)
    if name is None:
        name = pick(list_bucket(session, f"AUX_{orbit_type}/{mission}_", policy=policy))
    if name is None:
        return None
    return name, f"{ASF_BUCKET}/AUX_{orbit_type}/{name}"


def find_cdse(
    session, mission, start, stop, orbit_type, margin, policy
) -> tuple[str, str, str | None] | None:
    from eof.dataspace_client import _construct_orbit_file_query

    query = _construct_orbit_file_query(mission, f"AUX_{orbit_type}", start - margin, stop + margin)
    resp = http_fetch.request_with_retry(
        session,
        "GET",
        CDSE_QUERY,
        policy=policy,
        what="CDSE orbit query",
        params={"$filter": query, "$orderby": "ContentDate/Start asc", "$top": 1},
        validate=lambda r: r.json()["value"],
    )
    values = resp.json()["value"]
    if not values:
        return None
    item = values[0]
    md5 = next((c["Value"] for c in item.get("Checksum", []) if c.get("Algorithm") == "MD5"), None)
    return item["Name"], f"{CDSE_DOWNLOAD}({item['Id']})/$value", md5


def cdse_session(base_url, policy, env=None):
    creds = credentials.find(credentials.CDSE_HOST, env=env)
    if creds is None:
        return None
    session = http_fetch.make_session(base_url)
    resp = http_fetch.request_with_retry(
        session,
        "POST",
        CDSE_TOKEN,
        policy=policy,
        what="CDSE login",
        data={
            "client_id": "cdse-public",
            "username": creds.username,
            "password": creds.password,
            "grant_type": "password",
        },
        validate=lambda r: r.json()["access_token"],
    )
    session.headers["Authorization"] = f"Bearer {resp.json()['access_token']}"
    return session


# ------------------------------------------------------------------------------------------------- main logic
def fetch_orbit(
    scene: str,
    out: str | os.PathLike,
    base_url: str | None = None,
    policy=None,
    providers=("asf", "cdse"),
    margin: timedelta = DEFAULT_MARGIN,
    env=None,
) -> dict:
    sid = s1_ids.parse(scene)
    out = Path(out)
    files_dir = out.parent / "files"
    session = http_fetch.make_session(base_url)
    tried = []
    for orbit_type in ("POEORB", "RESORB"):
        for provider in providers:
            try:
                if provider == "asf":
                    found = find_asf(session, sid.mission, sid.start, sid.stop, orbit_type, margin, policy)
                    dl_session, md5 = session, None
                    if found:
                        name, url = found
                elif provider == "cdse":
                    found = find_cdse(session, sid.mission, sid.start, sid.stop, orbit_type, margin, policy)
                    if found:
                        name, url, md5 = found
                        dl_session = cdse_session(base_url, policy, env=env)
                        if dl_session is None:
                            tried.append(
                                f"{orbit_type}@cdse: {name} found but no CDSE login (netrc "
                                f"{credentials.CDSE_HOST} or CDSE_USERNAME/CDSE_PASSWORD)"
                            )
                            continue
                else:
                    raise OrbitError(f"unknown orbit provider {provider!r}")
                if not found:
                    tried.append(f"{orbit_type}@{provider}: no file covers the scene")
                    continue
                real = files_dir / name
                http_fetch.download_file(
                    url,
                    real,
                    session=dl_session,
                    md5=md5,
                    policy=policy,
                    validate=lambda p, n=name: validate_eof(p, n, sid.start, sid.stop, margin),
                )
                info = validate_eof(real, name, sid.start, sid.stop, margin)
                _place_copy(real, out)
                sidecar = {
                    **info,
                    "scene": scene,
                    "orbit_type": orbit_type,
                    "provider": provider,
                    "url": http_fetch.redact_url(url),
                    "md5": http_fetch.md5_of(out),
                }
                http_fetch.atomic_write_text(str(out) + ".json", json.dumps(sidecar, indent=1) + "\n")
                log.info("%s: %s (%s from %s)", scene, name, orbit_type, provider)
                return sidecar
            except http_fetch.LocalResourceError:
                raise  # the disk, not the provider: another provider cannot help
            except http_fetch.DownloadError as exc:
                tried.append(f"{orbit_type}@{provider}: {exc}")
    raise OrbitError(f"no orbit file for {scene}; tried: " + " | ".join(tried))


def _place_copy(src: Path, dest: Path) -> None:
    """Copy to a temp name, then atomically rename (a hard link when possible). Renaming one hard link onto
    another of the same file does nothing (POSIX rename), so the temp name is removed explicitly."""
    if dest.exists() and os.path.samefile(src, dest):
        return
    tmp = dest.with_name(f".{dest.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    try:
        os.link(src, tmp)
    except OSError:
        shutil.copyfile(src, tmp)
    try:
        os.replace(tmp, dest)
    finally:
        tmp.unlink(missing_ok=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Download the orbit file (EOF) of one Sentinel-1 scene.")
    parser.add_argument("--scene", required=True)
    parser.add_argument("--out", required=True, help="destination, e.g. cache/orbits/<scene>.EOF")
    parser.add_argument("--providers", default="asf,cdse", help="comma-separated order (default asf,cdse)")
    parser.add_argument("--margin-minutes", type=float, default=10.0)
    http_fetch.add_policy_args(parser)
    http_fetch.add_log_arg(parser)
    args = parser.parse_args(argv)
    http_fetch.setup_logging(log_file=args.log)
    return http_fetch.run_cli(
        lambda: fetch_orbit(
            args.scene,
            args.out,
            base_url=args.base_url,
            policy=http_fetch.policy_from_args(args),
            providers=tuple(p for p in args.providers.split(",") if p),
            margin=timedelta(minutes=args.margin_minutes),
        ),
        args.log,
        expected=(OrbitError, s1_ids.SceneIdError),
    )


if __name__ == "__main__":
    sys.exit(main())
