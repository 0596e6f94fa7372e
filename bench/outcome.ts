/** What a bench run accumulates: the JSON report, the verdict lines, and whether it failed. */
export interface Outcome {
  readonly report: Record<string, unknown>;
  readonly verdicts: string[];
  failed: boolean;
}
