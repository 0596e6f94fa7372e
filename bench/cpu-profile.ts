/** The V8 CPU profile format (`Profiler.Profile` of the inspector protocol), as far as we read it. */
export interface CallFrame {
  functionName: string;
  scriptId?: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}

export interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  hitCount?: number;
  children?: number[];
  /** Ticks per source line (1-based) inside this function. */
  positionTicks?: { line: number; ticks: number }[];
}

export interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}
