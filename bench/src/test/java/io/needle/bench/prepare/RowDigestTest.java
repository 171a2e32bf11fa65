package io.needle.bench.prepare;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;
import org.junit.jupiter.api.Test;

/** The digest prepare verifies with: blind to row order, not to any change of the rows. */
class RowDigestTest {
  private static final MessageType SCHEMA = MessageTypeParser.parseMessageType("""
      message m {
        required int64 k;
        optional binary s (STRING);
        optional group l (LIST) { repeated group list { optional int32 element; } }
      }
      """);
  private static final SimpleGroupFactory GROUPS = new SimpleGroupFactory(SCHEMA);

  private static Group row(long k, String s, Integer... list) {
    Group g = GROUPS.newGroup().append("k", k);
    if (s != null) {
      g.append("s", s);
    }
    if (list != null) {
      Group l = g.addGroup("l");
      for (Integer e : list) {
        Group item = l.addGroup("list");
        if (e != null) {
          item.append("element", e);
        }
      }
    }
    return g;
  }

  private static RowDigest digest(List<Group> rows) {
    RowDigest d = new RowDigest(SCHEMA);
    rows.forEach(d::add);
    return d;
  }

  private static List<Group> table() {
    List<Group> rows = new ArrayList<>();
    for (long k = 0; k < 50; k++) {
      rows.add(row(k, k % 4 == 0 ? null : "s" + k, k % 3 == 0 ? null : new Integer[] {(int) k, null}));
    }
    rows.add(row(7, "s7", 7, null)); // a duplicate row
    return rows;
  }

  @Test
  void sameRowsInAnotherOrderGiveTheSameDigest() {
    List<Group> shuffled = new ArrayList<>(table());
    Collections.shuffle(shuffled, new Random(1));
    assertThat(digest(shuffled)).isEqualTo(digest(table()));
    assertThat(digest(shuffled).differences(digest(table()))).isEmpty();
  }

  @Test
  void aLostDuplicateAChangedValueOrMovedValuesChangeIt() {
    List<Group> lost = new ArrayList<>(table());
    lost.remove(lost.size() - 1);
    assertThat(digest(lost)).isNotEqualTo(digest(table()));

    List<Group> changed = new ArrayList<>(table());
    changed.set(10, row(10, "s10", 11, null));
    assertThat(digest(changed).differences(digest(table()))).isEqualTo("l, (whole rows)");

    // the same values per column, paired differently across rows
    List<Group> swapped = new ArrayList<>(table());
    swapped.set(1, row(1, "s2", 1, null));
    swapped.set(2, row(2, "s1", 2, null));
    assertThat(digest(swapped).differences(digest(table()))).isEqualTo("(whole rows)");
  }

  @Test
  void nullEmptyListAndListOfOneNullDiffer() {
    RowDigest none = digest(List.of(row(1, null, (Integer[]) null)));
    RowDigest empty = digest(List.of(row(1, null)));
    RowDigest oneNull = digest(List.of(row(1, null, (Integer) null)));
    assertThat(none).isNotEqualTo(empty);
    assertThat(empty).isNotEqualTo(oneNull);
    assertThat(none).isNotEqualTo(oneNull);
  }
}
