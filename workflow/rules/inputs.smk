"""Inputs: one check rule per pair (first in the DAG), then shared downloads under cache_dir.

Every download depends on the pair.json of the first configured pair that needs it, so nothing is fetched for a
pair before a pair using it has passed its checks, and a scene / frame shared by many pairs is one job, one file.
A frame + dates pair first runs the checkpoint resolve_pair (its scenes, found by an ASF search); the jobs that
need its scene ids are planned once it has run. Network rules hold one unit of the `downloads` resource (the
profile caps it, e.g. --resources downloads=4).
"""


checkpoint resolve_pair:
    """Frame + dates pair: find every IW SLC of each date over the frame (ASF), check them like scene ids."""
    output:
        P.scenes_json,
    log:
        P.log("resolve_pair"),
    conda:
        "../../envs/inputs.yaml"
    resources:
        downloads=1,
    params:
        frame=lambda w: pair_of(w)["frame_id"],
        ref=lambda w: pair_of(w)["reference_date"],
        sec=lambda w: pair_of(w)["secondary_date"],
        slc_dir=LOCAL["slc_dir"],
        # not provenance (see check_pair)
        net=lambda w, output: inputs_net_args("asf_search_url"),
        min_cov=lambda w, output: config["min_frame_coverage"],
    shell:
        "gunw resolve-pair --name {wildcards.pair} --frame-id {params.frame}"
        " --reference-date {params.ref} --secondary-date {params.sec}"
        " --min-frame-coverage {params.min_cov} --slc-dir={params.slc_dir:q}"
        " --out {output:q} --log {log:q} {params.net}"


rule check_pair:
    """Validate the pair (ids, credentials, ASF/local metadata, frame) and write pair.json; fails before downloads."""
    input:
        # local SAFEs are read for their metadata (and may be made by a rule, e.g. the demo generator)
        local_slcs=lambda w: (
            [slc_path(s) for s in pair_scenes(w)] if LOCAL["slc_dir"] else []
        ),
        scenes=pair_scenes_json,
    output:
        P.pair_json,
    log:
        P.log("check_pair"),
    conda:
        "../../envs/inputs.yaml"
    resources:
        downloads=1,
    params:
        ref=lambda w: check_pair_ids(w, "reference"),
        sec=lambda w: check_pair_ids(w, "secondary"),
        frame=lambda w: pair_of(w)["frame_id"],
        slc_dir=LOCAL["slc_dir"],
        # not provenance (output-derived params are not compared): retries and base URLs change no result, and
        # a coverage threshold is a gate, checked at planning time against the coverage pair.json recorded
        net=lambda w, output: inputs_net_args("asf_search_url"),
        min_cov=lambda w, output: inputs_min_coverage(pair_of(w)),
        resolution=lambda w, input: (
            f"--resolution {input.scenes}" if input.scenes else ""
        ),
        # burst mode searches the burst catalogue for the frame's bursts (a changed mode re-checks)
        mode=check_pair_mode_args,
    shell:
        "gunw check-pair --name {wildcards.pair} --reference {params.ref}"
        " --secondary {params.sec} --frame-id {params.frame} --min-frame-coverage {params.min_cov}"
        " --slc-dir={params.slc_dir:q} --out {output:q} --log {log:q} {params.net} {params.resolution} {params.mode}"


rule download_slc:
    """One SLC zip from ASF (Earthdata login; size + md5 verified; resumable)."""
    input:
        pair_json=inputs_scene_pair_json,
    output:
        CACHE.slc("{scene}"),
    log:
        CACHE.log("download_slc", "{scene}"),
    retries: INPUTS_JOB_RETRIES
    conda:
        "../../envs/inputs.yaml"
    resources:
        downloads=1,
    params:
        net=lambda w, output: inputs_net_args("slc_base_url"),
    shell:
        "gunw download-slc --scene {wildcards.scene} --pair-json {input.pair_json:q}"
        " --out {output:q} {params.net} --log {log:q}"


rule download_orbit:
    """One EOF per scene: POEORB, else RESORB; ASF bucket, else CDSE. Real name + type in the .json sidecar."""
    input:
        pair_json=inputs_scene_pair_json,
    output:
        eof=CACHE.orbit("{scene}"),
        meta=CACHE.orbit_meta("{scene}"),
    log:
        CACHE.log("download_orbit", "{scene}"),
    retries: INPUTS_JOB_RETRIES
    conda:
        "../../envs/inputs.yaml"
    resources:
        downloads=1,
    params:
        net=lambda w, output: inputs_net_args("orbit_base_url"),
    shell:
        "gunw download-orbit --scene {wildcards.scene} --out {output.eof:q} {params.net} --log {log:q}"


rule download_dem:
    """1-arcsec GLO-30 DEM (ellipsoidal, pixel-centre) over the frame's product extent + 0.4 deg, ISCE format.
    The EGM2008 geoid is local_inputs.geoid, or downloaded once into the cache like the tiles.
    """
    input:
        pair_json=inputs_dem_pair_json,
    output:
        run_layout.isce_raster(CACHE.topo_dem("{dem_key}")),
    log:
        CACHE.log("download_dem", "{dem_key}"),
    wildcard_constraints:
        dem_key=run_layout.DEM_KEY_PATTERN,
    retries: INPUTS_JOB_RETRIES
    conda:
        "../../envs/inputs.yaml"
    resources:
        downloads=1,
    params:
        tiles=CACHE.dem_tiles,
        geoid=LOCAL["geoid"],
        geoid_dir=CACHE.geoid_dir,
        net=lambda w, output: inputs_net_args("dem_base_url"),
        out=lambda w, output: output[0],
    shell:
        "gunw download-dem --pair-json {input.pair_json:q} --tile-dir {params.tiles:q}"
        " --geoid={params.geoid:q} --geoid-dir {params.geoid_dir:q}"
        " --out {params.out:q} {params.net} --log {log:q}"


rule resample_dem:
    """Geocoding DEM at the output posting (3 arcsec for 90 m), bilinear from the 1-arcsec DEM (no network)."""
    input:
        lambda w: run_layout.isce_raster(topo_dem_path(w.dem_key)),
    output:
        run_layout.isce_raster(CACHE.geocode_dem("{dem_key}", "{res}")),
    log:
        CACHE.log("resample_dem", "{dem_key}_{res}m"),
    wildcard_constraints:
        dem_key=run_layout.DEM_KEY_PATTERN,
        res="90",
    conda:
        "../../envs/inputs.yaml"
    threads: rule_resources("resample_dem")["threads"]
    resources:
        mem_mb=rule_resources("resample_dem")["mem_mb"],
        runtime=rule_resources("resample_dem")["runtime"],
        disk_mb=rule_resources("resample_dem")["disk_mb"],
    params:
        src=lambda w, input: input[0],
        out=lambda w, output: output[0],
    shell:
        "gunw resample-dem --from-dem {params.src:q} --posting-m {wildcards.res}"
        " --out {params.out:q} 2> {log:q}"


rule download_water_mask:
    """Water mask per frame for the ionosphere step (Pekel occurrence >= 95 % via tile_mate; 255 = water)."""
    input:
        pair_json=inputs_dem_pair_json,
    output:
        run_layout.isce_raster(CACHE.water_mask("{dem_key}")),
    log:
        CACHE.log("download_water_mask", "{dem_key}"),
    wildcard_constraints:
        dem_key=run_layout.DEM_KEY_PATTERN,
    retries: INPUTS_JOB_RETRIES
    conda:
        "../../envs/inputs.yaml"
    resources:
        downloads=1,
    params:
        source=CACHE.land_polygons,
        tiles=CACHE.pekel_tiles,
        net=lambda w, output: inputs_net_args("dem_base_url"),
        out=lambda w, output: output[0],
    shell:
        "gunw download-water-mask --pair-json {input.pair_json:q} --tile-dir {params.tiles:q}"
        " --source {params.source:q} --out {params.out:q} {params.net} --log {log:q}"
