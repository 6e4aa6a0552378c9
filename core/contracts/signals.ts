/**
 * The declared interface between a producer of drift evaluations (drift/) and their consumer
 * (alerting/): neither feature imports the other, both import this.
 */

/** One drift evaluation of one feature of one model: what drift/ publishes after each run. */
export interface Signal {
  source: 'drift';
  model: string;
  feature: string;
  method: string;
  value: number;
  threshold: number;
  drifted: boolean;
  /** The window end: the time the evaluation is about. */
  atMs: number;
  /** For tests that decide by p-value (ks, chi2): the p-value; `value` is then the test statistic. */
  pValue?: number;
}

/** Where a producer (drift/) hands its signals to alerting. Must not throw. */
export interface SignalSink {
  publish(signal: Signal): void;
}

/** The signals of one (model, feature, method), newest first. */
export interface SignalSeries {
  model: string;
  feature: string;
  method: string;
  signals: Signal[];
}

/** Where the drift rule reads the latest `n` signals of every series (as of `nowMs`). */
export interface SignalSource {
  recent(n: number, nowMs: number): Promise<SignalSeries[]>;
}
