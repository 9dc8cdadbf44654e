import type { Duration } from 'aws-cdk-lib';
import { Metric } from 'aws-cdk-lib/aws-cloudwatch';
import {
  METRIC_NAMESPACE,
  type METRICS,
  type MetricDimension,
  type MetricDimensions,
  type MetricService,
  type MetricSpec,
  SERVICE_DIMENSION,
} from '../../shared/metrics.js';

/** One of a service's metrics, as `shared/metrics.ts` names it. */
export type ServiceMetric<S extends MetricService> = (typeof METRICS)[S][keyof (typeof METRICS)[S]];

/** A split metric needs the value of its dimension (`reason`, `verdict`, …); any other takes none. */
type DimensionValue<M> = M extends { dimension: infer D extends MetricDimension }
  ? { readonly value: MetricDimensions[D] }
  : { readonly value?: never };

export type FunctionMetricOptions<M> = {
  readonly statistic: string;
  readonly period: Duration;
  readonly label?: string;
} & DimensionValue<M>;

/**
 * A metric a handler emits, for the dashboard and the alarms: the namespace, the `service`
 * dimension and the metric's own dimension come from `shared/metrics.ts`, as the handler's do.
 */
export function functionMetric<S extends MetricService, M extends ServiceMetric<S> & MetricSpec>(
  service: S,
  metric: M,
  options: FunctionMetricOptions<M>,
): Metric {
  const split = metric.dimension === undefined ? {} : { [metric.dimension]: String(options.value) };
  return new Metric({
    namespace: METRIC_NAMESPACE,
    metricName: metric.name,
    dimensionsMap: { [SERVICE_DIMENSION]: service, ...split },
    statistic: options.statistic,
    period: options.period,
    label: options.label,
  });
}
