/**
 * `ml3/ml3`: learned losses and rewards, the bi-level meta-train step and the paper's
 * experiments. Its contents arrive with the ML3 issues; today it re-exports nothing.
 */
export {};
