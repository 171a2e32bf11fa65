package io.needle.metadata;

import io.needle.metadata.LeafColumn.PhysicalType;
import java.util.List;
import org.apache.parquet.format.ColumnOrder;
import org.apache.parquet.format.ConvertedType;
import org.apache.parquet.format.LogicalType;
import org.apache.parquet.format.SchemaElement;
import org.apache.parquet.format.Statistics;

/**
 * The order a column's min/max statistics follow: the one place where Needle decides whether a
 * file's statistics may prune keys. The worker's planner prunes row groups and pages in it; the
 * worker's Describe names it to the client (protocol {@code KeyOrder}) with each file's key range,
 * and the client compares in the order named or does not prune: it has no rule of its own.
 *
 * <p>The rule, from the format spec and the writers' known bugs (parquet-java's
 * {@code ParquetMetadataConverter} and {@code CorruptStatistics}, Arrow's
 * {@code ApplicationVersion::HasCorrectStatistics}):
 * <ul>
 *   <li>A footer that lists column orders and does not give this column {@code TypeDefinedOrder}
 *       has no order Needle knows. A footer without the list (older writers) means the type's
 *       defined order, as parquet-java reads it.
 *   <li>INT32/INT64 are signed, except UINT_8..64 / INTEGER(unsigned), which are unsigned. Only
 *       annotations whose order is the plain integer order (integers, dates, times, timestamps,
 *       decimals) are trusted; any other annotation has no known order.
 *   <li>BYTE_ARRAY / FIXED_LEN_BYTE_ARRAY compare as unsigned bytes only when plain or annotated as
 *       text-like (UTF8/STRING, ENUM, JSON, BSON, UUID). Decimals (signed two's complement),
 *       intervals, float16, geometry, variant and unknown annotations have no usable order.
 *   <li>{@code min_value}/{@code max_value} are used when both are set. The deprecated
 *       {@code min}/{@code max} were aggregated by writers before 2017 (parquet-mr before 1.10,
 *       parquet-cpp before 1.3) with a signed byte-wise comparison, and by parquet-mr before 1.8
 *       corrupted for binary (PARQUET-251): they are used for signed integers only, where that
 *       comparison was the right one.
 * </ul>
 * A wrong order is a missing row; no order is only a lost optimisation: when unsure, UNKNOWN.
 *
 * <p>Inside the worker, long-valued orders are normalised at load time ({@link StatsValues}) so
 * that the planner compares every long key with a plain signed {@code Long.compare}.
 */
public enum StatsOrder {
  /** Signed INT32 / INT64 (plain, integer, date, time, timestamp, decimal). */
  SIGNED,
  /** UINT_8/16/32 on INT32; UINT_64 on INT64. */
  UNSIGNED,
  /** Lexicographic unsigned bytes: plain or text-like BYTE_ARRAY / FIXED_LEN_BYTE_ARRAY. */
  BYTES,
  /** No order Needle can use: statistics do not prune. */
  UNKNOWN;

  /**
   * The order of leaf {@code leafIndex}, element {@code e} of physical {@code type}; {@code orders}
   * is the footer's column_orders list, null when the footer has none.
   */
  static StatsOrder of(SchemaElement e, PhysicalType type, List<ColumnOrder> orders, int leafIndex) {
    if (orders != null && (leafIndex >= orders.size() || orders.get(leafIndex) == null
        || !orders.get(leafIndex).isSetTYPE_ORDER())) {
      return UNKNOWN;
    }
    ConvertedType converted = e.isSetConverted_type() ? e.getConverted_type() : null;
    LogicalType logical = e.isSetLogicalType() ? e.getLogicalType() : null;
    return switch (type) {
      case INT32, INT64 -> integerOrder(converted, logical);
      case BYTE_ARRAY, FIXED_LEN_BYTE_ARRAY -> bytesOrder(converted, logical);
      default -> UNKNOWN;
    };
  }

  private static StatsOrder integerOrder(ConvertedType converted, LogicalType logical) {
    if (logical != null) {
      if (logical.isSetINTEGER()) {
        return logical.getINTEGER().isIsSigned() ? SIGNED : UNSIGNED;
      }
      return logical.isSetDATE() || logical.isSetTIME() || logical.isSetTIMESTAMP() || logical.isSetDECIMAL()
          ? SIGNED : UNKNOWN;
    }
    if (converted == null) {
      return SIGNED;
    }
    return switch (converted) {
      case UINT_8, UINT_16, UINT_32, UINT_64 -> UNSIGNED;
      case INT_8, INT_16, INT_32, INT_64, DATE, TIME_MILLIS, TIME_MICROS, TIMESTAMP_MILLIS, TIMESTAMP_MICROS,
          DECIMAL -> SIGNED;
      default -> UNKNOWN;
    };
  }

  private static StatsOrder bytesOrder(ConvertedType converted, LogicalType logical) {
    if (logical != null) {
      return logical.isSetSTRING() || logical.isSetENUM() || logical.isSetJSON() || logical.isSetBSON()
          || logical.isSetUUID() ? BYTES : UNKNOWN;
    }
    if (converted == null) {
      return BYTES;
    }
    return switch (converted) {
      case UTF8, ENUM, JSON, BSON -> BYTES;
      default -> UNKNOWN;
    };
  }

  /** The smallest value {@code stats} gives in this order (PLAIN-encoded, unchecked); null when none. */
  byte[] min(Statistics stats) {
    if (stats == null || this == UNKNOWN) {
      return null;
    }
    if (stats.isSetMin_value() && stats.isSetMax_value()) {
      return stats.getMin_value();
    }
    return this == SIGNED && stats.isSetMin() && stats.isSetMax() ? stats.getMin() : null;
  }

  /** The largest value {@code stats} gives in this order (PLAIN-encoded, unchecked); null when none. */
  byte[] max(Statistics stats) {
    if (stats == null || this == UNKNOWN) {
      return null;
    }
    if (stats.isSetMin_value() && stats.isSetMax_value()) {
      return stats.getMax_value();
    }
    return this == SIGNED && stats.isSetMin() && stats.isSetMax() ? stats.getMax() : null;
  }
}
