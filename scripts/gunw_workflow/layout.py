"""The one run layout: every path under ``results_dir`` and ``cache_dir``, and the demo's generated inputs.

Rules, commands and tests take their paths from here and nowhere else (tests/test_architecture.py scans for
stray path literals). Paths are plain strings so that the same methods give Snakemake patterns
(``RunLayout(...).pair("{pair}").pair_json``) and concrete paths at run time (``PairDir(args.pair_dir)``).

    <results_dir>/<pair>/pair.json              the checked pair (schema: resources/pair.schema.json)
                        /scenes.json            the scenes found for a frame + dates pair (resolve_pair)
                        /inputs/                orbits/, safes.json, aux_cal.json, dem.wgs84, geocode_dem.wgs84
                        /topsapp/               ISCE2's working directory: topsApp.xml, PICKLE/, merged/, ...
                        /topsapp/heavy/<step>.txt   markers of heavy intermediates (keep_intermediates off)
                        /product/               gunw.nc, gunw.json, gunw.png, product_name.txt, validated.ok
                        /logs/<rule>.log, /benchmarks/<rule>.tsv
                        /delivered.txt, /s3_upload.json   what the pair delivered / uploaded (bucket set)
                        /report/                quicklook.png, summary.html, summary.json (Snakemake report)
    <results_dir>/products/<id>/<id>.{nc,json,png}  the delivered, ARIA-named copy of every valid product
    <results_dir>/isce2_topsapp_config.yaml     the config the reference-style command line wrote
    <results_dir>/report/                       benchmarks.png, stack.png, stack.html, summaries.txt (all pairs)
    <results_dir>/stack/pairs.tsv               the enumerated frame-stack pairs (gunw enumerate-stack)
    <cache_dir>/slc/<scene>.zip, orbits/<scene>.EOF(.json), dem/<key>/..., water_mask/<key>/..., aux_cal/,
               static/, logs/<rule>/<key>.log   shared by every pair
               bursts/data/<burst>.tiff, bursts/metadata/<slc>_<pol>.xml, bursts/safe/<date key>.SAFE (+ .json)
"""

from __future__ import annotations

import os
from dataclasses import dataclass

DEM_NAMES = ("dem", "geocode_dem")
"""The two DEMs a pair stages: ``dem`` (1 arcsec, for topo) and ``geocode_dem`` (output posting, for geocode)."""

ISCE_RASTER_SIDECARS = (".xml", ".vrt")
"""An ISCE raster is its binary plus these two header files."""


def isce_raster(path: str) -> list[str]:
    """The three files of an ISCE raster (binary, .xml, .vrt)."""
    return [path] + [path + ext for ext in ISCE_RASTER_SIDECARS]


def _join(*parts: str) -> str:
    return "/".join(str(p).rstrip("/") for p in parts)


@dataclass(frozen=True)
class PairDir:
    """The directory of one pair (``root`` may hold the ``{pair}`` wildcard)."""

    root: str

    def __init__(self, root) -> None:
        object.__setattr__(self, "root", str(root).rstrip("/"))

    # --- the check ---
    @property
    def pair_json(self) -> str:
        return _join(self.root, "pair.json")

    @property
    def scenes_json(self) -> str:
        """The scenes resolve_pair found for a frame + dates pair (the checkpoint's output)."""
        return _join(self.root, "scenes.json")

    # --- staged inputs ---
    @property
    def inputs(self) -> str:
        return _join(self.root, "inputs")

    @property
    def orbits(self) -> str:
        return _join(self.inputs, "orbits")

    @property
    def safes_json(self) -> str:
        return _join(self.inputs, "safes.json")

    @property
    def aux_cal_json(self) -> str:
        return _join(self.inputs, "aux_cal.json")

    def dem(self, name: str) -> str:
        if name not in DEM_NAMES and not name.startswith("{"):  # "{name}": a Snakemake wildcard
            raise ValueError(f"unknown DEM {name!r}; one of {DEM_NAMES}")
        return _join(self.inputs, f"{name}.wgs84")

    def staged(self, name: str) -> str:
        """A staged input by the name the step table gives it (Step.reads)."""
        paths = {"pair_json": self.pair_json, "safes": self.safes_json, "orbits": self.orbits}
        paths.update({dem: self.dem(dem) for dem in DEM_NAMES})
        return paths[name]

    # --- ISCE2's working directory ---
    @property
    def topsapp(self) -> str:
        return _join(self.root, "topsapp")

    def topsapp_file(self, rel: str) -> str:
        """A file of ISCE2's own layout (``merged/...``, relative to the topsApp directory)."""
        return _join(self.topsapp, rel)

    @property
    def topsapp_xml(self) -> str:
        return self.topsapp_file(TOPSAPP_XML)

    @property
    def topsapp_properties_json(self) -> str:
        return self.topsapp_file(TOPSAPP_PROPERTIES_JSON)

    def pickle(self, step: str) -> str:
        return self.topsapp_file(pickle_files(step)[0])

    def pickle_xml(self, step: str) -> str:
        return self.topsapp_file(pickle_files(step)[1])

    def heavy_marker(self, step: str) -> str:
        return self.topsapp_file(f"heavy/{step}.txt")

    def from_topsapp(self, path: str) -> str:
        """``path`` as ISCE2 must see it from its working directory (topsApp.xml and DEM headers hold these)."""
        return os.path.relpath(path, self.topsapp)

    # --- the product ---
    @property
    def product(self) -> str:
        return _join(self.root, "product")

    @property
    def gunw_nc(self) -> str:
        return _join(self.product, PRODUCT_FILES["nc"])

    @property
    def gunw_json(self) -> str:
        return _join(self.product, PRODUCT_FILES["json"])

    @property
    def gunw_png(self) -> str:
        return _join(self.product, PRODUCT_FILES["png"])

    @property
    def product_name_txt(self) -> str:
        return _join(self.product, PRODUCT_FILES["name"])

    @property
    def validated_ok(self) -> str:
        return _join(self.product, PRODUCT_FILES["ok"])

    @property
    def delivered_txt(self) -> str:
        """What the pair delivered to <results_dir>/products (product.delivery); outside product/, which is
        emptied whenever the product is re-made."""
        return _join(self.root, "delivered.txt")

    @property
    def upload_record(self) -> str:
        """What the pair uploaded to S3 (keys, ETags; product.s3_upload), written only after every upload
        succeeded; outside product/ like delivered_txt."""
        return _join(self.root, "s3_upload.json")

    # --- logs ---
    @property
    def logs(self) -> str:
        return _join(self.root, "logs")

    def log(self, rule: str) -> str:
        return _join(self.logs, f"{rule}.log")

    def benchmark(self, rule: str) -> str:
        return _join(self.root, "benchmarks", f"{rule}.tsv")

    # --- the Snakemake report's per-pair items ---
    @property
    def report(self) -> str:
        return _join(self.root, "report")

    @property
    def quicklook_png(self) -> str:
        return _join(self.report, "quicklook.png")

    @property
    def summary_html(self) -> str:
        return _join(self.report, "summary.html")

    @property
    def summary_json(self) -> str:
        return _join(self.report, "summary.json")


PRODUCT_FILES = {
    "nc": "gunw.nc",
    "json": "gunw.json",
    "png": "gunw.png",
    "name": "product_name.txt",
    "ok": "validated.ok",
}
"""Fixed names inside a product directory: the ARIA name is known only at run time (it is in ``name``)."""

TOPSAPP_XML = "topsApp.xml"
TOPSAPP_PROPERTIES_JSON = "topsapp_settings.json"


def pickle_files(step: str) -> list[str]:
    """ISCE2's state after ``step``, relative to the topsApp directory (a binary pickle and its XML twin)."""
    return [f"PICKLE/{step}", f"PICKLE/{step}.xml"]


@dataclass(frozen=True)
class CacheDir:
    """Downloads shared by every pair: one file per scene, date or frame (``key`` of DEMs: see dem_key)."""

    root: str

    def __init__(self, root) -> None:
        object.__setattr__(self, "root", str(root).rstrip("/"))

    def slc(self, scene: str) -> str:
        return _join(self.root, "slc", f"{scene}.zip")

    def orbit(self, scene: str) -> str:
        return _join(self.root, "orbits", f"{scene}.EOF")

    def orbit_meta(self, scene: str) -> str:
        return self.orbit(scene) + ".json"

    def topo_dem(self, key: str) -> str:
        return _join(self.root, "dem", key, "topo_1arcsec.dem.wgs84")

    @property
    def geoid_dir(self) -> str:
        """The EGM2008 geoid grid the DEM jobs share (fetched once, like the tiles)."""
        return _join(self.root, "dem", "geoid")

    def geocode_dem(self, key: str, resolution) -> str:
        return _join(self.root, "dem", key, f"geocode_{resolution}m.dem.wgs84")

    @property
    def dem_tiles(self) -> str:
        return _join(self.root, "dem", "tiles", "glo_30")

    def water_mask(self, key: str) -> str:
        return _join(self.root, "water_mask", key, "water_mask.wgs84")

    @property
    def land_polygons(self) -> str:
        return _join(self.root, "static", "ne_10m_land.zip")

    @property
    def pekel_tiles(self) -> str:
        """The JRC/Pekel occurrence 2021 tiles the water masks of every frame are cut from."""
        return _join(self.root, "static", "pekel_water_occurrence_2021")

    @property
    def aux_cal(self) -> str:
        return _join(self.root, "aux_cal")

    def log(self, rule: str, key: str) -> str:
        return _join(self.root, "logs", rule, f"{key}.log")

    # --- burst mode (download_mode burst): each burst once, one burst2safe SAFE per date ---
    def burst_data(self, granule: str) -> str:
        """One burst's measurement TIFF as ASF's burst extractor serves it (shared by every date key using it)."""
        return _join(self.root, "bursts", "data", f"{granule}.tiff")

    def burst_metadata(self, slc: str, polarization: str) -> str:
        """The extractor's combined metadata XML of one SLC and polarisation (manifest + annotations)."""
        return _join(self.root, "bursts", "metadata", f"{slc}_{polarization.upper()}.xml")

    def burst_safe(self, key: str) -> str:
        """The SAFE burst2safe assembled for one date key (see burst_safe_key)."""
        return _join(self.root, "bursts", "safe", f"{key}.SAFE")

    def burst_safe_record(self, key: str) -> str:
        """What the SAFE of ``key`` was made from (bursts, burst2safe's own SAFE name), written after the SAFE."""
        return _join(self.root, "bursts", "safe", f"{key}.json")


def burst_safe_key(frame_id: int, date: str, polarization: str, swaths) -> str:
    """The SAFE of one date in burst mode: frame + date + polarisation + swaths, known without scene ids, so
    every pair of a frame stack that uses the date shares it (``F25502_20220212_VV_IW123``)."""
    return f"F{int(frame_id)}_{date}_{polarization.upper()}_IW{''.join(str(s) for s in sorted(swaths))}"


BURST_SAFE_KEY_PATTERN = "F[0-9]+_[0-9]{8}_[A-Z]{2}_IW[1-3]+"
"""The regular expression every burst_safe_key matches (a wildcard constraint)."""


def dem_key(frame_id: int, pair_name: str) -> str:
    """DEMs and water masks are shared by all pairs of a frame; a pair without a frame has its own extent."""
    return f"frame{frame_id}" if frame_id >= 0 else f"pair_{pair_name}"


DEM_KEY_PATTERN = "frame[0-9]+|pair_[^/]+"
"""The regular expression every dem_key matches (a wildcard constraint)."""


@dataclass(frozen=True)
class RunLayout:
    """A run: the pairs under ``results_dir``, the shared downloads under ``cache_dir``."""

    results_dir: str
    cache_dir: str

    def __init__(self, results_dir, cache_dir) -> None:
        object.__setattr__(self, "results_dir", str(results_dir).rstrip("/"))
        object.__setattr__(self, "cache_dir", str(cache_dir).rstrip("/"))

    def pair(self, name: str) -> PairDir:
        return PairDir(_join(self.results_dir, name))

    @property
    def cache(self) -> CacheDir:
        return CacheDir(self.cache_dir)

    @property
    def products(self) -> str:
        return _join(self.results_dir, "products")

    @property
    def report(self) -> str:
        """The Snakemake report's items about all pairs (step costs, the stack overview)."""
        return _join(self.results_dir, "report")

    @property
    def benchmarks_png(self) -> str:
        return _join(self.report, "benchmarks.png")

    @property
    def stack_png(self) -> str:
        return _join(self.report, "stack.png")

    @property
    def stack_html(self) -> str:
        return _join(self.report, "stack.html")

    @property
    def report_listing(self) -> str:
        """The pairs' summary.json files the run-level report items were drawn from."""
        return _join(self.report, "summaries.txt")

    @property
    def report_log(self) -> str:
        return _join(self.report, "report_run.log")

    @property
    def cli_config(self) -> str:
        """The config `isce2_topsapp` (reference_cli) wrote for its run: `snakemake --configfile` repeats it."""
        return _join(self.results_dir, "isce2_topsapp_config.yaml")

    @property
    def stack_pairs_tsv(self) -> str:
        """The pair list `gunw enumerate-stack` writes for a `stack:` config (the default of stack.pairs_tsv)."""
        return _join(self.results_dir, "stack", "pairs.tsv")

    @property
    def run_lock(self) -> str:
        """Held by the Snakemake run that writes into results_dir (gunw_workflow.run_lock)."""
        return _join(self.results_dir, ".gunw-run.lock")


def delivery(products_dir: str, product_id: str, suffix: str) -> str:
    """The delivered copy ``<products_dir>/<id>/<id><suffix>`` of a valid product."""
    return _join(products_dir, product_id, f"{product_id}{suffix}")


@dataclass(frozen=True)
class DemoDir:
    """What the demo generator writes (config/demo.yaml points `local_inputs` at these paths)."""

    root: str

    def __init__(self, root) -> None:
        object.__setattr__(self, "root", str(root).rstrip("/"))

    def slc(self, scene: str) -> str:
        return _join(self.root, "slc", f"{scene}.zip")

    @property
    def slc_dir(self) -> str:
        return _join(self.root, "slc")

    @property
    def orbits(self) -> str:
        return _join(self.root, "orbits")

    @property
    def dem(self) -> str:
        return _join(self.root, "dem", "dem.wgs84")

    @property
    def water_mask(self) -> str:
        return _join(self.root, "dem", "water_mask.tif")

    @property
    def truth_phase(self) -> str:
        return _join(self.root, "truth", "phase_geo.tif")

    @property
    def truth_json(self) -> str:
        return _join(self.root, "truth", "truth.json")

    @property
    def log(self) -> str:
        return _join(self.root, "logs", "generate_demo_pair.log")
