"""ISCE2 topsApp: stage inputs, render topsApp.xml, and one rule per step generated from the step table."""

import json


rule stage_inputs:
    """Orbits (only the chosen EOF per scene, real names) and DEMs (headers valid from the topsApp dir)."""
    input:
        orbits=orbit_sources,
        dem=lambda w: isce_raster(dem_path(pair_of(w), "topo")),
        geocode_dem=lambda w: isce_raster(dem_path(pair_of(w), "geocode")),
    output:
        orbits=directory(f"{PAIR}/inputs/orbits"),
        dem=multiext(f"{PAIR}/inputs/dem.wgs84", "", ".xml", ".vrt"),
        geocode_dem=multiext(f"{PAIR}/inputs/geocode_dem.wgs84", "", ".xml", ".vrt"),
    log:
        f"{PAIR}/logs/stage_inputs.log",
    conda:
        "../../envs/product.yaml"
    params:
        scenes=pair_scenes,
    shell:
        "python {SCRIPTS}/stage_inputs.py --pair-dir {RESULTS}/{wildcards.pair} --scenes {params.scenes}"
        " --orbit-sources {input.orbits} --dem {input.dem[0]} --geocode-dem {input.geocode_dem[0]}"
        " > {log} 2>&1"


rule render_topsapp_xml:
    """topsApp.xml + the settings it was rendered from. Step rules take both as ancient() inputs and carry
    their own invalidating properties as params, so a changed setting re-runs only the steps it affects.
    """
    input:
        pair_json=f"{PAIR}/pair.json",
        orbits=f"{PAIR}/inputs/orbits",
        dem=f"{PAIR}/inputs/dem.wgs84.xml",
        geocode_dem=f"{PAIR}/inputs/geocode_dem.wgs84.xml",
    output:
        xml=f"{TOPSAPP}/topsApp.xml",
        settings=f"{TOPSAPP}/topsapp_settings.json",
    log:
        f"{PAIR}/logs/render_topsapp_xml.log",
    conda:
        "../../envs/product.yaml"
    params:
        properties=json.dumps(SETTINGS),
        reference_safes=lambda w: [
            os.path.abspath(slc_path(s)) for s in pair_of(w)["reference_scenes"]
        ],
        secondary_safes=lambda w: [
            os.path.abspath(slc_path(s)) for s in pair_of(w)["secondary_scenes"]
        ],
        aux_cal=lambda w: (
            os.path.abspath(LOCAL["aux_cal_dir"]) if LOCAL["aux_cal_dir"] else ""
        ),
    shell:
        "(python {SCRIPTS}/topsapp_xml.py --properties {params.properties:q} --pair-json {input.pair_json}"
        " --reference-safe {params.reference_safes:q} --secondary-safe {params.secondary_safes:q}"
        " --orbit-dir ../inputs/orbits --dem ../inputs/dem.wgs84 --geocode-dem ../inputs/geocode_dem.wgs84"
        " --aux-cal-dir={params.aux_cal:q} --out {output.xml}"
        " && printf '%s\\n' {params.properties:q} > {output.settings}) > {log} 2>&1"


HANDOFFS = topsapp_steps.heavy_handoffs(SETTINGS)


def heavy_marker(step):
    return f"{TOPSAPP}/heavy/{step}.txt"


def topsapp_step_inputs(step):
    """Previous PICKLE (ISCE loads it), the files the step reads from outside the chain, heavy markers."""

    def inputs(wildcards):
        d = {
            "xml": ancient(f"{RESULTS}/{wildcards.pair}/topsapp/topsApp.xml"),
            "settings": ancient(
                f"{RESULTS}/{wildcards.pair}/topsapp/topsapp_settings.json"
            ),
        }
        prev = topsapp_steps.previous(step)
        if prev:
            d["prev"] = [
                f"{RESULTS}/{wildcards.pair}/topsapp/{p}"
                for p in topsapp_steps.pickle_files(prev)
            ]
        pdir = f"{RESULTS}/{wildcards.pair}"
        if step == "preprocess":
            d["pair_json"] = f"{pdir}/pair.json"
            d["slcs"] = [slc_path(s) for s in pair_scenes(wildcards)]
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
            "rm -f {log} && python {SCRIPTS}/run_topsapp_step.py --workdir {RESULTS}/{wildcards.pair}/topsapp"
            " --step {params.step} --settings {input.settings} --keep-intermediates {KEEP}"
            " --threads {threads} --log {log}"
