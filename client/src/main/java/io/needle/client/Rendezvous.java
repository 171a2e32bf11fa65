package io.needle.client;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Rendezvous (highest-random-weight) hashing: a file's owner is the member with the highest
 * {@code score(member name, file key)}; the following members in descending score are where its
 * requests fail over and hedge to.
 *
 * <p>Why rendezvous rather than a ring: with a handful of workers it balances without virtual
 * nodes, and when a member leaves only the files it owned move (each to its own next member), so
 * a restart costs one worker's share of cold caches, not a reshuffle. Scores hash the member's
 * <em>name</em>, never its address: a pod that comes back on a new IP keeps its files, and a
 * reused IP answering with another name is another member.
 *
 * <p>The hash is FNV-1a 64 over UTF-8, finished with MurmurHash3's fmix64 so that names and keys
 * that differ in one character still land far apart. Stable across JVMs and versions: every
 * client of a fleet must agree on owners, or the caches duplicate.
 */
final class Rendezvous {
  private Rendezvous() {}

  /** Hash of a member's name or a file key; combine with {@link #score}. */
  static long hash(String s) {
    long h = 0xcbf29ce484222325L;
    for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
      h ^= b & 0xff;
      h *= 0x100000001b3L;
    }
    return fmix64(h);
  }

  static long score(long memberHash, long keyHash) {
    return fmix64(memberHash ^ (keyHash * 0x9E3779B97F4A7C15L));
  }

  /** The members ordered by descending score for {@code keyHash} (ties by name). */
  static List<Member> order(List<Member> members, long keyHash) {
    List<Member> sorted = new ArrayList<>(members);
    sorted.sort((a, b) -> {
      int c = Long.compareUnsigned(score(b.nameHash(), keyHash), score(a.nameHash(), keyHash));
      return c != 0 ? c : a.name().compareTo(b.name());
    });
    return sorted;
  }

  /**
   * The first member in descending score for {@code keyHash} that is not in {@code excluded} and
   * whose breaker is closed; failing that, the first not excluded even if its breaker is open (a
   * stale breaker costs a retry, while refusing would cost an error); null when all are excluded.
   */
  static Member owner(List<Member> members, long keyHash, java.util.Set<String> excluded, long nowNanos) {
    Member best = null;
    long bestScore = 0;
    Member fallback = null;
    long fallbackScore = 0;
    for (Member m : members) {
      if (excluded.contains(m.name())) {
        continue;
      }
      long s = score(m.nameHash(), keyHash);
      if (m.isAvailable(nowNanos)) {
        if (best == null || Long.compareUnsigned(s, bestScore) > 0
            || (s == bestScore && m.name().compareTo(best.name()) < 0)) {
          best = m;
          bestScore = s;
        }
      } else if (fallback == null || Long.compareUnsigned(s, fallbackScore) > 0
          || (s == fallbackScore && m.name().compareTo(fallback.name()) < 0)) {
        fallback = m;
        fallbackScore = s;
      }
    }
    return best != null ? best : fallback;
  }

  private static long fmix64(long k) {
    k ^= k >>> 33;
    k *= 0xff51afd7ed558ccdL;
    k ^= k >>> 33;
    k *= 0xc4ceb9fe1a85ec53L;
    k ^= k >>> 33;
    return k;
  }
}
