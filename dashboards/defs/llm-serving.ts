import * as dash from '@grafana/grafana-foundation-sdk/dashboard';
import { barPanel, clickhouseVar, inVar, linkTo, mlobsDashboard, row, sqlVar, statPanel, steps, tablePanel, tracePanel, tsPanel } from '../grafana/kit.js';
import { UIDS } from './uids.js';

// LLM serving from what OTLP GenAI spans become (collector/otlp): predictions with `latency_ms`
// (span duration), `ttft_ms` (time to first token), status, and the token counts as numeric
// features `gen_ai.usage.input_tokens` / `gen_ai.usage.output_tokens`; the spans themselves are in
// `otel_traces` (the Collector ClickHouse exporter's schema, read with FINAL: a resent span is one row).
// A model is an LLM here when its predictions carry a token count or a TTFT.
const IN = `'gen_ai.usage.input_tokens'`;
const OUT = `'gen_ai.usage.output_tokens'`;
const LLM = `(ttft_ms IS NOT NULL OR mapContains(num_features, ${IN}) OR mapContains(num_features, ${OUT}))`;
const MODEL = inVar('model', 'model');
// no_response (the answer never came) is neither good nor bad, as in the SLO dashboard.
const COUNTED = `status != 'no_response'`;
const PREDICTIONS = `predictions FINAL WHERE $__timeFilter(ts) AND ${MODEL} AND ${LLM}`;
const GENAI_SPAN = `SpanAttributes['gen_ai.operation.name'] != ''`;

// Cost: the cost module's view (cost/README.md), as the GPU cost dashboard reads it, with its two
// integration variables. Pods of a Deployment are `<deployment>-<hash>-<suffix>`; a model served by
// the Deployment of its own name is the pod name less those two parts (the GPU cost dashboard's
// approximation of the cost configuration's model mapping, which SQL does not see).
const USAGE = `cost_gpu_usage(from_ms = toUnixTimestamp64Milli($__fromTime_ms), to_ms = toUnixTimestamp64Milli($__toTime_ms), max_interval_ms = $sample_cap_ms, idle_threshold = $idle_pct / 100)`;
const SERVED_MODEL = `replaceRegexpOne(pod, '-[a-z0-9]+-[a-z0-9]+$', '')`;
const MAPPING_NOTE =
  'GPU cost of the pods of the Deployment named like the model (pods `<model>-<hash>-<suffix>`) over the range; `GET /v1/cost?by=model` (`costPer1kTokens`) applies the cost configuration\'s model mapping instead.';

/** Percentiles of a duration column per model over time: p50, p95, p99 as three value columns. */
const percentiles = (column: string) => `
  SELECT $__timeInterval(ts) AS time, model, quantile(0.5)(${column}) AS p50, quantile(0.95)(${column}) AS p95, quantile(0.99)(${column}) AS p99
  FROM ${PREDICTIONS} AND ${column} IS NOT NULL AND ${COUNTED}
  GROUP BY time, model
  ORDER BY time`;

/** LLM serving: requests, errors, latency and TTFT percentiles, tokens per second, cost per 1,000 tokens, traces. */
export function llmServing(): dash.DashboardBuilder {
  return mlobsDashboard(
    UIDS.llmServing,
    'LLM serving',
    'LLM servers seen through their OpenTelemetry GenAI spans (OTLP into mlobs): traffic, errors, latency and time to first token per model, tokens per second, GPU cost per 1,000 tokens, and the traces themselves.',
  )
    .withVariable(clickhouseVar())
    .withVariable(sqlVar('model', 'Model', `SELECT DISTINCT model FROM predictions WHERE $__timeFilter(ts) AND ${LLM} ORDER BY model`))
    .withVariable(new dash.CustomVariableBuilder('idle_pct').label('Idle below (%)').values('1,5,10,20').current({ text: '5', value: '5' }))
    .withVariable(
      new dash.CustomVariableBuilder('sample_cap_ms')
        .label('Max sample interval (ms)')
        .description('The most one GPU sample accounts for; use the stack\'s cost.maxSampleIntervalMs for the figures `mlobs cost` gives.')
        .values('15000,30000,60000,120000,300000')
        .current({ text: '60000', value: '60000' }),
    )
    .withVariable(
      new dash.QueryVariableBuilder('trace_id')
        .label('Trace')
        .description('A GenAI trace of the range (newest first); the trace table below sets it.')
        .datasource({ type: 'grafana-clickhouse-datasource', uid: '${datasource}' })
        .query(`SELECT TraceId FROM otel_traces WHERE $__timeFilter(Timestamp) AND ${GENAI_SPAN} GROUP BY TraceId ORDER BY max(Timestamp) DESC LIMIT 100`)
        .refresh(dash.VariableRefresh.OnTimeRangeChanged)
        .sort(dash.VariableSort.Disabled),
    )
    .withRow(row('Traffic'))
    .withPanel(
      tsPanel('Requests per second', `
        SELECT $__timeInterval(ts) AS time, model, count() / $__interval_s AS requests_per_s
        FROM ${PREDICTIONS}
        GROUP BY time, model
        ORDER BY time`, 'reqps').description('GenAI requests (spans that became predictions) per second, by model.'),
    )
    .withPanel(
      tsPanel('Error ratio', `
        SELECT $__timeInterval(ts) AS time, model, countIf(status = 'error') / count() AS error_ratio
        FROM ${PREDICTIONS} AND ${COUNTED}
        GROUP BY time, model
        ORDER BY time`, 'percentunit')
        .description('Share of requests whose span status was an error or that carried `error.type`.')
        .thresholds(steps(0.01, 0.05)),
    )
    .withRow(row('Latency'))
    .withPanel(tsPanel('Latency p50 / p95 / p99', percentiles('latency_ms'), 'ms').description('Request duration (the span\'s), by model.'))
    .withPanel(
      tsPanel('Time to first token p50 / p95 / p99', percentiles('ttft_ms'), 'ms').description(
        'From vLLM\'s `gen_ai.latency.time_to_first_token`, a first-token span event or a configured attribute; requests without one are left out. A `ttft` SLO alerts on it.',
      ),
    )
    .withRow(row('Tokens and cost'))
    .withPanel(
      tsPanel('Tokens per second', `
        SELECT $__timeInterval(ts) AS time, model, sum(num_features[${IN}]) / $__interval_s AS input_tokens_per_s, sum(num_features[${OUT}]) / $__interval_s AS output_tokens_per_s
        FROM ${PREDICTIONS}
        GROUP BY time, model
        ORDER BY time`, 'short').description('Input (prompt) and output (completion) tokens per second, by model.'),
    )
    .withPanel(
      barPanel('GPU cost per 1,000 tokens', `
        SELECT t.model AS model, c.cost / t.tokens * 1000 AS cost_per_1k_tokens
        FROM (
          SELECT ${SERVED_MODEL} AS model, sum(cost) AS cost
          FROM ${USAGE}
          WHERE pod != ''
          GROUP BY model) AS c
        INNER JOIN (
          SELECT model, sum(n) AS tokens
          FROM (
            SELECT model, prediction_id, any(num_features[${IN}] + num_features[${OUT}]) AS n
            FROM predictions
            WHERE $__timeFilter_ms(ts) AND ${MODEL} AND ${LLM}
            GROUP BY model, prediction_id)
          GROUP BY model
          HAVING tokens > 0) AS t ON c.model = t.model
        ORDER BY cost_per_1k_tokens DESC`, 'currencyUSD')
        .description(`Input plus output tokens of distinct requests against ${MAPPING_NOTE}`),
    )
    .withPanel(
      statPanel('Tokens in range', `
        SELECT sum(num_features[${IN}]) AS input_tokens, sum(num_features[${OUT}]) AS output_tokens
        FROM ${PREDICTIONS}`, 'short').span(12),
    )
    .withRow(row('Traces'))
    .withPanel(
      tablePanel('GenAI requests', `
        SELECT Timestamp AS time, TraceId AS trace_id, ServiceName AS service, SpanAttributes['gen_ai.request.model'] AS model, SpanName AS span,
          Duration / 1e6 AS duration_ms, StatusCode AS status, SpanAttributes['gen_ai.usage.input_tokens'] AS input_tokens,
          SpanAttributes['gen_ai.usage.output_tokens'] AS output_tokens, SpanAttributes['gen_ai.response.finish_reasons'] AS finish_reasons
        FROM otel_traces FINAL
        WHERE $__timeFilter(Timestamp) AND ${GENAI_SPAN} AND ${inVar("SpanAttributes['gen_ai.request.model']", 'model')}
        ORDER BY Timestamp DESC
        LIMIT 200`)
        .description('The newest GenAI spans; "Show this trace" opens it in the trace view below.')
        .span(24)
        .dataLinks([linkTo('Show this trace', UIDS.llmServing, 'var-trace_id=${__data.fields.trace_id}&${model:queryparam}')]),
    )
    .withPanel(
      tracePanel('Trace', `
        SELECT TraceId AS traceID, SpanId AS spanID, ParentSpanId AS parentSpanID, ServiceName AS serviceName, SpanName AS operationName,
          multiply(toUnixTimestamp64Nano(Timestamp), 0.000001) AS startTime, multiply(Duration, 0.000001) AS duration,
          arrayMap(k -> map('key', k, 'value', SpanAttributes[k]), mapKeys(SpanAttributes)) AS tags,
          arrayMap(k -> map('key', k, 'value', ResourceAttributes[k]), mapKeys(ResourceAttributes)) AS serviceTags,
          if(StatusCode = 'STATUS_CODE_ERROR', 2, 0) AS statusCode
        FROM otel_traces FINAL
        WHERE TraceId = \${trace_id:singlequote}
        ORDER BY startTime
        LIMIT 1000`).description('Grafana\'s trace view of the selected trace, from otel_traces (the ClickHouse data source\'s OpenTelemetry trace columns).'),
    );
}
