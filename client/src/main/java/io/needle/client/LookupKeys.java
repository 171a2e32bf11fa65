package io.needle.client;

import com.google.protobuf.ByteString;
import io.needle.decode.DecodeException;
import io.needle.decode.KeyMatcher;
import io.needle.decode.KeyType;
import io.needle.protocol.proto.Key;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A lookup's keys, normalised once into the key column's physical form: the distinct keys (a key
 * given twice is asked for once) as the wire sends them, as the decoder matches them and as
 * pruning compares them, and which distinct key each of the caller's keys is.
 */
final class LookupKeys {
  private final KeyType type;
  private final List<Object> callerKeys;
  private final int[] ordinalOfCaller;
  private final List<Key> wireKeys;
  private final KeyMatcher matcher;
  private final long[] distinctLongs;   // when long keys
  private final byte[][] distinctBytes; // when byte keys

  private LookupKeys(KeyType type, List<Object> callerKeys, int[] ordinalOfCaller, List<Key> wireKeys,
      KeyMatcher matcher, long[] distinctLongs, byte[][] distinctBytes) {
    this.type = type;
    this.callerKeys = callerKeys;
    this.ordinalOfCaller = ordinalOfCaller;
    this.wireKeys = wireKeys;
    this.matcher = matcher;
    this.distinctLongs = distinctLongs;
    this.distinctBytes = distinctBytes;
  }

  /**
   * @param callerKeys non-null keys, in the caller's order
   * @throws DecodeException (INVALID_KEY) when a key does not fit the column's type
   */
  static LookupKeys of(List<Object> callerKeys, KeyType type) throws DecodeException {
    int[] ordinalOfCaller = new int[callerKeys.size()];
    List<Key> wireKeys = new ArrayList<>();
    if (type.isLong()) {
      Map<Long, Integer> ordinals = new HashMap<>();
      long[] distinct = new long[callerKeys.size()];
      for (int i = 0; i < callerKeys.size(); i++) {
        long k = type.toLong(callerKeys.get(i));
        Integer ordinal = ordinals.putIfAbsent(k, ordinals.size());
        if (ordinal == null) {
          ordinal = ordinals.size() - 1;
          distinct[ordinal] = k;
          wireKeys.add(Key.newBuilder().setIntValue(k).build());
        }
        ordinalOfCaller[i] = ordinal;
      }
      long[] d = Arrays.copyOf(distinct, ordinals.size());
      return new LookupKeys(type, callerKeys, ordinalOfCaller, List.copyOf(wireKeys), KeyMatcher.ofLongs(d), d, null);
    }
    Map<ByteBuffer, Integer> ordinals = new HashMap<>();
    List<byte[]> distinct = new ArrayList<>();
    for (int i = 0; i < callerKeys.size(); i++) {
      byte[] k = type.toBytes(callerKeys.get(i));
      Integer ordinal = ordinals.putIfAbsent(ByteBuffer.wrap(k), ordinals.size());
      if (ordinal == null) {
        ordinal = distinct.size();
        distinct.add(k);
        wireKeys.add(Key.newBuilder().setBytesValue(ByteString.copyFrom(k)).build());
      }
      ordinalOfCaller[i] = ordinal;
    }
    byte[][] d = distinct.toArray(byte[][]::new);
    return new LookupKeys(type, callerKeys, ordinalOfCaller, List.copyOf(wireKeys), KeyMatcher.ofBytes(d), null, d);
  }

  /** Whether these keys were normalised for {@code other}'s physical type (a re-described table may differ). */
  boolean sameType(KeyType other) {
    return type == other || type.parquetType().equals(other.parquetType());
  }

  int distinct() {
    return wireKeys.size();
  }

  Key wireKey(int ordinal) {
    return wireKeys.get(ordinal);
  }

  KeyMatcher matcher() {
    return matcher;
  }

  /** Calls {@code out} for every file of {@code files} that may hold one of these keys, with their ordinals. */
  <F extends FileRanges.Bounded> void routeOver(FileRanges<F> files, java.util.function.BiConsumer<? super F, java.util.BitSet> out) {
    // Sorted in the order the worker named for the files' ranges: one sort per routing.
    files.route(distinctLongs != null ? KeyRanges.ofLongs(distinctLongs, files.order())
        : KeyRanges.ofBytes(distinctBytes, files.order()), out);
  }

  /** The caller's keys in their order (each once), with the rows found for their distinct key. */
  Map<Object, List<Row>> result(List<Row>[] rowsByOrdinal) {
    Map<Object, List<Row>> result = new LinkedHashMap<>();
    for (int i = 0; i < callerKeys.size(); i++) {
      List<Row> rows = rowsByOrdinal[ordinalOfCaller[i]];
      result.putIfAbsent(callerKeys.get(i), rows == null ? List.of() : List.copyOf(rows));
    }
    return result;
  }

  /** Every key without rows. */
  static Map<Object, List<Row>> noRows(List<Object> callerKeys) {
    Map<Object, List<Row>> result = new LinkedHashMap<>();
    for (Object k : callerKeys) {
      result.putIfAbsent(k, List.of());
    }
    return result;
  }
}
