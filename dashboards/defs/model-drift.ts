import * as dash from '@grafana/grafana-foundation-sdk/dashboard';
import * as common from '@grafana/grafana-foundation-sdk/common';
import { barPanel, clickhouseVar, heatmapPanel, inVar, linkTo, mlobsDashboard, registryAnnotation, row, sqlVar, steps, stepsUp, tablePanel, tsPanel } from '../grafana/kit.js';
import { EMBEDDING_FEATURE_PREFIX, MULTIVARIATE_FEATURE, P_VALUE_METHODS } from '../../core/contracts/drift-results.js';
import { distributionSql } from './distribution.js';
import { UIDS } from './uids.js';

// Drift panels read `drift_results`, written by the drift module's scheduler (drift/migrations.ts,
// drift/schedule/results.ts): one row per (model, feature, method, evaluated window) with `value`
// (the statistic; p-value tests also `p_value`), `threshold` and `drifted` (NULL: no verdict).
// Feature '@dataset' (method 'share') is the data-set verdict, '@quality' the quality metrics,
// method 'missing' the missingness signal. A re-evaluated window is a newer row: read with FINAL.
// Panels plot a window at its end. Distribution panels read predictions and labels directly.
const single = (v: dash.QueryVariableBuilder) => v.multi(false).includeAll(false).current({ text: '', value: '' });

const pMethods = [...P_VALUE_METHODS].map((m) => `'${m}'`).join(', ');
// A statistic relative to its threshold, 1 being the threshold: |value| ÷ threshold for distances
// and the (signed) change of the missing share, log p ÷ log threshold for p-value tests (p =
// threshold → 1, smaller p → more), within [0, 10].
const SCORE = `greatest(0, least(10, if(method IN (${pMethods}), log10(greatest(p_value, 1e-300)) / log10(threshold), abs(value) / threshold)))`;
const FEATURES = `feature NOT IN ('@dataset', '@quality')`;

/** Model drift: drifted-feature share, feature × time scores, top features, distributions, quality (joined labels and scheduled metrics). */
export function modelDrift(): dash.DashboardBuilder {
  return mlobsDashboard(UIDS.modelDrift, 'Model drift', 'Per model: which features drift, how their distributions moved, and how the model does once labels arrive.')
    .withVariable(clickhouseVar())
    .withVariable(single(sqlVar('model', 'Model', `SELECT DISTINCT model FROM predictions WHERE $__timeFilter(ts) ORDER BY model`)))
    // Panels over predictions (distributions, classes, joined quality) narrow to these versions; the scheduled results are per model.
    .withVariable(sqlVar('model_version', 'Version', `SELECT DISTINCT model_version FROM predictions WHERE $__timeFilter(ts) AND model = \${model:singlequote} ORDER BY model_version`))
    .annotation(registryAnnotation('model = ${model:singlequote}'))
    .withVariable(single(sqlVar('feature', 'Feature', `SELECT DISTINCT arrayJoin(mapKeys(num_features)) AS feature FROM predictions WHERE $__timeFilter(ts) AND model = \${model:singlequote} ORDER BY feature`)))
    .withRow(row('Drift (scheduled evaluations; a window is plotted at its end)'))
    .withPanel(
      tsPanel('Share of drifted features', `
        SELECT $__timeInterval(window_end) AS time, max(value) AS drifted_share, max(threshold) AS data_set_threshold
        FROM drift_results FINAL
        WHERE $__timeFilter(window_end) AND model = \${model:singlequote} AND feature = '@dataset' AND method = 'share' AND value IS NOT NULL
        GROUP BY time
        ORDER BY time`, 'percentunit')
        .description('Weighted share of drifted features per evaluated window; the data set counts as drifted at or over its threshold (drift.dataset.share).')
        .min(0).max(1).thresholds(steps(0.1, 0.3)),
    )
    .withPanel(
      tablePanel('Top drifted features', `
        SELECT feature, method, countIf(drifted = 1) AS drifted_windows, count(drifted) AS evaluated_windows, avg(drifted) AS drifted_share,
               argMax(value, window_end) AS last_value, argMax(p_value, window_end) AS last_p_value, argMax(threshold, window_end) AS last_threshold,
               if(drifted_windows > 0, maxIf(window_end, drifted = 1), NULL) AS last_drifted
        FROM drift_results FINAL
        WHERE $__timeFilter(window_end) AND model = \${model:singlequote} AND ${FEATURES}
        GROUP BY feature, method
        ORDER BY drifted_share DESC NULLS LAST, last_drifted DESC NULLS LAST, feature
        LIMIT 20`)
        .description("Per feature and method over the range: windows that drifted, of those with a verdict. Method 'missing' is the change in the share of missing values; for ks and chi2 the verdict is the p-value below the threshold.")
        .dataLinks([linkTo('Show this feature', UIDS.modelDrift, 'var-model=${model}&var-feature=${__data.fields.feature}')]),
    )
    .withPanel(
      heatmapPanel('Drift score by feature over time', `
        SELECT $__timeInterval(window_end) AS time, feature, max(${SCORE}) AS score
        FROM drift_results FINAL
        WHERE $__timeFilter(window_end) AND model = \${model:singlequote} AND ${FEATURES} AND value IS NOT NULL AND threshold > 0
        GROUP BY time, feature
        ORDER BY time`)
        .description('The strongest signal of each feature per window, relative to its threshold (1 = at the threshold, 0 to 10): value ÷ threshold for distances and the change of the missing share, log p ÷ log threshold for ks and chi2.'),
    )
    .withPanel(
      tsPanel('Multivariate and embedding drift', `
        SELECT $__timeInterval(window_end) AS time, concat(feature, ' ', method) AS signal, max(${SCORE}) AS score
        FROM drift_results FINAL
        WHERE $__timeFilter(window_end) AND model = \${model:singlequote} AND (feature = '${MULTIVARIATE_FEATURE}' OR startsWith(feature, '${EMBEDDING_FEATURE_PREFIX}')) AND value IS NOT NULL AND threshold > 0
        GROUP BY time, signal
        ORDER BY time`, 'short')
        .description("The features taken together (@multivariate: PCA reconstruction error against the top of its reference band, MMD by its p-value) and each embedding (@embedding:<name>: mmd, distance to the learned threshold, ratio of drifted components), relative to the threshold: 1 = at it. A PCA error below its band is drift too: see 'Top drifted features'.")
        .min(0).thresholds(steps(1, 2)),
    )
    .withRow(row('Distributions: selected range vs the range before it'))
    .withPanel(
      barPanel('Feature $feature: reference vs current', distributionSql(`num_features[\${feature:singlequote}]`, `mapContains(num_features, \${feature:singlequote}) AND ${inVar('model_version', 'model_version')}`), 'percentunit')
        .description('Share of predictions per bin of the feature; reference is the window of equal length before the selected range.'),
    )
    .withPanel(barPanel('Score: reference vs current', distributionSql('score', `score IS NOT NULL AND ${inVar('model_version', 'model_version')}`), 'percentunit'))
    .withPanel(barPanel('Numeric prediction: reference vs current', distributionSql('prediction_num', `prediction_num IS NOT NULL AND ${inVar('model_version', 'model_version')}`), 'percentunit'))
    .withPanel(
      tsPanel('Predicted classes over time', `
        SELECT $__timeInterval(ts) AS time, prediction_cat AS class, count() AS predictions
        FROM predictions FINAL
        WHERE $__timeFilter(ts) AND model = \${model:singlequote} AND ${inVar('model_version', 'model_version')} AND prediction_cat IS NOT NULL
        GROUP BY time, class
        ORDER BY time`, 'short').stacking(new common.StackingConfigBuilder().mode(common.StackingMode.Percent)),
    )
    .withRow(row('Quality (once labels arrive)'))
    .withPanel(
      tsPanel('Accuracy (classifiers)', `
        SELECT $__timeInterval(p.ts) AS time, avg(p.prediction_cat = l.label_cat) AS accuracy
        FROM predictions AS p FINAL
        INNER JOIN labels AS l FINAL ON p.model = l.model AND p.prediction_id = l.prediction_id
        WHERE $__timeFilter(p.ts) AND p.model = \${model:singlequote} AND ${inVar('p.model_version', 'model_version')} AND l.label_cat IS NOT NULL AND p.prediction_cat IS NOT NULL
        GROUP BY time
        ORDER BY time`, 'percentunit').min(0).max(1).thresholds(stepsUp(0.8, 0.9)),
    )
    .withPanel(
      tsPanel('Mean absolute error (regressors)', `
        SELECT $__timeInterval(p.ts) AS time, avg(abs(p.prediction_num - l.label_num)) AS mae
        FROM predictions AS p FINAL
        INNER JOIN labels AS l FINAL ON p.model = l.model AND p.prediction_id = l.prediction_id
        WHERE $__timeFilter(p.ts) AND p.model = \${model:singlequote} AND ${inVar('p.model_version', 'model_version')} AND l.label_num IS NOT NULL AND p.prediction_num IS NOT NULL
        GROUP BY time
        ORDER BY time`, 'short').min(0),
    )
    .withPanel(
      tsPanel('Quality per evaluated window', `
        SELECT $__timeInterval(window_end) AS time, method AS metric, avg(value) AS metric_value
        FROM drift_results FINAL
        WHERE $__timeFilter(window_end) AND model = \${model:singlequote} AND feature = '@quality' AND method != 'mape_excluded' AND value IS NOT NULL
        GROUP BY time, metric
        ORDER BY time`, 'short')
        .description('The metrics the drift schedule computes per window from labelled predictions: accuracy, precision, recall, F1, ROC AUC (classifiers); MAE, RMSE, MAPE (regressors).')
        .min(0),
    )
    .withPanel(
      tsPanel('Estimated quality without labels (CBPE) and realised quality', `
        SELECT $__timeInterval(window_end) AS time, concat(if(feature = '@estimated', 'estimated ', 'realised '), method) AS metric, avg(value) AS metric_value
        FROM drift_results FINAL
        WHERE $__timeFilter(window_end) AND model = \${model:singlequote} AND value IS NOT NULL
          AND ((feature = '@estimated' AND method IN ('accuracy', 'accuracy_lower', 'accuracy_upper', 'roc_auc', 'roc_auc_lower', 'roc_auc_upper'))
            OR (feature = '@quality' AND method IN ('accuracy', 'roc_auc')))
        GROUP BY time, metric
        ORDER BY time`, 'short')
        .description('CBPE (binary classifiers with positiveClass): accuracy and ROC AUC estimated from the scores alone, with the 95 % sampling-error band (_lower, _upper), beside the realised values once labels arrived.')
        .min(0)
        .max(1),
    )
    .withPanel(
      tsPanel('Labelled share of predictions', `
        SELECT $__timeInterval(p.ts) AS time, avg(l.prediction_id != '') AS labelled
        FROM predictions AS p FINAL
        LEFT JOIN labels AS l FINAL ON p.model = l.model AND p.prediction_id = l.prediction_id
        WHERE $__timeFilter(p.ts) AND p.model = \${model:singlequote} AND ${inVar('p.model_version', 'model_version')}
        GROUP BY time
        ORDER BY time`, 'percentunit').min(0).max(1),
    );
}
