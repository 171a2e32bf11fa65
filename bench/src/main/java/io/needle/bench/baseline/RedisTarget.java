package io.needle.bench.baseline;

import io.needle.bench.gen.FeatureRow;
import io.needle.bench.harness.LookupTarget;
import io.needle.bench.harness.Workload;
import java.nio.ByteBuffer;
import java.util.Collection;
import java.util.List;
import java.util.function.LongFunction;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;

/**
 * Redis with the same rows, one pre-serialized value per key ({@link FeatureValueCodec}), read
 * with Jedis: {@code GET} for one key, {@code MGET} for a batch. Every value read is decoded, and
 * its key checked, as an application would.
 *
 * <p>Loaded with exactly the keys the run will ask (a pipelined {@code SET} per distinct key),
 * not the whole table: a GET's cost does not depend on how many other keys Redis holds, and
 * 10 million rows would need gigabytes of Redis memory on these small machines. Absent keys are
 * never loaded.
 *
 * <p>Threading: a Jedis connection is single-threaded; {@link #forCaller} opens one per caller.
 */
public final class RedisTarget implements LookupTarget {
  private final int port;
  private final Jedis jedis;

  public RedisTarget(int port) {
    this.port = port;
    this.jedis = new Jedis(new HostAndPort("127.0.0.1", port), DefaultJedisClientConfig.builder().build());
  }

  /** Stores the value of every key in {@code keys} for which {@code rowOf} returns a row. */
  public void load(Collection<Long> keys, LongFunction<FeatureRow> rowOf) {
    Pipeline p = jedis.pipelined();
    int n = 0;
    for (long key : keys) {
      FeatureRow row = rowOf.apply(key);
      if (row != null) {
        p.set(keyBytes(key), FeatureValueCodec.encode(row));
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
    return new RedisTarget(port);
  }

  @Override
  public int lookup(long[] keys) {
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

  private static int decode(long key, byte[] value) {
    if (value == null) {
      return 0;
    }
    Object[] row = FeatureValueCodec.decode(value);
    if ((Long) row[0] != key) {
      throw new IllegalStateException("Redis: key " + key + " returned user_id " + row[0]);
    }
    return 1;
  }

  static byte[] keyBytes(long key) {
    return ByteBuffer.allocate(8).putLong(key).array();
  }

  @Override
  public void close() {
    jedis.close();
  }
}
