import * as dash from '@grafana/grafana-foundation-sdk/dashboard';
import * as common from '@grafana/grafana-foundation-sdk/common';
import { barPanel, clickhouseVar, heatmapPanel, linkTo, mlobsDashboard, row, sqlVar, steps, stepsUp, tablePanel, tsPanel } from '../grafana/kit.js';
import { distributionSql } from './distribution.js';
import { UIDS } from './uids.js';

// Drift panels read `drift_results`, the drift module's table (one row per model, feature and
// check: ts, model, feature, score, drifted). Distribution and quality panels read predictions and
// labels directly and work without it.
const single = (v: dash.QueryVariableBuilder) => v.multi(false).includeAll(false).current({ text: '', value: '' });

/** Model drift: drifted-feature share, feature × time scores, top features, distributions, quality. */
export function modelDrift(): dash.DashboardBuilder {
  return mlobsDashboard(UIDS.modelDrift, 'Model drift', 'Per model: which features drift, how their distributions moved, and how the model does once labels arrive.')
    .withVariable(clickhouseVar())
    .withVariable(single(sqlVar('model', 'Model', `SELECT DISTINCT model FROM predictions WHERE $__timeFilter(ts) ORDER BY model`)))
    .withVariable(single(sqlVar('feature', 'Feature', `SELECT DISTINCT arrayJoin(mapKeys(num_features)) AS feature FROM predictions WHERE $__timeFilter(ts) AND model = \${model:singlequote} ORDER BY feature`)))
    .withRow(row('Drift'))
    .withPanel(
      tsPanel('Share of drifted features', `
        SELECT $__timeInterval(ts) AS time, avg(drifted) AS drifted_share
        FROM drift_results FINAL
        WHERE $__timeFilter(ts) AND model = \${model:singlequote}
        GROUP BY time
        ORDER BY time`, 'percentunit').min(0).max(1).thresholds(steps(0.1, 0.3)),
    )
    .withPanel(
      tablePanel('Top drifted features', `
        SELECT feature, max(score) AS max_score, argMax(score, ts) AS last_score, avg(drifted) AS drifted_share, maxIf(ts, drifted = 1) AS last_drifted
        FROM drift_results FINAL
        WHERE $__timeFilter(ts) AND model = \${model:singlequote}
        GROUP BY feature
        ORDER BY drifted_share DESC, max_score DESC
        LIMIT 20`).dataLinks([linkTo('Show this feature', UIDS.modelDrift, 'var-model=${model}&var-feature=${__data.fields.feature}')]),
    )
    .withPanel(
      heatmapPanel('Drift score by feature over time', `
        SELECT $__timeInterval(ts) AS time, feature, max(score) AS score
        FROM drift_results FINAL
        WHERE $__timeFilter(ts) AND model = \${model:singlequote}
        GROUP BY time, feature
        ORDER BY time`),
    )
    .withRow(row('Distributions: selected range vs the range before it'))
    .withPanel(
      barPanel('Feature $feature: reference vs current', distributionSql(`num_features[\${feature:singlequote}]`, `mapContains(num_features, \${feature:singlequote})`), 'percentunit')
        .description('Share of predictions per bin of the feature; reference is the window of equal length before the selected range.'),
    )
    .withPanel(barPanel('Score: reference vs current', distributionSql('score', 'score IS NOT NULL'), 'percentunit'))
    .withPanel(barPanel('Numeric prediction: reference vs current', distributionSql('prediction_num', 'prediction_num IS NOT NULL'), 'percentunit'))
    .withPanel(
      tsPanel('Predicted classes over time', `
        SELECT $__timeInterval(ts) AS time, prediction_cat AS class, count() AS predictions
        FROM predictions FINAL
        WHERE $__timeFilter(ts) AND model = \${model:singlequote} AND prediction_cat IS NOT NULL
        GROUP BY time, class
        ORDER BY time`, 'short').stacking(new common.StackingConfigBuilder().mode(common.StackingMode.Percent)),
    )
    .withRow(row('Quality (once labels arrive)'))
    .withPanel(
      tsPanel('Accuracy (classifiers)', `
        SELECT $__timeInterval(p.ts) AS time, avg(p.prediction_cat = l.label_cat) AS accuracy
        FROM predictions AS p FINAL
        INNER JOIN labels AS l FINAL ON p.model = l.model AND p.prediction_id = l.prediction_id
        WHERE $__timeFilter(p.ts) AND p.model = \${model:singlequote} AND l.label_cat IS NOT NULL AND p.prediction_cat IS NOT NULL
        GROUP BY time
        ORDER BY time`, 'percentunit').min(0).max(1).thresholds(stepsUp(0.8, 0.9)),
    )
    .withPanel(
      tsPanel('Mean absolute error (regressors)', `
        SELECT $__timeInterval(p.ts) AS time, avg(abs(p.prediction_num - l.label_num)) AS mae
        FROM predictions AS p FINAL
        INNER JOIN labels AS l FINAL ON p.model = l.model AND p.prediction_id = l.prediction_id
        WHERE $__timeFilter(p.ts) AND p.model = \${model:singlequote} AND l.label_num IS NOT NULL AND p.prediction_num IS NOT NULL
        GROUP BY time
        ORDER BY time`, 'short').min(0),
    )
    .withPanel(
      tsPanel('Labelled share of predictions', `
        SELECT $__timeInterval(p.ts) AS time, avg(l.prediction_id != '') AS labelled
        FROM predictions AS p FINAL
        LEFT JOIN labels AS l FINAL ON p.model = l.model AND p.prediction_id = l.prediction_id
        WHERE $__timeFilter(p.ts) AND p.model = \${model:singlequote}
        GROUP BY time
        ORDER BY time`, 'percentunit').min(0).max(1).span(24),
    );
}
