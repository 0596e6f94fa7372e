/** The targets for one process (bench/README.md): the verdict lines and the sweep's pass/fail. */
export const TARGET_RPS = 20_000;
export const TARGET_P99_MS = 5;
export const TARGET_PARSE_NS = 3_000;
