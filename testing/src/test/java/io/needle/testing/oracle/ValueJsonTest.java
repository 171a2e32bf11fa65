package io.needle.testing.oracle;

import static org.assertj.core.api.Assertions.assertThat;

import io.needle.testing.OracleStruct;
import io.needle.testing.ValueJson;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Literal JSON strings, written by hand from docs/values.md. */
class ValueJsonTest {

  @Test
  void rendersEveryValueTypeAsTheSpecSays() {
    Map<Object, Object> map = new LinkedHashMap<>();
    map.put("k", 1);
    map.put("z", null);
    List<String> names = List.of("n", "b", "i", "l", "u", "f", "d", "nan", "inf", "s", "bytes",
        "uuid", "date", "time", "ts", "dec", "list", "struct", "map");
    List<Object> values = Arrays.asList(null, false, -3, 9_000_000_000L,
        new BigInteger("18446744073709551615"), 1.0E-5f, 2.5, Float.NaN,
        Double.NEGATIVE_INFINITY, "q\"\\\u0001\t\u001fé日🙂/", new byte[] {1, 2, (byte) 0xFF},
        UUID.fromString("123E4567-E89B-12D3-A456-426614174000"), LocalDate.of(2024, 2, 29),
        LocalTime.of(1, 2, 3, 500_000_000), Instant.parse("2020-01-02T03:04:05.000006Z"),
        new BigDecimal("-1.50"), Arrays.asList(1, null, 3),
        new OracleStruct(List.of("x", "y"), Arrays.asList(List.of(), null)), map);
    assertThat(ValueJson.row(names, values)).isEqualTo(
        "{\"n\":null,\"b\":false,\"i\":-3,\"l\":9000000000,\"u\":18446744073709551615,"
            + "\"f\":1.0E-5,\"d\":2.5,\"nan\":\"NaN\",\"inf\":\"-Infinity\","
            + "\"s\":\"q\\\"\\\\\\u0001\\u0009\\u001fé日🙂/\",\"bytes\":\"AQL/\","
            + "\"uuid\":\"123e4567-e89b-12d3-a456-426614174000\",\"date\":\"2024-02-29\","
            + "\"time\":\"01:02:03.5\",\"ts\":\"2020-01-02T03:04:05.000006Z\","
            + "\"dec\":\"-1.50\",\"list\":[1,null,3],\"struct\":{\"x\":[],\"y\":null},"
            + "\"map\":[{\"key\":\"k\",\"value\":1},{\"key\":\"z\",\"value\":null}]}");
  }

  @Test
  void timeWithoutFractionAndPlainDecimals() {
    assertThat(ValueJson.value(LocalTime.of(23, 59))).isEqualTo("\"23:59:00\"");
    assertThat(ValueJson.value(new BigDecimal("1E+3"))).isEqualTo("\"1000\"");
    assertThat(ValueJson.value(Float.POSITIVE_INFINITY)).isEqualTo("\"Infinity\"");
    assertThat(ValueJson.value(100.0)).isEqualTo("100.0");
  }
}
