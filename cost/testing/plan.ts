/**
 * From `EXPLAIN indexes = 1` of a usage statement: for each read of cost_gpu_util, the number of hours
 * its min-max index condition lets through (`toStartOfHour(ts) in N-element set`), in plan order.
 */
export function hoursOfSamplesRead(plan: string): number[] {
  const lines = plan.split('\n');
  const out: number[] = [];
  lines.forEach((line, i) => {
    if (!/ReadFromMergeTree \(\w+\.cost_gpu_util\)/.test(line)) return;
    const minMax = lines.findIndex((l, j) => j > i && l.includes('Min-Max'));
    const condition = lines.find((l, j) => j > minMax && l.includes('Condition:'));
    const n = condition && /toStartOfHour\(ts\) in (\d+)-element set/.exec(condition);
    if (minMax < 0 || !n) throw new Error(`a read of cost_gpu_util without the hours condition: ${condition}`);
    out.push(Number(n[1]));
  });
  return out;
}
