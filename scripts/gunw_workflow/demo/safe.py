"""The SAFE zips of the synthetic pair: simulated burst data in CInt16 measurement TIFFs, their annotations and
the manifest, zipped in the real layout (``<scene id>.SAFE/...``).

Signal: complex Gaussian speckle shared by both dates, indexed by absolute azimuth line so burst overlaps agree;
reference = speckle + noise, secondary = delayed(speckle) * exp(-1j*phi) + noise (independent noise per image),
so reference * conj(secondary) has phase +phi.
"""

from __future__ import annotations

import datetime as dt
import math
import warnings
import zipfile
from pathlib import Path

import numpy as np

from gunw_workflow.demo.annotation import annotation_xml
from gunw_workflow.demo.manifest import manifest_xml
from gunw_workflow.demo.scene import (
    AZIMUTH_TIME_INTERVAL,
    INVALID_LINES,
    INVALID_SAMPLES,
    RADAR_FREQUENCY,
    RANGE_BANDWIDTH,
    RANGE_PIXEL,
    RANGE_SAMPLING_RATE,
    Scene,
    SceneModel,
)
from gunw_workflow.isce_io import orbit as og
from gunw_workflow.isce_io.times import format_compact


def _tiff_bytes(data: np.ndarray, gcps: list) -> tuple[bytes, list[int]]:
    """One-band CInt16 GeoTIFF (one strip per line, GCPs like real S1 measurement files) and the byte offset
    of each line's strip."""
    from rasterio.control import GroundControlPoint
    from rasterio.crs import CRS
    from rasterio.errors import NotGeoreferencedWarning
    from rasterio.io import MemoryFile

    h, w = data.shape
    with MemoryFile() as mem, warnings.catch_warnings():
        warnings.simplefilter("ignore", NotGeoreferencedWarning)  # GCPs are set right after creation
        with mem.open(driver="GTiff", width=w, height=h, count=1, dtype="complex_int16", blockysize=1) as ds:
            ds.write(data.astype(np.complex64), 1)
            ds.gcps = ([GroundControlPoint(*g) for g in gcps], CRS.from_epsg(4326))
        with mem.open() as ds:
            offsets = [int(ds.get_tag_item(f"BLOCK_OFFSET_0_{y}", "TIFF", bidx=1)) for y in range(h)]
        return mem.read(), offsets


def baseline_mapping(m: SceneModel, k: int, n: int, step: int = 16) -> tuple[np.ndarray, np.ndarray]:
    """Where the targets of secondary burst ``k`` (swath ``n``) lie in the reference image: (azimuth offset in
    lines, range offset in samples), reference minus secondary, at every burst pixel. The target is the
    secondary's zero-Doppler point on the DEM surface; the reference sees it at its own zero-Doppler time
    and range. Evaluated on a ``step``-pixel grid and interpolated bilinearly (the offsets are smooth)."""
    from scipy.interpolate import RegularGridInterpolator

    ref, sec = m.scenes
    o_ref, o_sec = m.orbit_for(ref, 30.0), m.orbit_for(sec, 30.0)
    lines = np.unique(np.r_[np.arange(0, m.L, step), m.L - 1])
    samples = np.unique(np.r_[np.arange(0, m.W, step), m.W - 1])
    rel = (sec.burst_starts[k] - sec.t_first).total_seconds() + lines * AZIMUTH_TIME_INTERVAL
    r_sec = m.near_ranges[n] + samples * RANGE_PIXEL
    tt, rr = np.meshgrid(rel, r_sec, indexing="ij")
    lat, lon, h = og.rdr2geo(o_sec, tt, rr, m.height)
    t_ref, r_ref = og.zero_doppler(o_ref, og.geodetic_to_ecef(lat, lon, h))
    # same burst timing in both scenes: the secondary time rel is the reference time of the same index
    d_az = (t_ref - tt) / AZIMUTH_TIME_INTERVAL
    d_rg = (r_ref - rr) / RANGE_PIXEL
    full = np.stack(np.meshgrid(np.arange(m.L), np.arange(m.W), indexing="ij"), -1)
    return tuple(RegularGridInterpolator((lines, samples), d)(full) for d in (d_az, d_rg))


def range_shift(s: np.ndarray, shift: np.ndarray, tol: float = 1e-6) -> np.ndarray:
    """Band-limited value of every line of ``s`` at sample j + shift[i, j] (|shift| < 1.5): Taylor series of
    FFT derivatives, summed until the next term is below ``tol`` of the signal (exact for the periodic
    band-limited interpolant, unlike a first-order step)."""
    if np.max(np.abs(shift)) >= 1.5:
        raise ValueError("range shift of 1.5 samples or more: split off the integer part first")
    w = 2j * np.pi * np.fft.fftfreq(s.shape[1])[None, :]
    spec = np.fft.fft(s, axis=1)
    out, term, n = s.astype(np.complex128), np.ones(shift.shape), 0
    bound = np.pi * np.max(np.abs(shift))
    coef = 1.0
    while True:
        n += 1
        coef *= bound / n
        term = term * shift / n
        out = out + term * np.fft.ifft(spec * w**n, axis=1)
        if coef < tol:
            return out


def _secondary_signal(m: SceneModel, sc: Scene, k: int, n: int, s, ds_az, rr) -> np.ndarray:
    """The secondary's speckle lines of burst ``k``: the reference's scatterers seen from the secondary orbit
    (moved to the secondary's pixel grid, with the geometric phase -4 pi / lambda (r_sec - r_ref)), times
    exp(-1j phi), and delayed by phi * fs / (2 pi f0) samples when ``range_delay`` (non-dispersive)."""
    L, dtl = m.L, AZIMUTH_TIME_INTERVAL
    rel = (sc.burst_starts[k] - sc.t_first).total_seconds() + np.arange(L) * dtl
    phi = m.phi(rel[:, None], rr[None, :])
    shift = np.zeros(phi.shape)
    geometric = 1.0
    if m.p.secondary_orbit_offset_m:
        d_az, d_rg = baseline_mapping(m, k, n)
        if np.max(np.abs(d_az)) > 0.05:
            raise ValueError(f"secondary orbit moves the targets {np.max(np.abs(d_az)):.3f} lines in azimuth")
        roll = int(np.round(np.mean(d_rg)))
        s = np.roll(s + d_az * ds_az, -roll, axis=1)  # first order in azimuth (offsets < 0.05 line)
        shift += d_rg - roll
        # -4 pi / lambda (r_sec - r_ref), at the secondary's own pixel
        geometric = np.exp(4j * np.pi * RADAR_FREQUENCY / og.SPEED_OF_LIGHT * d_rg * RANGE_PIXEL)
    if m.p.range_delay:
        shift -= phi * RANGE_SAMPLING_RATE / (2 * np.pi * RADAR_FREQUENCY)
    if np.any(shift):
        s = range_shift(s, shift)
    return s * geometric * np.exp(-1j * phi)


def _burst(m: SceneModel, sc: Scene, k: int, n: int, speckle, ds_az, rr, secondary: bool, rng) -> np.ndarray:
    """Burst ``k``: its speckle lines (seen from the secondary orbit for the secondary) + noise, edges 0."""
    L, W = m.L, m.W
    s = speckle[k * m.step + np.arange(L)]
    if secondary:
        s = _secondary_signal(m, sc, k, n, s, ds_az[k * m.step + np.arange(L)], rr)
    amp_n = m.p.noise_amplitude / math.sqrt(2)
    noise = amp_n * (rng.standard_normal((L, W)) + 1j * rng.standard_normal((L, W)))
    burst = (s + noise).astype(np.complex64)
    mask = np.zeros((L, W), bool)
    mask[INVALID_LINES : L - INVALID_LINES, INVALID_SAMPLES : W - INVALID_SAMPLES] = True
    return np.where(mask, burst, 0)


def _stem(m: SceneModel, sc: Scene, n: int) -> str:
    """Annotation / measurement file stem: mission-swath-product-pol-start-stop-orbit-datatake-image."""
    t_last = sc.burst_starts[-1] + dt.timedelta(seconds=(m.L - 1) * AZIMUTH_TIME_INTERVAL)
    return (
        f"{sc.sid.mission.lower()}-iw{n}-slc-{m.pol}-{format_compact(sc.burst_starts[0]).lower()}-"
        f"{format_compact(t_last).lower()}-{sc.sid.absolute_orbit:06d}-{sc.sid.datatake.lower()}-"
        f"{m.image_number(n):03d}"
    )


def range_band_limited(amplitude: float, shape: tuple[int, int], rng) -> np.ndarray:
    """Complex Gaussian speckle of rms ``amplitude`` whose range spectrum fills only the chirp bandwidth
    (RANGE_BANDWIDTH / RANGE_SAMPLING_RATE = 0.88 of the band, like real IW data). Band-limited data can be
    moved by fractions of a sample exactly, which the secondary of a baseline pair needs; white data could
    not (its components at the Nyquist frequency have no unique shifted value)."""
    white = rng.standard_normal(shape) + 1j * rng.standard_normal(shape)
    keep = np.abs(np.fft.fftfreq(shape[1])) < 0.5 * RANGE_BANDWIDTH / RANGE_SAMPLING_RATE
    spec = np.fft.fft(white, axis=1) * keep[None, :]
    return amplitude / math.sqrt(2 * keep.mean()) * np.fft.ifft(spec, axis=1)


def _swath_files(m: SceneModel, n: int, rng, files: dict[str, dict[str, bytes]]) -> None:
    """Measurement TIFF + annotation of swath ``n`` for both scenes (the speckle is drawn once per swath)."""
    L, W, B = m.L, m.W, m.B
    speckle = range_band_limited(m.p.speckle_amplitude, (m.total_lines, W), rng)
    rr = m.near_ranges[n] + np.arange(W) * RANGE_PIXEL
    # azimuth derivative of the speckle (band-limited along the absolute lines), for sub-line target moves
    freq = np.fft.fftfreq(speckle.shape[0])[:, None]
    ds_az = np.fft.ifft(np.fft.fft(speckle, axis=0) * (2j * np.pi * freq), axis=0)
    for si, sc in enumerate(m.scenes):
        img = np.zeros((B * L, W), dtype=np.complex64)
        for k in range(B):
            img[k * L : (k + 1) * L] = _burst(m, sc, k, n, speckle, ds_az, rr, si == 1, rng)
        grid = m.geogrid(sc, n)
        gcps = [
            (
                float(grid["line"][i]),
                float(grid["pixel"][i]),
                float(grid["lon"][i]),
                float(grid["lat"][i]),
                float(grid["h"][i]),
            )
            for i in range(len(grid["line"]))
        ]
        tiff, offsets = _tiff_bytes(np.round(img.real) + 1j * np.round(img.imag), gcps)
        stem = _stem(m, sc, n)
        files[sc.scene_id][f"annotation/{stem}.xml"] = annotation_xml(
            m, sc, n, grid, [offsets[k * L] for k in range(B)]
        )
        files[sc.scene_id][f"measurement/{stem}.tiff"] = tiff


def footprint(m: SceneModel, sc: Scene) -> list[tuple[float, float]]:
    """Product corners at h = 0 in the order of real manifests: last-near, last-far, first-far, first-near."""
    o = m.orbit_for(sc, 30.0)
    rel_last = (m.total_lines - 1) * AZIMUTH_TIME_INTERVAL
    r_far = m.near_ranges[m.swaths[-1]] + (m.W - 1) * RANGE_PIXEL
    la, lo, _ = og.rdr2geo(
        o, np.array([rel_last, rel_last, 0.0, 0.0]), np.array([m.r0, r_far, r_far, m.r0]), 0.0
    )
    return list(zip(la.tolist(), lo.tolist(), strict=True))


def write_safes(m: SceneModel, slc_dir: Path, rng) -> tuple[list[Path], dict[str, list]]:
    """``<slc_dir>/<scene id>.zip`` per scene (written to .part, then renamed); returns them and the footprints."""
    slc_dir.mkdir(parents=True, exist_ok=True)
    files: dict[str, dict[str, bytes]] = {sc.scene_id: {} for sc in m.scenes}
    for n in m.swaths:
        _swath_files(m, n, rng, files)
    zips, footprints = [], {}
    for sc in m.scenes:
        footprints[sc.scene_id] = footprint(m, sc)
        members = dict(sorted(files[sc.scene_id].items()))
        manifest = manifest_xml(m, sc, members, footprints[sc.scene_id])
        zpath = slc_dir / f"{sc.scene_id}.zip"
        tmp = zpath.with_suffix(".zip.part")
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
            zf.writestr(f"{sc.scene_id}.SAFE/manifest.safe", manifest)
            for name, data in members.items():
                zf.writestr(f"{sc.scene_id}.SAFE/{name}", data)
        tmp.replace(zpath)
        zips.append(zpath)
    return zips, footprints
