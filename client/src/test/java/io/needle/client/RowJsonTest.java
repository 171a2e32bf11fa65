package io.needle.client;

import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Row.toJson against strings written by hand from docs/values.md. */
class RowJsonTest {
  @Test
  void formatsScalarsPerSpec() {
    Row row = Row.of(new String[] {"b", "i", "l", "u", "f", "d", "s"},
        new Object[] {true, 7, -9_000_000_000L, new BigInteger("18446744073709551615"), 1.5f, 1.0E-5, "x"});
    assertThat(row.toJson()).isEqualTo(
        "{\"b\":true,\"i\":7,\"l\":-9000000000,\"u\":18446744073709551615,\"f\":1.5,\"d\":1.0E-5,\"s\":\"x\"}");
  }

  @Test
  void writesNonFiniteFloatsAsStrings() {
    Row row = Row.of(new String[] {"a", "b", "c", "d"},
        new Object[] {Float.NaN, Double.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, -0.0});
    assertThat(row.toJson()).isEqualTo("{\"a\":\"NaN\",\"b\":\"Infinity\",\"c\":\"-Infinity\",\"d\":-0.0}");
  }

  @Test
  void escapesQuotesBackslashesAndControlCharsOnly() {
    Row row = Row.of(new String[] {"k\"ey"}, new Object[] {"a\"b\\c\n\t\u0001é/\u2028"});
    assertThat(row.toJson()).isEqualTo("{\"k\\\"ey\":\"a\\\"b\\\\c\\u000a\\u0009\\u0001é/\u2028\"}");
  }

  @Test
  void formatsTemporalDecimalUuidAndBytes() {
    Row row = Row.of(new String[] {"date", "time", "ts", "dec", "uuid", "bin"}, new Object[] {
        LocalDate.of(2024, 1, 31), LocalTime.of(10, 15, 30, 1_000), Instant.parse("2024-01-31T10:15:30.123Z"),
        new BigDecimal("1E+3").setScale(-3), UUID.fromString("123E4567-E89B-12D3-A456-426614174000"),
        new byte[] {(byte) 0xfb, (byte) 0xff}});
    assertThat(row.toJson()).isEqualTo("{\"date\":\"2024-01-31\",\"time\":\"10:15:30.000001\","
        + "\"ts\":\"2024-01-31T10:15:30.123Z\",\"dec\":\"1000\",\"uuid\":\"123e4567-e89b-12d3-a456-426614174000\","
        + "\"bin\":\"+/8=\"}");
  }

  @Test
  void nestsListsMapsAndStructs() {
    Map<Object, Object> map = new LinkedHashMap<>();
    map.put("z", 1);
    map.put("a", null);
    Row inner = Row.of(new String[] {"x"}, new Object[] {List.of()});
    Row row = Row.of(new String[] {"l", "m", "s", "n"},
        new Object[] {java.util.Arrays.asList(1, null, 3), map, inner, null});
    assertThat(row.toJson()).isEqualTo(
        "{\"l\":[1,null,3],\"m\":[{\"key\":\"z\",\"value\":1},{\"key\":\"a\",\"value\":null}],\"s\":{\"x\":[]},\"n\":null}");
  }

  @Test
  void comparesBytesByContentAndRejectsUnknownNames() {
    Row a = Row.of(new String[] {"b"}, new Object[] {List.of(new byte[] {1, 2})});
    Row b = Row.of(new String[] {"b"}, new Object[] {List.of(new byte[] {1, 2})});
    assertThat(a).isEqualTo(b).hasSameHashCodeAs(b);
    assertThatThrownBy(() -> a.get("nope")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("nope");
    byte[] bytes = {5};
    Row c = Row.of(new String[] {"x"}, new Object[] {bytes});
    c.getBytes("x")[0] = 9;
    assertThat(c.getBytes(0)).containsExactly(5);
  }
}
