"""The reference's ionosphere stages that change topsApp's algorithm, on ISCE's own files (docs/ionosphere.md).

ISCE2 runs its sub-steps (subband, rawion, ionosphere_shift..esd); these modules do what the reference tool does
differently in between: the water mask on the sub-band interferograms (mask), phase bridging and component-0
masking of the sub-band unwrapped phase (bridge), the ionosphere from the two bands (compute), the modified
adaptive Gaussian filter (filt) and the merge of ISCE's burst ionosphere (ramps).
"""
