package io.needle.worker;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.needle.protocol.proto.ErrorCode;

import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;

/**
 * What the worker counts per request, as Micrometer meters (Prometheus names once exported):
 * {@code needle_lookups_total{table, outcome}}, {@code needle_lookup_keys_total{table, outcome}},
 * {@code needle_errors_total{code}}, the latency histograms {@code needle_lookup_seconds},
 * {@code needle_lookup_plan_seconds}, {@code needle_lookup_read_seconds}, and
 * {@code needle_response_bytes_total}.
 *
 * <p>The table label is bounded: a table gets its own label value only after a lookup on it
 * succeeded (so it exists under the roots) and while fewer than {@link #MAX_TABLE_LABELS} tables
 * have one; everything else is counted as {@code table="other"}. A client naming many tables
 * cannot grow the number of series.
 *
 * <p>Hot path: a successful lookup finds its table's counters in a map and increments them; no
 * meter is created and nothing is allocated. Threading: any thread.
 */
final class RequestMetrics {
  static final int MAX_TABLE_LABELS = 64;
  static final String OTHER_TABLE = "other";

  private final MeterRegistry registry;
  private final ConcurrentMap<String, TableMeters> tables = new ConcurrentHashMap<>();
  private final TableMeters other;
  private final Timer lookup;
  private final Timer plan;
  private final Timer read;
  private final Counter responseBytes;
  private final LongCounters totals = new LongCounters();

  RequestMetrics(MeterRegistry registry) {
    this.registry = registry;
    this.other = new TableMeters(registry, OTHER_TABLE);
    this.lookup = latency("needle.lookup", "successful lookups, request read to answer written");
    this.plan = latency("needle.lookup.plan", "request read to answer planned (metadata, page lookups, reads of misses)");
    this.read = latency("needle.lookup.read", "answer planned to answer handed to the socket (page copies, store reads)");
    this.responseBytes = Counter.builder("needle.response.bytes").baseUnit("bytes")
        .description("bytes of answers written to clients (headers and pages)").register(registry);
  }

  private Timer latency(String name, String description) {
    return Timer.builder(name).description(description).publishPercentileHistogram()
        .minimumExpectedValue(Duration.ofNanos(10_000)).maximumExpectedValue(Duration.ofSeconds(10)).register(registry);
  }

  /** A lookup answered with pages. */
  void lookupAnswered(String tableUri, int keys, long planNanos, long readNanos, long bytes) {
    TableMeters t = tables.get(tableUri);
    if (t == null) {
      t = admit(tableUri);
    }
    t.ok.increment();
    t.okKeys.increment(keys);
    plan.record(planNanos, TimeUnit.NANOSECONDS);
    read.record(readNanos, TimeUnit.NANOSECONDS);
    lookup.record(planNanos + readNanos, TimeUnit.NANOSECONDS);
    responseBytes.increment(bytes);
    totals.lookups.increment();
  }

  /** A request answered with an error; {@code tableUri} is null unless it was a lookup. */
  void failed(String tableUri, int keys, ErrorCode code, long bytes) {
    String label = code.name().toLowerCase(Locale.ROOT);
    Counter.builder("needle.errors").description("requests answered with an error, by code")
        .tag("code", label).register(registry).increment();
    responseBytes.increment(bytes);
    totals.errors.increment();
    if (tableUri != null) {
      TableMeters t = tables.getOrDefault(tableUri, other);
      t.outcome(registry, label, keys);
      totals.lookups.increment();
    }
  }

  long lookups() {
    return totals.lookups.sum();
  }

  long errors() {
    return totals.errors.sum();
  }

  private TableMeters admit(String tableUri) {
    if (tables.size() >= MAX_TABLE_LABELS) {
      return other;
    }
    return tables.computeIfAbsent(tableUri, uri -> new TableMeters(registry, uri));
  }

  /** Running totals for the stop line. */
  private static final class LongCounters {
    final java.util.concurrent.atomic.LongAdder lookups = new java.util.concurrent.atomic.LongAdder();
    final java.util.concurrent.atomic.LongAdder errors = new java.util.concurrent.atomic.LongAdder();
  }

  /** One table's counters; the successful outcome's made up front, errors' on first use. */
  private static final class TableMeters {
    final String table;
    final Counter ok;
    final Counter okKeys;

    TableMeters(MeterRegistry registry, String table) {
      this.table = table;
      this.ok = lookups(registry, table, "ok");
      this.okKeys = keys(registry, table, "ok");
    }

    void outcome(MeterRegistry registry, String outcome, int keys) {
      lookups(registry, table, outcome).increment();
      keys(registry, table, outcome).increment(keys);
    }

    private static Counter lookups(MeterRegistry registry, String table, String outcome) {
      return Counter.builder("needle.lookups").description("lookups by table and outcome (ok, or the error code)")
          .tag("table", table).tag("outcome", outcome).register(registry);
    }

    private static Counter keys(MeterRegistry registry, String table, String outcome) {
      return Counter.builder("needle.lookup.keys").description("keys asked for, by table and outcome")
          .tag("table", table).tag("outcome", outcome).register(registry);
    }
  }
}
