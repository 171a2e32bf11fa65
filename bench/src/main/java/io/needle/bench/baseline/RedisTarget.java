package io.needle.bench.baseline;

import static java.util.Objects.requireNonNull;

import io.needle.bench.harness.LookupTarget;
import io.needle.bench.harness.Workload;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.List;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;

/**
 * Redis with the same rows, one pre-serialized value per key ({@link RedisRows}), read with
 * Jedis: {@code GET} for one key, {@code MGET} for a batch. Every value read is decoded, and its
 * key checked, as an application would.
 *
 * <p>Loaded with exactly the keys the run will ask (a pipelined {@code SET} per distinct key),
 * not the whole table: a GET's cost does not depend on how many other keys Redis holds, and
 * 10 million rows would need gigabytes of Redis memory on these small machines. Absent keys are
 * never loaded. Each table of a run has its own Redis database number, so keys of two tables
 * never meet.
 *
 * <p>Threading: a Jedis connection is single-threaded; {@link #forCaller} opens one per caller.
 */
public final class RedisTarget implements LookupTarget {
  private final int port;
  private final int database;
  private final RedisRows rows;
  private final Jedis jedis;

  public RedisTarget(int port, int database, RedisRows rows) {
    this.port = port;
    this.database = database;
    this.rows = requireNonNull(rows, "rows is null");
    this.jedis = new Jedis(new HostAndPort("127.0.0.1", port),
        DefaultJedisClientConfig.builder().database(database).build());
  }

  /** Stores the value of every key in {@code keys} that the table holds. */
  public void load(Collection<?> keys) {
    Pipeline p = jedis.pipelined();
    int n = 0;
    for (Object key : keys) {
      byte[] value = rows.encode(key);
      if (value != null) {
        p.set(keyBytes(key), value);
        if (++n % 10_000 == 0) {
          p.sync();
        }
      }
    }
    p.sync();
    p.close();
  }

  @Override
  public String name() {
    return "Redis (Jedis)";
  }

  @Override
  public boolean supports(Workload workload) {
    return workload != Workload.COLD;
  }

  @Override
  public LookupTarget forCaller() {
    return new RedisTarget(port, database, rows);
  }

  @Override
  public int lookup(Object[] keys) {
    if (keys.length == 1) {
      return decode(keys[0], jedis.get(keyBytes(keys[0])));
    }
    byte[][] k = new byte[keys.length][];
    for (int i = 0; i < keys.length; i++) {
      k[i] = keyBytes(keys[i]);
    }
    List<byte[]> values = jedis.mget(k);
    int found = 0;
    for (int i = 0; i < keys.length; i++) {
      found += decode(keys[i], values.get(i));
    }
    return found;
  }

  private int decode(Object key, byte[] value) {
    return value == null ? 0 : rows.decode(key, value);
  }

  /** A {@code Long} as 8 big-endian bytes, an {@code Integer} as 4, a {@code String} as its UTF-8. */
  static byte[] keyBytes(Object key) {
    return switch (key) {
      case Long l -> ByteBuffer.allocate(8).putLong(l).array();
      case Integer i -> ByteBuffer.allocate(4).putInt(i).array();
      case String s -> s.getBytes(StandardCharsets.UTF_8);
      default -> throw new IllegalArgumentException("unsupported key type " + key.getClass().getName() + ": " + key);
    };
  }

  @Override
  public void close() {
    jedis.close();
  }
}
