"""Synthetic Sentinel-1 IW SLC pair with a known interferometric phase: the offline demo / end-to-end input.

Writes, under ``outdir``:

* ``slc/<scene id>.zip``: SAFE zips in the real layout (``manifest.safe`` with IPF 003.31 and a footprint;
  ``annotation/s1?-iw{n}-slc-{pol}-...xml`` with every field ISCE2's reader needs plus a geolocation grid;
  ``measurement/...tiff`` one-band CInt16, bursts stacked along lines, GCPs from the geolocation grid);
* ``orbits/S1?_OPER_AUX_POEORB_OPOD_<created>_V<start>_<stop>.EOF``: 10-s state vectors over +-``orbit_margin_s``
  around the acquisition, the validity window in the name and in the header;
* ``dem/dem.wgs84`` (+ ``.xml`` with ``reference`` WGS84, + ``.vrt``): Int16 ellipsoidal heights, 1" posting;
  its ``file_name`` is ``dem.wgs84`` (valid from the DEM's own directory; stage-dem rewrites it for topsApp);
* ``dem/water_mask.tif``: all-land uint8 mask on the DEM grid (keeps the demo offline);
* ``truth/phase_geo.tif`` + ``truth/truth.json``: the injected phase on the DEM's lat/lon grid and its formula.

Physics (documented again in truth.json):

* Orbit: circular Keplerian orbit (a = 7071 km, i = 98.18 deg, sun-synchronous inclination for that radius),
  Earth rotation included (ECEF positions/velocities consistent), solved so that the scene centre (lat, lon,
  DEM height) is seen at zero Doppler, right-looking, at the centre time / mid slant range of the data.
  The secondary flies the same Earth-fixed trajectory ``dt`` later (the 12-day repeat), displaced by
  ``secondary_orbit_offset_m`` perpendicular to the mid-scene line of sight (a perpendicular baseline of that
  size; 0 = zero baseline).
* Signal: complex Gaussian speckle shared by both dates, indexed by absolute azimuth line so burst overlaps agree;
  reference = speckle + noise, secondary = the same scatterers seen from the secondary orbit (band-limited
  speckle moved to the secondary's pixel of each target on the DEM, times exp(-4j pi (r_sec - r_ref) / lambda))
  * exp(-1j*phi) + noise (independent noise per image), so reference * conj(secondary), flattened by the
  geometric range difference as topsApp's resampling does, has phase +phi. With ``range_delay`` the phase is applied as a true two-way delay
  (the speckle is shifted by phi * fs / (2 pi f0) samples, <0.03 px), i.e. non-dispersive: split-spectrum
  ionosphere estimates stay near zero.
* phi(t, r) = 2 pi ramp_cycles (r - r0) / r_span + bump_rad exp(-[((t - t_mid) / (t_span / 6))^2 +
  ((r - r_mid) / (r_span / 6))^2]), t azimuth time, r slant range over all swaths; for one swath this is the
  recorded run's phi(line, sample).
* DEM: a Gaussian hill ``relief_m`` high (sigma ``relief_sigma_m``) on the scene centre, ellipsoidal heights.

Modules: ``scene`` (constants, timing, geometry: the model every writer reads), ``orbit_model`` (the circular
orbit), ``eof``, ``annotation``, ``manifest``, ``safe`` (burst data, TIFFs, zips), ``dem`` (DEM + water mask),
``truth`` (phase_geo.tif, truth.json); this one runs them in order and is `gunw demo-pair`.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

import numpy as np

from gunw_workflow.config import section_defaults
from gunw_workflow.demo import dem, eof, safe, scene, truth
from gunw_workflow.layout import DemoDir


def generate_pair(
    outdir,
    reference_id: str,
    secondary_id: str,
    centre_lat: float = 35.0,
    centre_lon: float = -118.0,
    ascending: bool = True,
    swaths=(1,),
    bursts: int = 3,
    lines_per_burst: int = 530,
    samples_per_burst: int = 540,
    overlap_lines: int = 90,
    seed: int = 1,
    speckle_amplitude: float = 60.0,
    noise_amplitude: float = 15.0,
    ramp_cycles: float = 2.5,
    bump_rad: float = 4.0,
    relief_m: float = 100.0,
    relief_sigma_m: float = 3000.0,
    range_delay: bool = True,
    orbit_margin_s: float = 600.0,
    dem_margin_deg: float = 0.03,
    dem_posting_arcsec: float = 1.0,
    dem_file_name: str = "dem.wgs84",
    secondary_orbit_offset_m: float = 0.0,
) -> dict:
    """Write the pair, orbits, DEM and truth under ``outdir``; return a summary (also in truth/truth.json)."""
    outdir = Path(outdir)
    m = scene.build(
        scene.Params(
            reference_id,
            secondary_id,
            centre_lat=centre_lat,
            centre_lon=centre_lon,
            ascending=ascending,
            swaths=swaths,
            bursts=bursts,
            lines_per_burst=lines_per_burst,
            samples_per_burst=samples_per_burst,
            overlap_lines=overlap_lines,
            seed=seed,
            speckle_amplitude=speckle_amplitude,
            noise_amplitude=noise_amplitude,
            ramp_cycles=ramp_cycles,
            bump_rad=bump_rad,
            relief_m=relief_m,
            relief_sigma_m=relief_sigma_m,
            range_delay=range_delay,
            orbit_margin_s=orbit_margin_s,
            dem_margin_deg=dem_margin_deg,
            dem_posting_arcsec=dem_posting_arcsec,
            dem_file_name=dem_file_name,
            secondary_orbit_offset_m=secondary_orbit_offset_m,
        )
    )
    d = DemoDir(outdir)
    eof_files = eof.write_eofs(m, Path(d.orbits))
    zips, footprints = safe.write_safes(m, Path(d.slc_dir), np.random.default_rng(seed))
    data_snwe = dem.data_area_snwe(m)
    grid = dem.dem_grid(data_snwe, dem_posting_arcsec, dem_margin_deg)
    heights = dem.write_dem(m, grid, Path(d.dem))
    phase = truth.truth_phase(m, grid, heights)
    truth.write_phase(phase, grid, Path(d.truth_phase))
    dem.write_water_mask(grid, Path(d.water_mask))
    summary = truth.summary(m, d, grid, phase, data_snwe, footprints, zips, eof_files)
    truth.write_summary(summary, Path(d.truth_json))
    return summary


def generate_stack(
    outdir, scene_ids: list[str], baseline_step_m: float = 300.0, **options
) -> dict[str, dict]:
    """N dates of one track: SAFE zips and EOFs of every scene under ``outdir`` (``slc/``, ``orbits/``) and the
    DEM of the latest date's pair. The latest date is the reference trajectory; date k before it flies it
    displaced by ``k * baseline_step_m``, so every two dates have a non-zero perpendicular baseline. Each earlier
    date is made by ``generate_pair`` (latest, that date) in its own directory under ``outdir/pairs/``; the
    latest date's files come from the first of them. Returns each pair's summary by secondary id."""
    from gunw_workflow import s1_ids

    outdir = Path(outdir)
    ids = sorted(scene_ids, key=lambda s: s1_ids.parse(s).start, reverse=True)
    if len(ids) < 2:
        raise ValueError("a stack needs at least two scene ids")
    d = DemoDir(outdir)
    summaries = {}
    for k, secondary in enumerate(ids[1:], start=1):
        pair_dir = outdir / "pairs" / secondary
        summaries[secondary] = generate_pair(
            pair_dir, ids[0], secondary, secondary_orbit_offset_m=k * baseline_step_m, **options
        )
        src = DemoDir(pair_dir)
        wanted = [secondary] if k > 1 else [ids[0], secondary]
        Path(d.slc_dir).mkdir(parents=True, exist_ok=True)
        for scene_id in wanted:
            os.replace(src.slc(scene_id), d.slc(scene_id))
        Path(d.orbits).mkdir(parents=True, exist_ok=True)
        for name in summaries[secondary]["orbit"]["eof_files"]:
            target = Path(d.orbits) / name
            if not target.exists():
                os.replace(Path(src.orbits) / name, target)
        if k == 1:
            for path in (d.dem, d.water_mask):
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            for ext in ("", ".xml", ".vrt"):
                os.replace(src.dem + ext, d.dem + ext)
            os.replace(src.water_mask, d.water_mask)
    return summaries


def main(argv=None) -> int:
    DEMO_DEFAULTS = section_defaults("demo")  # the schema's demo: keys (the rule passes every one)
    ap = argparse.ArgumentParser(
        description="Generate a small synthetic Sentinel-1 IW SLC pair (SAFE zips, EOFs, DEM, truth) that "
        "ISCE2's topsApp accepts, with a known injected interferometric phase.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    ap.add_argument("--outdir", required=True, type=Path)
    ap.add_argument("--reference-id", required=True)
    ap.add_argument("--secondary-id", required=True)
    ap.add_argument("--centre-lat", type=float, default=DEMO_DEFAULTS["centre_lat"])
    ap.add_argument("--centre-lon", type=float, default=DEMO_DEFAULTS["centre_lon"])
    ap.add_argument("--descending", action="store_true", help="descending pass (default ascending)")
    ap.add_argument("--swaths", type=int, nargs="+", default=DEMO_DEFAULTS["swaths"])
    ap.add_argument("--bursts", type=int, default=DEMO_DEFAULTS["bursts"])
    ap.add_argument("--lines-per-burst", type=int, default=DEMO_DEFAULTS["lines_per_burst"])
    ap.add_argument("--samples-per-burst", type=int, default=DEMO_DEFAULTS["samples_per_burst"])
    ap.add_argument("--overlap-lines", type=int, default=DEMO_DEFAULTS["overlap_lines"])
    ap.add_argument("--seed", type=int, default=DEMO_DEFAULTS["seed"])
    ap.add_argument("--ramp-cycles", type=float, default=DEMO_DEFAULTS["ramp_cycles"])
    ap.add_argument("--bump-rad", type=float, default=DEMO_DEFAULTS["bump_rad"])
    ap.add_argument(
        "--relief-m",
        type=float,
        default=DEMO_DEFAULTS["relief_m"],
        help="height of the Gaussian hill (0 = flat)",
    )
    ap.add_argument("--relief-sigma-m", type=float, default=3000.0)
    ap.add_argument("--speckle-amplitude", type=float, default=60.0)
    ap.add_argument("--noise-amplitude", type=float, default=DEMO_DEFAULTS["noise_amplitude"])
    ap.add_argument("--no-range-delay", action="store_true", help="frequency-independent phase (as recorded)")
    ap.add_argument("--orbit-margin-s", type=float, default=600.0)
    ap.add_argument("--dem-margin-deg", type=float, default=0.03)
    ap.add_argument(
        "--secondary-orbit-offset-m",
        type=float,
        default=DEMO_DEFAULTS["secondary_orbit_offset_m"],
        help="baseline: the secondary orbit displaced this far perpendicular to the mid-scene line of sight",
    )
    args = ap.parse_args(argv)
    summary = generate_pair(
        args.outdir,
        args.reference_id,
        args.secondary_id,
        centre_lat=args.centre_lat,
        centre_lon=args.centre_lon,
        ascending=not args.descending,
        swaths=args.swaths,
        bursts=args.bursts,
        lines_per_burst=args.lines_per_burst,
        samples_per_burst=args.samples_per_burst,
        overlap_lines=args.overlap_lines,
        seed=args.seed,
        ramp_cycles=args.ramp_cycles,
        bump_rad=args.bump_rad,
        relief_m=args.relief_m,
        relief_sigma_m=args.relief_sigma_m,
        speckle_amplitude=args.speckle_amplitude,
        noise_amplitude=args.noise_amplitude,
        range_delay=not args.no_range_delay,
        orbit_margin_s=args.orbit_margin_s,
        dem_margin_deg=args.dem_margin_deg,
        secondary_orbit_offset_m=args.secondary_orbit_offset_m,
    )
    print(json.dumps(summary["files"], indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
