"""Items of the Snakemake report (`snakemake --report report.html`): per pair a quick-look and a product summary,
per run the steps' time and memory from the benchmark files and, for a stack, the pairs in time and baseline."""
