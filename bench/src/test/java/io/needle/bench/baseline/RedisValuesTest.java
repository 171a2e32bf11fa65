package io.needle.bench.baseline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.needle.bench.gen.RagRow;
import io.needle.bench.gen.RagTable;
import java.util.List;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;
import org.junit.jupiter.api.Test;

/** The values the Redis baseline stores decode back to what was encoded, and belong to their key. */
class RedisValuesTest {

  @Test
  void aRagValueHoldsTheChunkAndItsEmbeddingExactly() {
    RagTable table = new RagTable(RagTable.defaultOptions(100, 1));
    RagRow row = table.expectedAt(42);
    Object[] decoded = RagValueCodec.decode(RagValueCodec.encode(row));
    assertThat(decoded[0]).isEqualTo(row.docId());
    assertThat(decoded[1]).isEqualTo(row.title());
    assertThat(decoded[2]).isEqualTo(row.text());
    float[] embedding = (float[]) decoded[3];
    assertThat(embedding).hasSize(RagTable.DEFAULT_EMBEDDING_DIM);
    for (int i = 0; i < embedding.length; i++) {
      assertThat(embedding[i]).isEqualTo(row.embedding().get(i));
    }

    RedisRows rows = RagValueCodec.of(table);
    assertThat(rows.encode(table.absentKeyNear(42))).isNull();
    assertThat(rows.decode(row.docId(), rows.encode(row.docId()))).isEqualTo(1);
    assertThatThrownBy(() -> rows.decode(table.keyAt(43), rows.encode(row.docId())))
        .hasMessageContaining("returned doc_id " + row.docId());
    assertThatThrownBy(() -> RagValueCodec.decode(new byte[] {0, 0, 0, 9})).hasMessageContaining("corrupt");
  }

  @Test
  void aUserRowKeepsNullsListsNestingAndTypes() {
    MessageType schema = MessageTypeParser.parseMessageType("""
        message m {
          required int64 id;
          optional binary name (STRING);
          optional binary raw;
          optional group nums (LIST) { repeated group list { optional int32 element; } }
          optional group point { required double x; optional float y; required boolean ok; }
        }
        """);
    SimpleGroupFactory groups = new SimpleGroupFactory(schema);
    Group full = groups.newGroup().append("id", 7L).append("name", "café").append("raw",
        Binary.fromConstantByteArray(new byte[] {1, 2, 3}));
    Group nums = full.addGroup("nums");
    nums.addGroup("list").append("element", 5);
    nums.addGroup("list"); // a null element
    full.addGroup("point").append("x", 1.5).append("y", 2.5f).append("ok", true);
    Group sparse = groups.newGroup().append("id", 7L);

    byte[] value = GroupValueCodec.joinRows(List.of(GroupValueCodec.encodeRow(full, schema),
        GroupValueCodec.encodeRow(sparse, schema)));
    List<Object[]> rows = GroupValueCodec.decodeRows(value, schema);

    assertThat(rows).hasSize(2);
    Object[] a = rows.get(0);
    assertThat(a[0]).isEqualTo(7L);
    assertThat(a[1]).isEqualTo("café");
    assertThat((byte[]) a[2]).containsExactly(1, 2, 3);
    Object[] list = (Object[]) a[3];
    assertThat((List<?>) list[0]).hasSize(2);
    assertThat(((Object[]) ((List<?>) list[0]).get(0))[0]).isEqualTo(5);
    assertThat(((Object[]) ((List<?>) list[0]).get(1))[0]).isNull();
    assertThat((Object[]) a[4]).containsExactly(1.5, 2.5f, true);
    assertThat(rows.get(1)).containsExactly(7L, null, null, null, null);
  }
}
