package io.needle.worker;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static java.util.Objects.requireNonNull;

/**
 * Who may read which tables: each principal's table URI prefixes, and whether it may Describe
 * and Refresh. Everything not granted is refused with PERMISSION_DENIED (default deny).
 *
 * @param grants one per principal
 */
public record Policy(List<Grant> grants) {

  /**
   * What one principal may do.
   *
   * @param principal a client certificate's identity (a URI SAN such as {@code
   *     spiffe://example.org/ns/ml/sa/ranker}, or a DNS SAN), or {@code token:NAME} for a token
   *     of {@link AuthConfig#tokens()}
   * @param tablePrefixes table URIs ({@code file:///dir}, {@code s3://bucket/prefix}) under which
   *     tables may be looked up; a prefix matches on path segment boundaries, in canonical form
   * @param describe whether Describe (file lists, sizes, schemas, key ranges) is allowed under the
   *     prefixes; NeedleClient describes every table before it looks anything up, so only a
   *     client that speaks the protocol itself, with the schema known, can do without
   * @param refresh whether Refresh (list again now) is allowed under the prefixes
   */
  public record Grant(String principal, List<String> tablePrefixes, boolean describe, boolean refresh) {
    public Grant {
      requireNonNull(principal, "principal is null");
      if (principal.isBlank()) {
        throw new IllegalArgumentException("a grant has an empty principal");
      }
      tablePrefixes = List.copyOf(tablePrefixes);
      for (String prefix : tablePrefixes) {
        TablePrefix.parse(prefix); // throws with the reason
      }
    }
  }

  public Policy {
    grants = List.copyOf(grants);
    Set<String> seen = new HashSet<>();
    for (Grant g : grants) {
      if (!seen.add(g.principal())) {
        throw new IllegalArgumentException("principal " + g.principal() + " has more than one grant");
      }
    }
  }
}
