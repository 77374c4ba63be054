"""Bytes downloaded for a 10-date frame stack, each date paired with its 3 nearest earlier dates (24 pairs), in
three schemes, on loopback services:

1. the reference tool's: every pair downloads its own SLCs and orbits (no cache shared between pairs);
2. this workflow in ``download_mode: slc``: one shared cache, each SLC and orbit once;
3. this workflow in ``download_mode: burst``: each burst the frame's ROI needs once, one metadata XML per SLC
   and polarisation, each orbit once.

The stack is real: 10 consecutive dates of the recorded ASF stack over ARIA frame 5290 (track 35 ascending,
asf_search test resources; real SLC ids and real ``BYTES``). Burst records come from the loopback burst service
(tests/burst_service.py: the recorded burst record's shape and its real ``BYTE_LENGTH``, 147,215,404 bytes per
burst; the cut of a footprint into bursts is synthetic), and the bursts a date needs are chosen by the check's own
code (inputs/bursts.py). Two figures per scheme:

* **measured**: bytes the download code (http_fetch / slc.py, the cache layout) actually pulled over loopback,
  with every payload scaled down by SCALE from its recorded size (the transfers, skips and sharing are real);
* **extrapolated**: the same downloads counted at their recorded real sizes (SLC ``BYTES``, burst
  ``BYTE_LENGTH``, orbit file size from the recorded ASF orbit-bucket listing, the metadata XML from the real
  annotation + calibration + noise + rfi files and manifest of a staged real SAFE).

    python benchmarks/bench_bytes.py        # ~1 min; prints a table, writes benchmarks/results/bench_bytes.json
"""

from __future__ import annotations

import json
import re
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(REPO / "scripts"))

import burst_service  # noqa: E402
import loopback  # noqa: E402
from gunw_workflow.inputs import bursts, http_fetch  # noqa: E402
from gunw_workflow.inputs.credentials import Credentials  # noqa: E402
from gunw_workflow.inputs.slc import earthdata_session  # noqa: E402
from gunw_workflow.layout import CacheDir  # noqa: E402
from inputs_support import EDL_PASS, EDL_USER, FRAME_T35  # noqa: E402

SCALE = 4096
N_DATES = 10
NEIGHBOURS = 3
FIRST_DATE = "20220111"  # S1A only from 2022: one slice framing (S1A and S1B slices start ~45 s apart)
ORBIT_LISTING = loopback.ORBIT_CASSETTE
REAL_SAFE = loopback.DATA / "hyp3-isce2/tests/data/packaging/slc"


def stack_records(records: list[dict]) -> list[dict]:
    """N_DATES consecutive dates of the recorded track-35 stack (one SLC per date), from FIRST_DATE on."""
    slcs = {}
    for r in records:
        ur = r["umm"]["GranuleUR"]
        if ur.endswith("-SLC") and "_IW_SLC__" in ur and r["umm"]["AdditionalAttributes"]:
            attrs = {a["Name"]: a["Values"][0] for a in r["umm"]["AdditionalAttributes"]}
            if attrs.get("PATH_NUMBER") == "35" and ur[17:25] >= FIRST_DATE:
                slcs.setdefault(ur[17:25], r)
    return [slcs[d] for d in sorted(slcs)[:N_DATES]]


def pairs_of(dates: list[str]) -> list[tuple[str, str]]:
    """Each date with its NEIGHBOURS nearest earlier dates: (reference, secondary)."""
    return [(dates[i], dates[j]) for i in range(len(dates)) for j in range(max(0, i - NEIGHBOURS), i)]


def recorded_orbit_size() -> int:
    sizes = [int(s) for s in re.findall(r"<Size>(\d+)</Size>", ORBIT_LISTING.read_text())]
    return round(sum(sizes) / len(sizes))


def recorded_metadata_xml_size() -> int:
    """One extractor metadata XML ~ every VV annotation, calibration, noise and rfi file + the manifest."""
    safe = next(REAL_SAFE.glob("*.SAFE"))
    files = [p for p in safe.rglob("*.xml") if "-vv-" in p.name] + [safe / "manifest.safe"]
    return sum(p.stat().st_size for p in files)


def main() -> int:
    loopback_require = loopback.DATA.is_dir()
    if not loopback_require:
        print(f"{loopback.DATA} (shared test data) is not available", file=sys.stderr)
        return 1
    import logging

    logging.getLogger("gunw.fetch").setLevel(logging.WARNING)
    records = loopback.load_umm_records()
    stack = stack_records(records)
    dates = [r["umm"]["GranuleUR"][17:25] for r in stack]
    scene = {d: r["umm"]["GranuleUR"].rsplit("-", 1)[0] for d, r in zip(dates, stack, strict=True)}
    slc_bytes = {
        d: int(next(a["Values"][0] for a in r["umm"]["AdditionalAttributes"] if a["Name"] == "BYTES"))
        for d, r in zip(dates, stack, strict=True)
    }
    orbit_bytes, xml_bytes = recorded_orbit_size(), recorded_metadata_xml_size()
    pairs = pairs_of(dates)

    # the bursts each date needs: the check's rules over the frame's ROI (frame 5290, VV, IW1-3)
    from shapely.geometry import box

    from gunw_workflow.inputs import frames

    union = box(-125, 37, -119, 42)
    row = frames.frame(FRAME_T35, near=union)
    w, s, e, n = row.geometry.bounds
    roi = [s, n, w, e]
    found = {}
    lb = loopback.Loopback()
    token = loopback.install_earthdata(lb, EDL_USER, EDL_PASS)
    pool = []
    for r in stack:
        pool += burst_service.bursts_of_slc(r, polarizations=["VV"])
    burst_service.install_burst_search(lb, pool)
    for d in dates:
        found[d] = [
            rec
            for rec in bursts.search_bursts(
                35,
                roi,
                f"{d[:4]}-{d[4:6]}-{d[6:]}T00:00:00Z",
                f"{d[:4]}-{d[4:6]}-{d[6:]}T23:59:59Z",
                base_url=lb.base_url,
            )
        ]
    needed = {}
    for ref, sec in pairs:
        got = bursts.check_date_pair(
            {"reference": ref, "secondary": sec},
            {"reference": found[ref], "secondary": found[sec]},
            roi,
            [1, 2, 3],
            "VV",
            FRAME_T35,
            35,
        )
        needed.setdefault(ref, got["reference"])
        needed.setdefault(sec, got["secondary"])

    # payloads at 1/SCALE of the recorded sizes, served like the real services
    size_of: dict[str, int] = {}

    def serve(host, path, real):
        body = bytes(max(1, real // SCALE))
        lb.add_file(host, path, body, auth=token if host != loopback.ORBIT_HOST else None)
        size_of[path] = real

    for d in dates:
        serve(loopback.DATAPOOL_HOST, loopback.datapool_path(scene[d]), slc_bytes[d])
        serve(loopback.ORBIT_HOST, f"/orbit/{scene[d]}.EOF", orbit_bytes)
        for b in needed[d]:
            serve(burst_service.BURST_HOST, b["url"].split(".edu", 1)[1], b["bytes"])
            serve(burst_service.BURST_HOST, b["metadata_url"].split(".edu", 1)[1], xml_bytes)

    session = earthdata_session(Credentials(EDL_USER, EDL_PASS, "benchmark"), lb.base_url)
    quiet = http_fetch.RetryPolicy(attempts=2, backoff=0.01)

    def get(host, path, dest):
        http_fetch.download_file(f"https://{host}{path}", dest, session=session, policy=quiet)

    def slc(cache: CacheDir, d):
        get(loopback.DATAPOOL_HOST, loopback.datapool_path(scene[d]), cache.slc(scene[d]))

    def orbit(cache: CacheDir, d):
        get(loopback.ORBIT_HOST, f"/orbit/{scene[d]}.EOF", cache.orbit(scene[d]))

    def burst_date(cache: CacheDir, d):
        for b in needed[d]:
            get(
                burst_service.BURST_HOST,
                b["metadata_url"].split(".edu", 1)[1],
                cache.burst_metadata(b["slc"], "VV"),
            )
            get(burst_service.BURST_HOST, b["url"].split(".edu", 1)[1], cache.burst_data(b["granule"]))

    results = {}
    with tempfile.TemporaryDirectory(prefix="bench_bytes_") as tmp:
        schemes = {
            "1 reference tool (per pair SLCs + orbits)": lambda i, ref, sec: [
                (f(CacheDir(f"{tmp}/s1/pair{i}"), d)) for d in (ref, sec) for f in (slc, orbit)
            ],
            "2 this workflow, download_mode slc": lambda i, ref, sec: [
                f(CacheDir(f"{tmp}/s2"), d) for d in (ref, sec) for f in (slc, orbit)
            ],
            "3 this workflow, download_mode burst": lambda i, ref, sec: [
                f(CacheDir(f"{tmp}/s3"), d) for d in (ref, sec) for f in (burst_date, orbit)
            ],
        }
        for name, run in schemes.items():
            lb.log.clear()
            for i, (ref, sec) in enumerate(pairs):
                run(i, ref, sec)
            gets = [r for r in lb.log if r["method"] == "GET" and r["path"] in size_of]
            measured = sum(max(1, size_of[r["path"]] // SCALE) for r in gets)
            extrapolated = sum(size_of[r["path"]] for r in gets)
            results[name] = {
                "requests": len(gets),
                "measured_bytes": measured,
                "extrapolated_bytes": extrapolated,
            }
    lb.close()
    base = next(iter(results.values()))
    print(
        f"{N_DATES} dates ({dates[0]}..{dates[-1]}), {len(pairs)} pairs, frame {FRAME_T35}; payloads 1/{SCALE}"
    )
    print(f"needed bursts per date: {sorted({len(v) for v in needed.values()})}; SLCs per date: 1")
    print(f"{'scheme':44s} {'files':>6s} {'measured':>14s} {'ratio':>6s} {'extrapolated':>16s} {'ratio':>6s}")
    for name, r in results.items():
        r["measured_ratio"] = r["measured_bytes"] / base["measured_bytes"]
        r["extrapolated_ratio"] = r["extrapolated_bytes"] / base["extrapolated_bytes"]
        print(
            f"{name:44s} {r['requests']:6d} {r['measured_bytes']:14,d} {r['measured_ratio']:6.3f}"
            f" {r['extrapolated_bytes']:16,d} {r['extrapolated_ratio']:6.3f}"
        )
    # The recorded stack has one SLC per date and covers only part of frame 5290, so the figures above count
    # the part of the frame those SLCs hold. A whole frame (~8 bursts along track) spans two slices per date
    # (as the default config's frame 25502 pair does): the full-frame extrapolation counts 2 SLCs per date and
    # every burst cell touching the frame's ROI, at the same recorded sizes.
    cells = len(range(int(s // burst_service.BURST_DEG), int(n // burst_service.BURST_DEG) + 1))
    full_bursts, slcs_per_date = 3 * cells, 2
    slc_mean = sum(slc_bytes.values()) / len(slc_bytes)
    burst_size = burst_service.RECORDED_BURST_BYTES
    full = {
        "1 reference tool (per pair SLCs + orbits)": len(pairs)
        * 2
        * slcs_per_date
        * (slc_mean + orbit_bytes),
        "2 this workflow, download_mode slc": N_DATES * slcs_per_date * (slc_mean + orbit_bytes),
        "3 this workflow, download_mode burst": N_DATES
        * (full_bursts * burst_size + slcs_per_date * (xml_bytes + orbit_bytes)),
    }
    base_full = full["1 reference tool (per pair SLCs + orbits)"]
    print(f"full-frame extrapolation: {full_bursts} bursts and {slcs_per_date} SLCs per date")
    for name, b in full.items():
        results[name]["full_frame_extrapolated_bytes"] = round(b)
        results[name]["full_frame_extrapolated_ratio"] = b / base_full
        print(f"{name:44s} {round(b):16,d} {b / base_full:6.3f}")
    out = REPO / "benchmarks" / "results" / "bench_bytes.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    meta = {
        "dates": dates,
        "pairs": len(pairs),
        "scale": SCALE,
        "orbit_bytes": orbit_bytes,
        "xml_bytes": xml_bytes,
    }
    out.write_text(json.dumps({"setup": meta, "schemes": results}, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
