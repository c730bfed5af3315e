import { AggregationTemporality, MetricReader, type MetricData } from '@opentelemetry/sdk-metrics';

/** A reader the test collects from on demand, as an exporter would on its interval. */
export class InMemoryReader extends MetricReader {
  /** `delta`: each collection holds what was recorded or observed since the last one (a cumulative gauge repeats series no longer observed). */
  constructor(temporality: 'cumulative' | 'delta' = 'cumulative') {
    super(temporality === 'delta' ? { aggregationTemporalitySelector: () => AggregationTemporality.DELTA } : {});
  }

  protected async onShutdown(): Promise<void> {}
  protected async onForceFlush(): Promise<void> {}

  /** Every metric collected now, by name, with the instrumentation scope it was recorded on. */
  async snapshot(): Promise<Map<string, MetricData & { scope: string }>> {
    const { resourceMetrics } = await this.collect();
    const byName = new Map<string, MetricData & { scope: string }>();
    for (const scopeMetrics of resourceMetrics.scopeMetrics) {
      for (const metric of scopeMetrics.metrics) byName.set(metric.descriptor.name, { ...metric, scope: scopeMetrics.scope.name });
    }
    return byName;
  }
}

/** The data points of a metric: attributes and value. */
export function points(metric: MetricData | undefined): { attributes: Record<string, unknown>; value: unknown }[] {
  return (metric?.dataPoints ?? []).map((point) => ({ attributes: { ...point.attributes }, value: point.value }));
}
