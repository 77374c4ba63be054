"""Offline demo: a synthetic Sentinel-1 pair (SAFE zips, EOFs, DEM, water mask, truth) made by synth_s1.py.

Active only when the config has a non-empty `demo:` section (config/demo.yaml). Its outputs are exactly the
paths config/demo.yaml gives as `local_inputs`, so the normal DAG pulls them in; the scene ids are the
config's first reference / secondary scene.
"""

DEMO = config.get("demo") or {}

if DEMO_REQUESTED:
    DEMO_DIR = DEMO.get("outdir", "demo/inputs").rstrip("/")
    DEMO_REF = config["reference_scenes"][0]
    DEMO_SEC = config["secondary_scenes"][0]

    rule generate_demo_pair:
        """Synthetic pair with a known injected phase (truth/truth.json documents every parameter)."""
        output:
            slc=[f"{DEMO_DIR}/slc/{DEMO_REF}.zip", f"{DEMO_DIR}/slc/{DEMO_SEC}.zip"],
            orbits=directory(f"{DEMO_DIR}/orbits"),
            dem=multiext(f"{DEMO_DIR}/dem/dem.wgs84", "", ".xml", ".vrt"),
            water_mask=f"{DEMO_DIR}/dem/water_mask.tif",
            truth=[f"{DEMO_DIR}/truth/phase_geo.tif", f"{DEMO_DIR}/truth/truth.json"],
        log:
            f"{DEMO_DIR}/logs/generate_demo_pair.log",
        conda:
            "../../envs/product.yaml"
        threads: rule_resources("generate_demo_pair")["threads"]
        resources:
            mem_mb=rule_resources("generate_demo_pair")["mem_mb"],
            runtime=rule_resources("generate_demo_pair")["runtime"],
        params:
            centre_lat=DEMO.get("centre_lat", 35.0),
            centre_lon=DEMO.get("centre_lon", -118.0),
            direction="" if DEMO.get("ascending", True) else "--descending",
            swaths=" ".join(str(s) for s in DEMO.get("swaths", [1])),
            bursts=DEMO.get("bursts", 3),
            lines=DEMO.get("lines_per_burst", 530),
            samples=DEMO.get("samples_per_burst", 540),
            overlap=DEMO.get("overlap_lines", 90),
            seed=DEMO.get("seed", 1),
            ramp=DEMO.get("ramp_cycles", 2.5),
            bump=DEMO.get("bump_rad", 4.0),
            relief=DEMO.get("relief_m", 100.0),
            noise=DEMO.get("noise_amplitude", 15.0),
        shell:
            "synth_s1.py --outdir {DEMO_DIR} --reference-id {DEMO_REF}"
            " --secondary-id {DEMO_SEC} --centre-lat {params.centre_lat} --centre-lon {params.centre_lon}"
            " {params.direction} --swaths {params.swaths} --bursts {params.bursts}"
            " --lines-per-burst {params.lines} --samples-per-burst {params.samples}"
            " --overlap-lines {params.overlap} --seed {params.seed} --ramp-cycles {params.ramp}"
            " --bump-rad {params.bump} --relief-m {params.relief} --noise-amplitude {params.noise}"
            " > {log} 2>&1"
