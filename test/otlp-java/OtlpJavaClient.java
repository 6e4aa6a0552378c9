import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.logs.Severity;
import io.opentelemetry.api.metrics.LongCounter;
import io.opentelemetry.api.metrics.Meter;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Scope;
import io.opentelemetry.exporter.otlp.http.logs.OtlpHttpLogRecordExporter;
import io.opentelemetry.exporter.otlp.http.metrics.OtlpHttpMetricExporter;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.common.export.MemoryMode;
import io.opentelemetry.sdk.logs.SdkLoggerProvider;
import io.opentelemetry.sdk.logs.data.LogRecordData;
import io.opentelemetry.sdk.logs.export.BatchLogRecordProcessor;
import io.opentelemetry.sdk.logs.export.LogRecordExporter;
import io.opentelemetry.sdk.metrics.Aggregation;
import io.opentelemetry.sdk.metrics.InstrumentType;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.metrics.data.AggregationTemporality;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.metrics.export.MetricExporter;
import io.opentelemetry.sdk.metrics.export.PeriodicMetricReader;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;

/**
 * A second OTLP client from another ecosystem (issue 11): the OpenTelemetry Java SDK with its
 * OTLP/HTTP protobuf exporters sends one trace (a GenAI chat span and a child span), a counter, a
 * gauge and a log record to an mlobs receiver, then prints what it sent as one JSON line.
 *
 *   java OtlpJavaClient BASE_URL [--model NAME] [--token TOKEN]
 *
 * BASE_URL is the receiver root (http://127.0.0.1:8080); /v1/traces, /v1/metrics and /v1/logs are
 * appended as the OTLP/HTTP spec says. Exit 0 when every export succeeded, 1 when one failed (the
 * SDK's own retries included: a 503 with Retry-After is retried before it counts as failed), 2 on
 * bad arguments.
 *
 * The SDK swallows export failures (it logs them and moves on), so each exporter is wrapped to keep
 * the result of every export; those results decide the exit code.
 */
public final class OtlpJavaClient {
  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  public static void main(String[] args) throws Exception {
    String base = null;
    String model = "java-llm";
    String token = null;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--model" -> model = args[++i];
        case "--token" -> token = args[++i];
        default -> {
          if (base != null || args[i].startsWith("--")) usage("unexpected argument: " + args[i]);
          base = args[i].replaceAll("/+$", "");
        }
      }
    }
    if (base == null) usage("missing BASE_URL");

    Results results = new Results();
    var spanExporter = OtlpHttpSpanExporter.builder().setEndpoint(base + "/v1/traces").setCompression("gzip").setTimeout(TIMEOUT);
    var metricExporter = OtlpHttpMetricExporter.builder().setEndpoint(base + "/v1/metrics").setCompression("gzip").setTimeout(TIMEOUT);
    var logExporter = OtlpHttpLogRecordExporter.builder().setEndpoint(base + "/v1/logs").setCompression("gzip").setTimeout(TIMEOUT);
    if (token != null) {
      spanExporter.addHeader("Authorization", "Bearer " + token);
      metricExporter.addHeader("Authorization", "Bearer " + token);
      logExporter.addHeader("Authorization", "Bearer " + token);
    }

    Resource resource = Resource.getDefault().merge(Resource.create(Attributes.of(
        AttributeKey.stringKey("service.name"), "otlp-java-client",
        AttributeKey.stringKey("deployment.environment.name"), "test")));
    SdkTracerProvider tracerProvider = SdkTracerProvider.builder()
        .setResource(resource)
        .addSpanProcessor(BatchSpanProcessor.builder(new CheckedSpanExporter(spanExporter.build(), results)).build())
        .build();
    // A long interval: the one collection that matters is the explicit flush below.
    SdkMeterProvider meterProvider = SdkMeterProvider.builder()
        .setResource(resource)
        .registerMetricReader(PeriodicMetricReader.builder(new CheckedMetricExporter(metricExporter.build(), results)).setInterval(Duration.ofHours(1)).build())
        .build();
    SdkLoggerProvider loggerProvider = SdkLoggerProvider.builder()
        .setResource(resource)
        .addLogRecordProcessor(BatchLogRecordProcessor.builder(new CheckedLogExporter(logExporter.build(), results)).build())
        .build();

    // The trace: a GenAI chat span (semantic conventions for generative AI) and one child span.
    Tracer tracer = tracerProvider.get("mlobs-test-java-client", "1.0.0");
    Instant end = Instant.now();
    Instant start = end.minusMillis(250);
    Span chat = tracer.spanBuilder("chat " + model)
        .setSpanKind(SpanKind.CLIENT)
        .setStartTimestamp(start)
        .setAttribute("gen_ai.operation.name", "chat")
        .setAttribute("gen_ai.provider.name", "openai")
        .setAttribute("gen_ai.request.model", model)
        .startSpan();
    Span child;
    try (Scope ignored = chat.makeCurrent()) {
      child = tracer.spanBuilder("tokenize").setStartTimestamp(start.plusMillis(1)).startSpan();
      child.end(start.plusMillis(5));
      // Emitted while the chat span is current, so the record carries its trace and span id.
      loggerProvider.get("mlobs-test-java-client").logRecordBuilder()
          .setSeverity(Severity.INFO)
          .setSeverityText("INFO")
          .setBody("chat completion finished for " + model)
          .setAttribute(AttributeKey.stringKey("gen_ai.request.model"), model)
          .emit();
    }
    chat.setAttribute("gen_ai.response.model", model + "-2026-01")
        .setAttribute(AttributeKey.longKey("gen_ai.usage.input_tokens"), 42L)
        .setAttribute(AttributeKey.longKey("gen_ai.usage.output_tokens"), 17L)
        .setAttribute(AttributeKey.stringArrayKey("gen_ai.response.finish_reasons"), List.of("stop"))
        .setStatus(StatusCode.OK);
    chat.end(end);

    // Metrics: a counter and a synchronous gauge.
    Meter meter = meterProvider.get("mlobs-test-java-client");
    LongCounter requests = meter.counterBuilder("java_client.requests").setDescription("requests sent").setUnit("{request}").build();
    requests.add(3, Attributes.of(AttributeKey.stringKey("model"), model));
    meter.gaugeBuilder("java_client.queue_depth").setDescription("requests waiting").setUnit("{request}").build()
        .set(7.5, Attributes.of(AttributeKey.stringKey("model"), model));

    // Shutting down flushes each provider once (a forceFlush before it would export the cumulative
    // metrics twice); the recorded results then say whether everything got through.
    long deadline = TimeUnit.SECONDS.toMillis(120);
    tracerProvider.shutdown().join(deadline, TimeUnit.MILLISECONDS);
    meterProvider.shutdown().join(deadline, TimeUnit.MILLISECONDS);
    loggerProvider.shutdown().join(deadline, TimeUnit.MILLISECONDS);
    String failed = results.failures(deadline);

    System.out.printf("{\"traceId\":\"%s\",\"spanId\":\"%s\",\"childSpanId\":\"%s\",\"exports\":{\"traces\":%d,\"metrics\":%d,\"logs\":%d}}%n",
        chat.getSpanContext().getTraceId(), chat.getSpanContext().getSpanId(), child.getSpanContext().getSpanId(),
        results.traces.size(), results.metrics.size(), results.logs.size());
    if (failed != null) {
      System.err.println("OtlpJavaClient: export failed: " + failed);
      System.exit(1);
    }
  }

  private static void usage(String problem) {
    System.err.println("OtlpJavaClient: " + problem + "\nusage: OtlpJavaClient BASE_URL [--model NAME] [--token TOKEN]");
    System.exit(2);
  }

  /** The result of every export call, per signal. */
  static final class Results {
    final Queue<CompletableResultCode> traces = new ConcurrentLinkedQueue<>();
    final Queue<CompletableResultCode> metrics = new ConcurrentLinkedQueue<>();
    final Queue<CompletableResultCode> logs = new ConcurrentLinkedQueue<>();

    /** Null when every signal was exported at least once and every export succeeded; else what went wrong. */
    String failures(long timeoutMs) {
      StringBuilder out = new StringBuilder();
      check("traces", traces, timeoutMs, out);
      check("metrics", metrics, timeoutMs, out);
      check("logs", logs, timeoutMs, out);
      return out.length() == 0 ? null : out.toString();
    }

    private static void check(String signal, Queue<CompletableResultCode> results, long timeoutMs, StringBuilder out) {
      if (results.isEmpty()) out.append(signal).append(": nothing was exported; ");
      for (CompletableResultCode r : results) {
        r.join(timeoutMs, TimeUnit.MILLISECONDS);
        if (!r.isSuccess()) {
          Throwable t = r.getFailureThrowable();
          out.append(signal).append(": ").append(t == null ? (r.isDone() ? "failed" : "timed out") : t.toString()).append("; ");
        }
      }
    }
  }

  static final class CheckedSpanExporter implements SpanExporter {
    private final SpanExporter delegate;
    private final Results results;

    CheckedSpanExporter(SpanExporter delegate, Results results) {
      this.delegate = delegate;
      this.results = results;
    }

    @Override public CompletableResultCode export(Collection<SpanData> spans) {
      CompletableResultCode r = delegate.export(spans);
      results.traces.add(r);
      return r;
    }

    @Override public CompletableResultCode flush() { return delegate.flush(); }

    @Override public CompletableResultCode shutdown() { return delegate.shutdown(); }
  }

  static final class CheckedMetricExporter implements MetricExporter {
    private final MetricExporter delegate;
    private final Results results;

    CheckedMetricExporter(MetricExporter delegate, Results results) {
      this.delegate = delegate;
      this.results = results;
    }

    @Override public CompletableResultCode export(Collection<MetricData> metrics) {
      CompletableResultCode r = delegate.export(metrics);
      results.metrics.add(r);
      return r;
    }

    @Override public AggregationTemporality getAggregationTemporality(InstrumentType type) { return delegate.getAggregationTemporality(type); }

    @Override public Aggregation getDefaultAggregation(InstrumentType type) { return delegate.getDefaultAggregation(type); }

    @Override public MemoryMode getMemoryMode() { return delegate.getMemoryMode(); }

    @Override public CompletableResultCode flush() { return delegate.flush(); }

    @Override public CompletableResultCode shutdown() { return delegate.shutdown(); }
  }

  static final class CheckedLogExporter implements LogRecordExporter {
    private final LogRecordExporter delegate;
    private final Results results;

    CheckedLogExporter(LogRecordExporter delegate, Results results) {
      this.delegate = delegate;
      this.results = results;
    }

    @Override public CompletableResultCode export(Collection<LogRecordData> logs) {
      CompletableResultCode r = delegate.export(logs);
      results.logs.add(r);
      return r;
    }

    @Override public CompletableResultCode flush() { return delegate.flush(); }

    @Override public CompletableResultCode shutdown() { return delegate.shutdown(); }
  }
}
