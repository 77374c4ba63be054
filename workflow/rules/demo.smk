"""Offline demo: a synthetic Sentinel-1 pair (SAFE zips, EOFs, DEM, water mask, truth) made by `gunw demo-pair`.

Active only when the config has a non-empty `demo:` section (config/demo.yaml). Its outputs are exactly the
paths config/demo.yaml gives as `local_inputs`, so the normal DAG pulls them in; the scene ids are the
config's first reference / secondary scene.
"""

if DEMO_REQUESTED:
    DEMO = config["demo"]
    DEMO_DIR = run_layout.DemoDir(DEMO["outdir"])
    DEMO_REF = config["reference_scenes"][0]
    DEMO_SEC = config["secondary_scenes"][0]

    rule generate_demo_pair:
        """Synthetic pair with a known injected phase (truth/truth.json documents every parameter)."""
        output:
            slc=[DEMO_DIR.slc(DEMO_REF), DEMO_DIR.slc(DEMO_SEC)],
            orbits=directory(DEMO_DIR.orbits),
            dem=run_layout.isce_raster(DEMO_DIR.dem),
            water_mask=DEMO_DIR.water_mask,
            truth=[DEMO_DIR.truth_phase, DEMO_DIR.truth_json],
        log:
            DEMO_DIR.log,
        conda:
            "../../envs/product.yaml"
        threads: rule_resources("generate_demo_pair")["threads"]
        resources:
            mem_mb=rule_resources("generate_demo_pair")["mem_mb"],
            runtime=rule_resources("generate_demo_pair")["runtime"],
        params:
            outdir=DEMO_DIR.root,
            centre_lat=DEMO["centre_lat"],
            centre_lon=DEMO["centre_lon"],
            direction="" if DEMO["ascending"] else "--descending",
            swaths=" ".join(str(s) for s in DEMO["swaths"]),
            bursts=DEMO["bursts"],
            lines=DEMO["lines_per_burst"],
            samples=DEMO["samples_per_burst"],
            overlap=DEMO["overlap_lines"],
            seed=DEMO["seed"],
            ramp=DEMO["ramp_cycles"],
            bump=DEMO["bump_rad"],
            relief=DEMO["relief_m"],
            noise=DEMO["noise_amplitude"],
            baseline=DEMO["secondary_orbit_offset_m"],
        shell:
            "gunw demo-pair --outdir {params.outdir:q} --reference-id {DEMO_REF}"
            " --secondary-id {DEMO_SEC} --centre-lat {params.centre_lat} --centre-lon {params.centre_lon}"
            " {params.direction} --swaths {params.swaths} --bursts {params.bursts}"
            " --lines-per-burst {params.lines} --samples-per-burst {params.samples}"
            " --overlap-lines {params.overlap} --seed {params.seed} --ramp-cycles {params.ramp}"
            " --bump-rad {params.bump} --relief-m {params.relief} --noise-amplitude {params.noise}"
            " --secondary-orbit-offset-m {params.baseline} > {log:q} 2>&1"
