"""ISCE2 topsApp: stage inputs, then one rule per step generated from the step table."""


rule stage_scenes:
    """The chosen orbit file per scene (real names, nothing else: ISCE picks from the directory), the SAFE paths,
    and AUX_CAL when a scene has IPF 002.36 (known from the check; a shared download, recorded per pair): what
    preprocess reads besides topsApp.xml. One job, so a thousand-pair stack plans fast.
    """
    input:
        pair_json=P.pair_json,
        slcs=pair_safes,  # SLCs, or one burst2safe SAFE per date in burst mode
        orbits=orbit_sources,
    output:
        orbits=directory(P.orbits),
        safes=P.safes_json,
        aux_cal=P.aux_cal_json,
    log:
        P.log("stage_scenes"),
    retries: INPUTS_JOB_RETRIES
    conda:
        "../../envs/inputs.yaml"
    resources:
        downloads=1,
    params:
        pair_dir=lambda w: pair_dir(w).root,
        scenes=pair_scenes,
        reference=lambda w: role_safes(pair_of(w), "reference"),
        secondary=lambda w: role_safes(pair_of(w), "secondary"),
        aux_cal_cache=CACHE.aux_cal,
        aux_cal_local=LOCAL["aux_cal_dir"],
        net=lambda w, output: inputs_net_args("slc_base_url"),
    shell:
        "(gunw download-aux-cal --pair-json {input.pair_json:q} --record {output.aux_cal:q}"
        " --aux-cal-dir {params.aux_cal_cache:q} --local-dir={params.aux_cal_local:q} {params.net}"
        " --log {log:q} && gunw stage-scenes --pair-dir {params.pair_dir:q} --scenes {params.scenes}"
        " --orbit-sources {input.orbits:q} --reference-safes {params.reference:q}"
        " --secondary-safes {params.secondary:q} --aux-cal-json {output.aux_cal:q} >> {log:q} 2>&1)"


rule stage_dem:
    """A DEM (dem = 1 arcsec for topo, geocode_dem = output posting) with its ISCE header rewritten to be valid
    from the topsApp directory and `reference` WGS84; one rule per DEM so a new output resolution re-runs only
    geocoding."""
    input:
        lambda w: run_layout.isce_raster(dem_path(pair_of(w), w.name)),
    output:
        run_layout.isce_raster(P.dem("{name}")),
    log:
        P.log("stage_{name}"),
    wildcard_constraints:
        name="|".join(run_layout.DEM_NAMES),
    conda:
        "../../envs/product.yaml"
    params:
        pair_dir=lambda w: pair_dir(w).root,
        source=lambda w, input: input[0],
    shell:
        "gunw stage-dem --pair-dir {params.pair_dir:q} --source {params.source:q} --name {wildcards.name}"
        " > {log:q} 2>&1"


# One rule per job (topsapp_steps.jobs): a step that does work, run with the idle steps around it in one topsApp
# process. Its params are the invalidating properties of the job's active steps (the step table).
for _job in TOPSAPP_JOBS + topsapp_steps.side_jobs(TOPSAPP_PROPERTIES):
    _rule = f"topsapp_{_job.name}"
    _res = rule_resources(_rule)

    rule:
        name:
            _rule
        input:
            **topsapp_job_inputs(_job),
        output:
            topsapp_job_outputs(_job) + ion_job_outputs(_job),
        log:
            P.log(_rule),
        benchmark:
            P.benchmark(_rule)
        group:
            topsapp_steps.BY_NAME[_job.steps[-1] if _job.ion else _job.name].slurm_group
        conda:
            "../../envs/isce2.yaml"
        threads: _res["threads"]
        resources:
            mem_mb=_res["mem_mb"],
            runtime=_res["runtime"],
            disk_mb=_res["disk_mb"],
        params:
            job=_job.name,
            # what re-runs this job: only the topsApp properties that first affect one of its active steps
            invalidating=topsapp_steps.job_params(_job, TOPSAPP_PROPERTIES),
            # output-derived params are not provenance for Snakemake: the pair directory, the full property set
            # (rendered into topsApp.xml by the step) and the clean-up switch must not re-run unaffected steps
            args=lambda w, output: topsapp_step_args(RUN.pair(w.pair).root),
            ion=ion_job_args(_job),
        shell:
            "rm -f {log:q} && gunw topsapp-step --job {params.job} {params.args}"
            " --threads {threads} {params.ion} --log {log:q}"

    # `snakemake --list-rules` shows it (a generated rule cannot carry a literal docstring)
    workflow.get_rule(_rule).docstring = topsapp_steps.job_description(_job)
