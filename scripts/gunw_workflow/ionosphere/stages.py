"""`gunw ionosphere <stage>`: the project's ionosphere stages between ISCE2's sub-steps (docs/ionosphere.md).

Each stage reads ISCE's files in the topsApp directory and writes its own, atomically; file names are here only.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from gunw_workflow.ionosphere import bridge, compute, filt, mask, ramps
from gunw_workflow.ionosphere.rasters import read_band, write_like
from gunw_workflow.isce_io.headers import raster_header
from gunw_workflow.isce_io.rasters import read_swath_xml

OWN = "ion/gunw"  # the project's own intermediate files (never written by ISCE)
MASK_RECORD = f"{OWN}/water_mask.json"
BRIDGED = {b: f"{OWN}/{b}.unw" for b in mask.BANDS}
BRIDGE_RECORD = f"{OWN}/bridging.json"
RAW = f"{OWN}/raw.ion"
FILT = "ion/ion_cal/filt.ion"  # ISCE's name: ionosphere_shift, ion2grd and mergebursts read it
AZ_SHIFT = "merged/topophase.ion.az_shift"
MERGED = (
    "merged/topophase.ion"  # filt.ion on the interferogram's grid (ISCE's mergebursts does it without us)
)
# the reference's filter settings when a water mask is used (always here): coherence floor and outlier rule
MASKED_COHERENCE_THRESHOLD = 0.8
MASKED_SIGMA_RULE = 1.0


def first_stage_dir(band: str, fr: int, fa: int) -> str:
    return f"ion/{band}/merged/{fr}rlks_{fa}alks"


def stage_files(stage: str, fr: int = 0, fa: int = 0) -> list[str]:
    """Binaries each stage writes (each with .xml and .vrt unless a .json)."""
    return {
        "mask": [MASK_RECORD],
        "bridge": [BRIDGED["lower"], BRIDGED["upper"], BRIDGE_RECORD],
        "compute": [RAW],
        "filter": [FILT],
        "merge": [MERGED],
        "ramps": [AZ_SHIFT],
    }[stage]


def _atomic_json(path: Path, obj) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(obj, indent=1, sort_keys=True) + "\n")
    tmp.replace(path)


def run_mask(t: Path, water_mask: str) -> dict:
    record = mask.mask_subbands(t, water_mask)
    _atomic_json(t / MASK_RECORD, record)
    return record


def run_bridge(t: Path, fr: int, fa: int, rl: int, al: int) -> dict:
    cor0 = read_band(t / first_stage_dir("lower", fr, fa) / "topophase.cor", 2)
    record = {}
    for band in mask.BANDS:
        d = t / first_stage_dir(band, fr, fa)
        amp0 = read_band(d / "filt_topophase.unw", 1)
        unw0 = read_band(d / "filt_topophase.unw", 2)
        cc = read_band(d / "filt_topophase.unw.conncomp", 1)
        bridged, cycles = bridge.bridge_components(unw0, cc)
        bridged = bridge.mask_component_zero(bridged, cc)
        phase, amp = bridge.multilook_unwrapped(bridged, amp0, cor0, al // fa, rl // fr)
        template = t / f"ion/{band}/merged/filt_topophase.unw"
        h_len, h_wid = read_band(template, 2).shape
        phase, amp = _fit(phase, h_len, h_wid), _fit(amp, h_len, h_wid)
        write_like(template, t / BRIDGED[band], [amp, phase], file_name=BRIDGED[band])
        record[band] = {
            "components": len(cycles),
            "cycles_added": {str(k): v for k, v in sorted(cycles.items())},
            "component0_pixels": int(np.count_nonzero(cc == 0)),
        }
    _atomic_json(t / BRIDGE_RECORD, record)
    return record


def _fit(a: np.ndarray, length: int, width: int) -> np.ndarray:
    """Crop/zero-pad to ISCE's total-looks grid (ISCE crops the first-stage grid the same way)."""
    out = np.zeros((length, width))
    n, m = min(length, a.shape[0]), min(width, a.shape[1])
    out[:n, :m] = a[:n, :m]
    return out


def _wavelength(t: Path) -> float:
    xml = sorted((t / "ion" / "lower" / "fine_interferogram").glob("IW[123].xml"))[0]
    return read_swath_xml(xml).bursts[0].wavelength


def run_compute(t: Path) -> dict:
    lower = read_band(t / BRIDGED["lower"], 2)
    upper = read_band(t / BRIDGED["upper"], 2)
    amp = np.sqrt(read_band(t / BRIDGED["lower"], 1) ** 2 + read_band(t / BRIDGED["upper"], 1) ** 2)
    cor = read_band(t / "ion/lower/merged/topophase.cor", 2)
    ion = compute.ionosphere(lower, upper, cor, _wavelength(t))
    template = t / "ion/ion_cal/raw_no_projection.ion"
    write_like(template, t / RAW, [amp, ion], file_name=RAW)
    return {"valid": int(np.count_nonzero(ion))}


def run_filter(t: Path, size_max: int, size_min: int, fit: bool, coh: float, sigma: float) -> dict:
    raw = t / RAW
    ion, amp = read_band(raw, 2), read_band(raw, 1)
    cor = read_band(t / "ion/ion_cal/raw_no_projection.cor", 2)
    out = filt.filter_ionosphere(ion, cor, size_max, size_min, fit=fit, coh_threshold=coh, sigma_rule=sigma)
    if not np.any(out):
        raise ValueError(
            "the filtered ionosphere is empty: no pixel kept (water mask / coherence too strict?)"
        )
    write_like(t / "ion/ion_cal/raw_no_projection.ion", t / FILT, [amp, out], file_name=FILT)
    return {"valid": int(np.count_nonzero(out))}


def run_merge(t: Path, rl: int, al: int, irl: int, ial: int) -> dict:
    """filt.ion (ionosphere looks) -> merged/topophase.ion on the interferogram grid, as ISCE's mergebursts."""
    filt = read_band(t / FILT, 2)
    flat = raster_header(t / "merged/topophase.flat")
    out = ramps.resample_looks(filt, flat.length, flat.width, (rl, al), (irl, ial))
    write_like(t / "merged/topophase.flat", t / MERGED, [out], file_name=MERGED, data_type="FLOAT")
    return {"shape": list(out.shape)}


def run_ramps(t: Path, rl: int, al: int) -> dict:
    template = t / MERGED
    shape = read_band(template).shape
    merged = ramps.merged_burst_ionosphere(t, al, rl, shape)
    if not np.any(merged):
        raise ValueError("ion/ion_burst holds no data: ISCE's ion2grd wrote empty bursts")
    write_like(template, t / AZ_SHIFT, [merged], file_name=AZ_SHIFT)
    return {"valid": int(np.count_nonzero(merged))}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        description="The project's ionosphere stages on ISCE's files (docs/ionosphere.md)."
    )
    p.add_argument("stage", choices=["mask", "bridge", "compute", "filter", "merge", "ramps"])
    p.add_argument("--topsapp-dir", required=True, type=Path)
    p.add_argument("--water-mask", help="mask: the water-mask raster (255 or 1 = water)")
    p.add_argument("--first-looks", nargs=2, type=int, metavar=("RANGE", "AZIMUTH"), help="bridge")
    p.add_argument("--total-looks", nargs=2, type=int, metavar=("RANGE", "AZIMUTH"), help="bridge")
    p.add_argument(
        "--looks", nargs=2, type=int, metavar=("RANGE", "AZIMUTH"), help="ramps: interferogram looks"
    )
    p.add_argument(
        "--ion-looks", nargs=2, type=int, metavar=("RANGE", "AZIMUTH"), help="merge: ionosphere looks"
    )
    p.add_argument("--max-window", type=int)
    p.add_argument("--min-window", type=int)
    p.add_argument("--fit", choices=["True", "False"], default="True")
    p.add_argument("--coherence-threshold", type=float, default=0.0)
    p.add_argument("--sigma-rule", type=float, default=0.0)
    a = p.parse_args(argv)
    t = a.topsapp_dir
    try:
        if a.stage == "mask":
            if not a.water_mask:
                p.error("mask needs --water-mask")
            rec = run_mask(t, a.water_mask)
        elif a.stage == "bridge":
            (fr, fa), (rl, al) = a.first_looks, a.total_looks
            rec = run_bridge(t, fr, fa, rl, al)
        elif a.stage == "compute":
            rec = run_compute(t)
        elif a.stage == "filter":
            rec = run_filter(
                t, a.max_window, a.min_window, a.fit == "True", a.coherence_threshold, a.sigma_rule
            )
        elif a.stage == "merge":
            rec = run_merge(t, *a.looks, *a.ion_looks)
        else:
            rec = run_ramps(t, *a.looks)
    except (ValueError, FileNotFoundError) as exc:
        print(f"error: ionosphere {a.stage}: {exc}", file=sys.stderr)
        return 1
    print(json.dumps({"stage": a.stage, **rec}, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
