"""ISCE2 topsApp: stage inputs, render topsApp.xml, and one rule per step generated from the step table."""


rule stage_inputs:
    """Orbits (only the chosen EOF per scene, real names), DEMs (headers valid from the topsApp dir) and the
    SAFE paths; everything the topsApp steps read from outside their own chain."""
    input:
        slcs=lambda w: [slc_path(s) for s in pair_scenes(w)],
        orbits=orbit_sources,
        dem=lambda w: isce_raster(dem_path(pair_of(w), "topo")),
        geocode_dem=lambda w: isce_raster(dem_path(pair_of(w), "geocode")),
        aux_cal=f"{PAIR}/inputs/aux_cal.json",
    output:
        orbits=directory(f"{PAIR}/inputs/orbits"),
        dem=multiext(f"{PAIR}/inputs/dem.wgs84", "", ".xml", ".vrt"),
        geocode_dem=multiext(f"{PAIR}/inputs/geocode_dem.wgs84", "", ".xml", ".vrt"),
        safes=f"{PAIR}/inputs/safes.json",
    log:
        f"{PAIR}/logs/stage_inputs.log",
    conda:
        "../../envs/product.yaml"
    params:
        pair_dir=lambda w, output: os.path.dirname(os.path.dirname(output.safes)),
        dem=lambda w, input: input.dem[0],
        geocode_dem=lambda w, input: input.geocode_dem[0],
        scenes=pair_scenes,
        reference=lambda w: [slc_path(s) for s in pair_of(w)["reference_scenes"]],
        secondary=lambda w: [slc_path(s) for s in pair_of(w)["secondary_scenes"]],
    shell:
        "stage_inputs.py --pair-dir {params.pair_dir} --scenes {params.scenes}"
        " --orbit-sources {input.orbits} --dem {params.dem} --geocode-dem {params.geocode_dem}"
        " --reference-safes {params.reference:q} --secondary-safes {params.secondary:q}"
        " --aux-cal-json {input.aux_cal} > {log} 2>&1"


for _step in topsapp_steps.STEPS:

    rule:
        name:
            f"topsapp_{_step.name}"
        input:
            unpack(topsapp_step_inputs(_step.name)),
        output:
            topsapp_step_outputs(_step.name),
        log:
            f"{PAIR}/logs/topsapp_{_step.name}.log",
        benchmark:
            f"{PAIR}/benchmarks/topsapp_{_step.name}.tsv"
        conda:
            "../../envs/isce2.yaml"
        threads: rule_resources(f"topsapp_{_step.name}")["threads"]
        resources:
            mem_mb=rule_resources(f"topsapp_{_step.name}")["mem_mb"],
            runtime=rule_resources(f"topsapp_{_step.name}")["runtime"],
            disk_mb=rule_resources(f"topsapp_{_step.name}")["disk_mb"],
        params:
            step=_step.name,
            # what re-runs this step: only the topsApp properties that first affect it (the step table)
            invalidating=topsapp_steps.step_params(_step.name, SETTINGS),
            # output-derived params are not provenance for Snakemake: the pair directory, the full property set
            # (rendered into topsApp.xml by the step) and the clean-up switch must not re-run unaffected steps
            args=lambda w, output: topsapp_step_args(output[0]),
        shell:
            "rm -f {log} && run_topsapp_step.py --step {params.step} {params.args}"
            " --threads {threads} --log {log}"
