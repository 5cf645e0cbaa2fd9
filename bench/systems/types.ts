/** The shape every benchmarked system implements. */
import type { Measurement } from '../lib/stats.js';
import type { Workload } from '../lib/workload.js';

/** One run: produce the workload, then consume it from the start. */
export interface RunResult {
  readonly produce: Measurement;
  readonly consume: Measurement;
  /** System-specific facts of the run (request counts, batch sizes). */
  readonly facts?: Readonly<Record<string, number | string>>;
}

export interface BenchSystem {
  /** Short name used in the summary line: eddy, nats, redis, kinesalite. */
  readonly name: string;
  /** What exactly runs, for the table. */
  readonly label: string;
  /** Undefined when it can run, else why not (printed as a skip line). */
  unavailable(): Promise<string | undefined>;
  start(): Promise<void>;
  /** Produces and consumes `w` into a fresh topic / stream named after `run`. */
  run(w: Workload, run: string): Promise<RunResult>;
  /** Profiling (optional): started before and stopped after one extra, unmeasured run. */
  startProfile?(): Promise<boolean>;
  stopProfile?(): Promise<void>;
  stop(): Promise<void>;
}
