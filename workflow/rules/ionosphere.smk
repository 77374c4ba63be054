"""The project's ionosphere stages between ISCE2's ionosphere sub-step jobs (docs/ionosphere.md).

topsapp_ion_subband (ISCE subband + the water mask) -> topsapp_ion_rawion (ISCE merge, snaphu, raw) -> ion_bridge
-> ion_compute -> ion_filter (ion/ion_cal/filt.ion) -> topsapp_ion_ramps (ISCE ionosphere_shift..esd) and
topsapp_mergebursts (ISCE: merged/topophase.ion from filt.ion) -> ion_ramps_merge -> topsapp_geocode.
"""

if ION_ON:

    rule ion_bridge:
        """Integer-cycle bridging of snaphu's components and component-0 masking of both sub-bands' first-stage
        unwrapped phase, then the coherence-weighted multilook to the total ionosphere looks.
        """
        input:
            [
                P.topsapp_file(f)
                for f in topsapp_steps.job_declared(
                    TOPSAPP_JOB["ion_rawion"], TOPSAPP_PROPERTIES
                )
            ],
        output:
            lower=ion_file(ion_stages.BRIDGED["lower"]),
            upper=ion_file(ion_stages.BRIDGED["upper"]),
            record=ion_file(ion_stages.BRIDGE_RECORD),
        log:
            P.log("ion_bridge"),
        conda:
            "../../envs/product.yaml"
        params:
            first=ION_FIRST_LOOKS,
            total=ION_TOTAL_LOOKS,
            topsapp=lambda w: RUN.pair(w.pair).topsapp,
        shell:
            "gunw ionosphere bridge --topsapp-dir {params.topsapp:q}"
            " --first-looks {params.first} --total-looks {params.total} > {log:q} 2>&1"

    rule ion_compute:
        """The ionosphere from the bridged sub-bands (relative cycle errors removed against a surface)."""
        input:
            lower=ion_file(ion_stages.BRIDGED["lower"]),
            upper=ion_file(ion_stages.BRIDGED["upper"]),
        output:
            ion_file(ion_stages.RAW),
        log:
            P.log("ion_compute"),
        conda:
            "../../envs/product.yaml"
        params:
            topsapp=lambda w: RUN.pair(w.pair).topsapp,
        shell:
            "gunw ionosphere compute --topsapp-dir {params.topsapp:q} > {log:q} 2>&1"

    rule ion_filter:
        """The modified adaptive Gaussian filter -> ion/ion_cal/filt.ion (read by ISCE's later sub-steps)."""
        input:
            ion_file(ion_stages.RAW),
        output:
            ion_file(ion_stages.FILT),
        log:
            P.log("ion_filter"),
        conda:
            "../../envs/product.yaml"
        params:
            max_window=ion_prop("maximum window size for filtering ionosphere phase"),
            min_window=ion_prop("minimum window size for filtering ionosphere phase"),
            fit=ion_prop("apply polynomial fit before filtering ionosphere phase", True),
            coherence=ion_stages.MASKED_COHERENCE_THRESHOLD,
            sigma=ion_stages.MASKED_SIGMA_RULE,
            topsapp=lambda w: RUN.pair(w.pair).topsapp,
        shell:
            "gunw ionosphere filter --topsapp-dir {params.topsapp:q} --max-window {params.max_window}"
            " --min-window {params.min_window} --fit {params.fit} --coherence-threshold {params.coherence}"
            " --sigma-rule {params.sigma} > {log:q} 2>&1"

    rule ion_merge:
        """filt.ion interpolated onto the interferogram grid -> merged/topophase.ion (geocoded by geocode)."""
        input:
            filtered=ion_file(ion_stages.FILT),
            grid=ion_file("merged/topophase.flat"),
        output:
            ion_file(ion_stages.MERGED),
        log:
            P.log("ion_merge"),
        conda:
            "../../envs/product.yaml"
        params:
            looks=(
                TOPSAPP_PROPERTIES["range looks"],
                TOPSAPP_PROPERTIES["azimuth looks"],
            ),
            ion_looks=ION_TOTAL_LOOKS,
            topsapp=lambda w: RUN.pair(w.pair).topsapp,
        shell:
            "gunw ionosphere merge --topsapp-dir {params.topsapp:q} --looks {params.looks}"
            " --ion-looks {params.ion_looks} > {log:q} 2>&1"

    rule ion_ramps_merge:
        """ISCE's burst ionosphere (ion/ion_burst) merged and multilooked onto merged/topophase.ion's grid."""
        input:
            ramps=ion_ramps_job_files(),
            merged=ion_file(ion_stages.MERGED),
        output:
            ion_file(ion_stages.AZ_SHIFT),
        log:
            P.log("ion_ramps_merge"),
        conda:
            "../../envs/product.yaml"
        params:
            looks=(
                TOPSAPP_PROPERTIES["range looks"],
                TOPSAPP_PROPERTIES["azimuth looks"],
            ),
            topsapp=lambda w: RUN.pair(w.pair).topsapp,
        shell:
            "gunw ionosphere ramps --topsapp-dir {params.topsapp:q} --looks {params.looks} > {log:q} 2>&1"
