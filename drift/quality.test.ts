import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testStack } from '../test/helpers/stack.js';
import { choices, DAY, day, normals, postAll } from './testing/data.js';

let s: Awaited<ReturnType<typeof testStack>>;
const T = day(5);
const N = 400;

const country = choices(40, N, ['DE', 'FR']);
// Classifier: scores rounded to 1 decimal so ROC AUC has ties; every 4th prediction gets no label.
const scores = normals(41, N, 0.5, 0.25, 1).map((x) => Math.min(1, Math.max(0, x)));
const truth = scores.map((x, i) => (x + normals(42, N, 0, 0.3)[i]! > 0.5 ? 'fraud' : 'legit'));
const predicted = scores.map((x) => (x > 0.5 ? 'fraud' : 'legit'));
const labelled = (i: number) => i % 4 !== 0;
// Regressor: labels 0 at every 10th row, which MAPE leaves out.
const yhat = normals(43, N, 10, 3);
const y = yhat.map((p, i) => (i % 10 === 0 ? 0 : p + normals(44, N)[i]!));

beforeAll(async () => {
  s = await testStack({ drift: { models: [{ model: 'clf', positiveClass: 'fraud' }, { model: 'reg' }, { model: 'multi', task: 'classification' }] } });
  const at = (i: number) => T + i * 1000;
  await postAll(s.post, '/v1/predictions', scores.map((score, i) => ({ model: 'clf', prediction_id: `c${i}`, timestamp: at(i), prediction: predicted[i], score, segments: { country: country[i] } })));
  await postAll(s.post, '/v1/predictions', yhat.map((p, i) => ({ model: 'reg', prediction_id: `r${i}`, timestamp: at(i), prediction: p, segments: { country: country[i] } })));
  await postAll(s.post, '/v1/predictions', predicted.map((p, i) => ({ model: 'multi', prediction_id: `m${i}`, timestamp: at(i), prediction: i % 7 === 0 ? 'other' : p })));
  // A first, wrong label for c1 is replaced by the later one.
  await postAll(s.post, '/v1/labels', [{ model: 'clf', prediction_id: 'c1', timestamp: at(1), label: truth[1] === 'fraud' ? 'legit' : 'fraud' }]);
  await s.drain();
  await postAll(s.post, '/v1/labels', truth.flatMap((label, i) => (labelled(i) ? [{ model: 'clf', prediction_id: `c${i}`, timestamp: at(i) + 5000, label }] : [])));
  await postAll(s.post, '/v1/labels', y.map((label, i) => ({ model: 'reg', prediction_id: `r${i}`, timestamp: at(i) + 5000, label })));
  await postAll(s.post, '/v1/labels', truth.map((label, i) => ({ model: 'multi', prediction_id: `m${i}`, timestamp: at(i) + 5000, label })));
  expect(await s.drain()).toBe(true);
}, 120_000);
afterAll(async () => s?.stop());

const quality = async (model: string, extra = '') => {
  const res = await fetch(`${s.url}/v1/drift/quality?model=${model}&from=${T}&to=${T + DAY}${extra}`);
  expect(res.status).toBe(200);
  return (await res.json()) as any;
};

/** Pairwise ROC AUC with ties counted half (sklearn's value). */
function auc(sc: number[], pos: boolean[]): number {
  let num = 0;
  let den = 0;
  sc.forEach((a, i) => sc.forEach((b, j) => {
    if (!pos[i] || pos[j]) return;
    den++;
    num += a > b ? 1 : a === b ? 0.5 : 0;
  }));
  return num / den;
}

function classification(idx: number[]) {
  const tp = idx.filter((i) => predicted[i] === 'fraud' && truth[i] === 'fraud').length;
  const fp = idx.filter((i) => predicted[i] === 'fraud' && truth[i] !== 'fraud').length;
  const fn = idx.filter((i) => predicted[i] !== 'fraud' && truth[i] === 'fraud').length;
  const precision = tp / (tp + fp);
  const recall = tp / (tp + fn);
  return {
    accuracy: idx.filter((i) => predicted[i] === truth[i]).length / idx.length,
    precision,
    recall,
    f1: (2 * precision * recall) / (precision + recall),
    roc_auc: auc(idx.map((i) => scores[i]!), idx.map((i) => truth[i] === 'fraud')),
  };
}

const expectMetrics = (got: Record<string, number>, want: Record<string, number>) => {
  for (const [k, v] of Object.entries(want)) expect(got[k], k).toBeCloseTo(v, 12);
};

describe('GET /v1/drift/quality', () => {
  it('gives accuracy, precision, recall, F1 and ROC AUC of the positive class over labelled predictions, newest label winning', async () => {
    const q = await quality('clf');
    const idx = [...Array(N).keys()].filter(labelled);
    expect(q).toMatchObject({ task: 'classification', positive_class: 'fraud' });
    expect(q.overall.labelled).toBe(idx.length);
    expectMetrics(q.overall.metrics, classification(idx));
  });

  it('gives the same metrics per segment value', async () => {
    const q = await quality('clf', '&segment=country');
    for (const c of ['DE', 'FR']) {
      const g = q.segments.values.find((x: any) => x.segment === c);
      expectMetrics(g.metrics, classification([...Array(N).keys()].filter((i) => labelled(i) && country[i] === c)));
    }
  });

  it('gives MAE, RMSE and MAPE for a regressor, leaving labels of 0 out of MAPE', async () => {
    const q = await quality('reg');
    const err = yhat.map((p, i) => p - y[i]!);
    const nz = [...Array(N).keys()].filter((i) => y[i] !== 0);
    expect(q.task).toBe('regression');
    expectMetrics(q.overall.metrics, {
      mae: err.reduce((a, e) => a + Math.abs(e), 0) / N,
      rmse: Math.sqrt(err.reduce((a, e) => a + e * e, 0) / N),
      mape: nz.reduce((a, i) => a + Math.abs((y[i]! - yhat[i]!) / y[i]!), 0) / nz.length,
      mape_excluded: N / 10,
    });
  });

  it('macro-averages precision, recall and F1 without a positive class, a never-predicted class counting 0', async () => {
    const q = await quality('multi');
    const p = predicted.map((x, i) => (i % 7 === 0 ? 'other' : x));
    const classes = ['fraud', 'legit', 'other'];
    const per = classes.map((c) => {
      const tp = p.filter((x, i) => x === c && truth[i] === c).length;
      const fp = p.filter((x, i) => x === c && truth[i] !== c).length;
      const fn = p.filter((x, i) => x !== c && truth[i] === c).length;
      const pr = tp + fp ? tp / (tp + fp) : 0;
      const rc = tp + fn ? tp / (tp + fn) : 0;
      return [pr, rc, pr + rc ? (2 * pr * rc) / (pr + rc) : 0];
    });
    const mean = (k: number) => per.reduce((a, x) => a + x[k]!, 0) / 3;
    expectMetrics(q.overall.metrics, { precision_macro: mean(0), recall_macro: mean(1), f1_macro: mean(2) });
    expect(q.overall.metrics.roc_auc).toBeNull();
  });

  it('says so when a window holds no labelled predictions', async () => {
    const res = await fetch(`${s.url}/v1/drift/quality?model=clf&from=${T + DAY}&to=${T + 2 * DAY}`);
    const q = (await res.json()) as any;
    expect(q.overall).toMatchObject({ labelled: 0, metrics: {} });
    expect(q.overall.notes[0]).toMatch(/no/);
  });
});
