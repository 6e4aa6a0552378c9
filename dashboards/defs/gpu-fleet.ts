import * as dash from '@grafana/grafana-foundation-sdk/dashboard';
import { clickhouseVar, gaugePanel, inVar, linkTo, mlobsDashboard, row, sqlVar, statPanel, steps, stepsUp, tablePanel, tsPanel } from '../grafana/kit.js';
import { UIDS } from './uids.js';

const FILTERS = `${inVar('hostname', 'node')} AND ${inVar('namespace', 'namespace')}`;
// One series per GPU, or per MIG instance on a partitioned GPU.
const GPU_LABEL = `concat(hostname, ' gpu', gpu, if(gpu_i_id = '', '', concat(' mig', gpu_i_id)))`;

const perGpu = (metrics: string[], label = GPU_LABEL) => `
  SELECT $__timeInterval(ts) AS time, ${label} AS series, avg(value) AS value
  FROM gpu_samples
  WHERE $__timeFilter(ts) AND metric IN (${metrics.map((m) => `'${m}'`).join(', ')}) AND ${FILTERS}
  GROUP BY time, series
  ORDER BY time`;

/** GPU fleet: utilisation, memory, power, temperature and engine activity per GPU and node, XID errors, idle allocations. */
export function gpuFleet(): dash.DashboardBuilder {
  return mlobsDashboard(UIDS.gpuFleet, 'GPU fleet', 'Every GPU the DCGM exporters report: how busy, how full, how hot, and which allocated GPUs sit idle.')
    .withVariable(clickhouseVar())
    .withVariable(sqlVar('node', 'Node', `SELECT DISTINCT hostname FROM gpu_samples WHERE $__timeFilter(ts) ORDER BY hostname`))
    .withVariable(sqlVar('namespace', 'Namespace', `SELECT DISTINCT namespace FROM gpu_samples WHERE $__timeFilter(ts) AND namespace != '' ORDER BY namespace`))
    .withVariable(new dash.CustomVariableBuilder('idle_pct').label('Idle below (%)').values('1,5,10,20').current({ text: '5', value: '5' }))
    .withRow(row('Fleet'))
    .withPanel(
      statPanel('GPUs reporting', `SELECT uniqExact(uuid, gpu_i_id) AS gpus FROM gpu_samples WHERE $__timeFilter(ts) AND metric = 'DCGM_FI_DEV_GPU_UTIL' AND ${FILTERS}`, 'none').thresholds(steps()),
    )
    .withPanel(
      gaugePanel('Mean utilisation', `SELECT avg(value) AS utilisation FROM gpu_samples WHERE $__timeFilter(ts) AND metric = 'DCGM_FI_DEV_GPU_UTIL' AND ${FILTERS}`, 'percent').min(0).max(100).thresholds(stepsUp(20, 50)),
    )
    .withPanel(
      statPanel(
        'Allocated but idle',
        `SELECT count() AS gpus FROM (
           SELECT uuid, gpu_i_id FROM gpu_samples
           WHERE $__timeFilter(ts) AND metric = 'DCGM_FI_DEV_GPU_UTIL' AND pod != '' AND ${FILTERS}
           GROUP BY uuid, gpu_i_id HAVING max(value) < $idle_pct)`,
        'none',
      ).thresholds(steps(1, 3)),
    )
    .withPanel(
      statPanel('Memory used', `SELECT sumIf(value, metric = 'DCGM_FI_DEV_FB_USED') / (sumIf(value, metric = 'DCGM_FI_DEV_FB_USED') + sumIf(value, metric = 'DCGM_FI_DEV_FB_FREE')) AS used FROM gpu_samples WHERE $__timeFilter(ts) AND metric IN ('DCGM_FI_DEV_FB_USED', 'DCGM_FI_DEV_FB_FREE') AND ${FILTERS}`, 'percentunit').thresholds(steps(0.8, 0.95)),
    )
    .withRow(row('Per GPU'))
    .withPanel(tsPanel('GPU utilisation', perGpu(['DCGM_FI_DEV_GPU_UTIL']), 'percent').min(0).max(100).thresholds(stepsUp(20, 50)))
    .withPanel(
      tsPanel('Utilisation by node', `
        SELECT $__timeInterval(ts) AS time, hostname AS node, avg(value) AS value
        FROM gpu_samples
        WHERE $__timeFilter(ts) AND metric = 'DCGM_FI_DEV_GPU_UTIL' AND ${FILTERS}
        GROUP BY time, node
        ORDER BY time`, 'percent').min(0).max(100),
    )
    .withPanel(tsPanel('Memory used', perGpu(['DCGM_FI_DEV_FB_USED']), 'mbytes').min(0))
    .withPanel(tsPanel('Memory free', perGpu(['DCGM_FI_DEV_FB_FREE']), 'mbytes').min(0).thresholds(stepsUp(1024, 4096)))
    .withPanel(tsPanel('Power draw', perGpu(['DCGM_FI_DEV_POWER_USAGE']), 'watt').min(0))
    .withPanel(
      tsPanel('Temperature (GPU and memory)', perGpu(['DCGM_FI_DEV_GPU_TEMP', 'DCGM_FI_DEV_MEMORY_TEMP'], `concat(${GPU_LABEL}, if(metric = 'DCGM_FI_DEV_GPU_TEMP', ' core', ' memory'))`), 'celsius').thresholds(steps(80, 90)),
    )
    .withPanel(
      tsPanel(
        'SM, graphics engine and tensor activity',
        perGpu(['DCGM_FI_PROF_SM_ACTIVE', 'DCGM_FI_PROF_GR_ENGINE_ACTIVE', 'DCGM_FI_PROF_PIPE_TENSOR_ACTIVE'], `concat(${GPU_LABEL}, ' ', multiIf(metric = 'DCGM_FI_PROF_SM_ACTIVE', 'sm', metric = 'DCGM_FI_PROF_GR_ENGINE_ACTIVE', 'gr engine', 'tensor'))`),
        'percentunit',
      ).min(0).max(1).span(24),
    )
    .withRow(row('Problems'))
    .withPanel(
      tablePanel('XID errors', `
        SELECT hostname AS node, gpu, uuid, argMax(value, ts) AS last_xid, countIf(value > 0) AS samples_with_xid, max(ts) AS last_seen
        FROM gpu_samples
        WHERE $__timeFilter(ts) AND metric = 'DCGM_FI_DEV_XID_ERRORS' AND ${FILTERS}
        GROUP BY node, gpu, uuid
        ORDER BY samples_with_xid DESC, node, gpu`)
        .description('The last XID a GPU reported (0: none). Any XID deserves a look: see NVIDIA\'s XID catalogue.')
        .thresholds(steps(1))
        .overrideByName('last_xid', [{ id: 'custom.cellOptions', value: { type: 'color-background' } }]),
    )
    .withPanel(
      tablePanel('GPUs allocated to pods but idle', `
        SELECT hostname AS node, gpu, gpu_i_id AS mig_instance, uuid, namespace, pod, round(avg(value), 1) AS mean_util_pct, max(value) AS max_util_pct, min(ts) AS since
        FROM gpu_samples
        WHERE $__timeFilter(ts) AND metric = 'DCGM_FI_DEV_GPU_UTIL' AND pod != '' AND ${FILTERS}
        GROUP BY node, gpu, mig_instance, uuid, namespace, pod
        HAVING max(value) < $idle_pct
        ORDER BY mean_util_pct, node, gpu`)
        .description('Allocated to a pod, yet never above the idle threshold over the whole range.')
        .dataLinks([linkTo('Cost of this namespace', UIDS.gpuCost, 'var-namespace=${__data.fields.namespace}')]),
    );
}
