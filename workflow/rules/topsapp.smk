"""ISCE2 topsApp: stage inputs, render topsApp.xml, and one rule per step generated from the step table."""

import json


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
        scenes=pair_scenes,
        reference=lambda w: [slc_path(s) for s in pair_of(w)["reference_scenes"]],
        secondary=lambda w: [slc_path(s) for s in pair_of(w)["secondary_scenes"]],
    shell:
        "python {SCRIPTS}/stage_inputs.py --pair-dir {RESULTS}/{wildcards.pair} --scenes {params.scenes}"
        " --orbit-sources {input.orbits} --dem {input.dem[0]} --geocode-dem {input.geocode_dem[0]}"
        " --reference-safes {params.reference:q} --secondary-safes {params.secondary:q}"
        " --aux-cal-json {input.aux_cal} > {log} 2>&1"


# The config-derived topsApp properties reach each step through the shell command (a global, not a param):
# each step's params carry only the properties that invalidate it (the step table), so a changed setting
# re-runs exactly the first affected step and what follows. The step renders topsApp.xml itself.
TOPSAPP_PROPERTIES = json.dumps(SETTINGS)


HANDOFFS = topsapp_steps.heavy_handoffs(SETTINGS)


def heavy_marker(step):
    return f"{TOPSAPP}/heavy/{step}.txt"


def topsapp_step_inputs(step):
    """Previous PICKLE (ISCE loads it), the files the step reads from outside the chain, heavy markers."""

    def inputs(wildcards):
        d = {}
        prev = topsapp_steps.previous(step)
        if prev:
            d["prev"] = [
                f"{RESULTS}/{wildcards.pair}/topsapp/{p}"
                for p in topsapp_steps.pickle_files(prev)
            ]
        pdir = f"{RESULTS}/{wildcards.pair}"
        if step in ("startup", "preprocess"):
            d["pair_json"] = f"{pdir}/pair.json"
            d["safes"] = f"{pdir}/inputs/safes.json"
            d["orbits"] = f"{pdir}/inputs/orbits"
        if step in ("verifyDEM", "topo"):
            d["dem"] = [f"{pdir}/inputs/dem.wgs84", f"{pdir}/inputs/dem.wgs84.xml"]
        if step in ("geocode", "geocodeoffsets"):
            d["geocode_dem"] = [
                f"{pdir}/inputs/geocode_dem.wgs84",
                f"{pdir}/inputs/geocode_dem.wgs84.xml",
            ]
        d["heavy"] = [
            f"{pdir}/topsapp/heavy/{producer}.txt"
            for producer, last, _ in HANDOFFS
            if last == step and producer != step
        ]
        return d

    return inputs


def topsapp_step_outputs(step):
    files = topsapp_steps.pickle_files(step) + topsapp_steps.BY_NAME[step].declared(
        SETTINGS
    )
    out = [f"{TOPSAPP}/{f}" for f in files]
    if any(producer == step and last != step for producer, last, _ in HANDOFFS):
        marker = heavy_marker(step)
        out.append(marker if KEEP else temp(marker))
    return out


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
            invalidating=topsapp_steps.step_params(_step.name, SETTINGS),
        shell:
            "rm -f {log} && python {SCRIPTS}/run_topsapp_step.py --pair-dir {RESULTS}/{wildcards.pair}"
            " --step {params.step} --properties {TOPSAPP_PROPERTIES:q} --keep-intermediates {KEEP}"
            " --threads {threads} --log {log}"
