package io.needle.metadata;

import static org.assertj.core.api.Assertions.assertThat;

import io.needle.metadata.LeafColumn.PhysicalType;
import java.util.List;
import org.apache.parquet.format.ColumnOrder;
import org.apache.parquet.format.ConvertedType;
import org.apache.parquet.format.DecimalType;
import org.apache.parquet.format.Float16Type;
import org.apache.parquet.format.IntType;
import org.apache.parquet.format.LogicalType;
import org.apache.parquet.format.SchemaElement;
import org.apache.parquet.format.Statistics;
import org.apache.parquet.format.StringType;
import org.apache.parquet.format.TypeDefinedOrder;
import org.apache.parquet.format.UUIDType;
import org.junit.jupiter.api.Test;

/** The one statistics-order rule, case by case, against the format spec and the writers' known bugs. */
class StatsOrderTest {
  private static final List<ColumnOrder> TYPE_DEFINED = List.of(ColumnOrder.TYPE_ORDER(new TypeDefinedOrder()));

  private static SchemaElement element(ConvertedType converted, LogicalType logical) {
    SchemaElement e = new SchemaElement("k");
    if (converted != null) {
      e.setConverted_type(converted);
    }
    if (logical != null) {
      e.setLogicalType(logical);
    }
    return e;
  }

  private static StatsOrder order(PhysicalType type, ConvertedType converted, LogicalType logical) {
    return StatsOrder.of(element(converted, logical), type, TYPE_DEFINED, 0);
  }

  @Test
  void integersAreSignedUnlessAnnotatedUnsigned() {
    assertThat(order(PhysicalType.INT64, null, null)).isEqualTo(StatsOrder.SIGNED);
    assertThat(order(PhysicalType.INT32, ConvertedType.DATE, null)).isEqualTo(StatsOrder.SIGNED);
    assertThat(order(PhysicalType.INT64, ConvertedType.DECIMAL, LogicalType.DECIMAL(new DecimalType(2, 10))))
        .isEqualTo(StatsOrder.SIGNED);
    assertThat(order(PhysicalType.INT32, ConvertedType.UINT_32, null)).isEqualTo(StatsOrder.UNSIGNED);
    assertThat(order(PhysicalType.INT64, null, LogicalType.INTEGER(new IntType((byte) 64, false))))
        .isEqualTo(StatsOrder.UNSIGNED);
    assertThat(order(PhysicalType.INT32, null, LogicalType.INTEGER(new IntType((byte) 32, true))))
        .isEqualTo(StatsOrder.SIGNED);
  }

  @Test
  void byteArraysAreUnsignedBytesOnlyWhenPlainOrTextLike() {
    assertThat(order(PhysicalType.BYTE_ARRAY, null, null)).isEqualTo(StatsOrder.BYTES);
    assertThat(order(PhysicalType.BYTE_ARRAY, ConvertedType.UTF8, LogicalType.STRING(new StringType())))
        .isEqualTo(StatsOrder.BYTES);
    assertThat(order(PhysicalType.FIXED_LEN_BYTE_ARRAY, null, LogicalType.UUID(new UUIDType())))
        .isEqualTo(StatsOrder.BYTES);
    // Two's complement decimals, intervals and float16 do not compare bytewise.
    assertThat(order(PhysicalType.FIXED_LEN_BYTE_ARRAY, ConvertedType.DECIMAL, LogicalType.DECIMAL(new DecimalType(2, 10))))
        .isEqualTo(StatsOrder.UNKNOWN);
    assertThat(order(PhysicalType.FIXED_LEN_BYTE_ARRAY, ConvertedType.INTERVAL, null)).isEqualTo(StatsOrder.UNKNOWN);
    assertThat(order(PhysicalType.FIXED_LEN_BYTE_ARRAY, null, LogicalType.FLOAT16(new Float16Type())))
        .isEqualTo(StatsOrder.UNKNOWN);
    // An annotation this reader does not know (a newer format's): no order.
    assertThat(order(PhysicalType.BYTE_ARRAY, null, new LogicalType())).isEqualTo(StatsOrder.UNKNOWN);
  }

  @Test
  void aColumnOrderOtherThanTypeDefinedHasNoOrderAndNoListMeansTypeDefined() {
    SchemaElement e = element(null, null);
    assertThat(StatsOrder.of(e, PhysicalType.INT64, List.of(new ColumnOrder()), 0)).isEqualTo(StatsOrder.UNKNOWN);
    assertThat(StatsOrder.of(e, PhysicalType.INT64, TYPE_DEFINED, 1)).as("list shorter than the leaves")
        .isEqualTo(StatsOrder.UNKNOWN);
    assertThat(StatsOrder.of(e, PhysicalType.INT64, null, 0)).isEqualTo(StatsOrder.SIGNED);
    assertThat(StatsOrder.of(e, PhysicalType.DOUBLE, null, 0)).isEqualTo(StatsOrder.UNKNOWN);
  }

  @Test
  void deprecatedMinMaxAreUsedForSignedIntegersOnly() {
    byte[] lo = {1, 0, 0, 0, 0, 0, 0, 0};
    byte[] hi = {2, 0, 0, 0, 0, 0, 0, 0};
    Statistics legacy = new Statistics().setMin(lo).setMax(hi);
    assertThat(StatsOrder.SIGNED.min(legacy)).isEqualTo(lo);
    assertThat(StatsOrder.SIGNED.max(legacy)).isEqualTo(hi);
    for (StatsOrder other : List.of(StatsOrder.UNSIGNED, StatsOrder.BYTES, StatsOrder.UNKNOWN)) {
      assertThat(other.min(legacy)).as("%s", other).isNull();
      assertThat(other.max(legacy)).as("%s", other).isNull();
    }
    Statistics current = new Statistics().setMin(hi).setMax(hi).setMin_value(lo).setMax_value(hi);
    assertThat(StatsOrder.BYTES.min(current)).as("min_value wins over min").isEqualTo(lo);
    assertThat(StatsOrder.UNSIGNED.max(current)).isEqualTo(hi);
    assertThat(StatsOrder.UNKNOWN.min(current)).isNull();
  }
}
