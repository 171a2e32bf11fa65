package io.needle.client;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class RendezvousTest {
  private static List<Member> members(String... names) {
    List<Member> out = new ArrayList<>();
    for (String n : names) {
      out.add(new Member(n, Rendezvous.hash(n), "10.0.0.1:7070", 1_000_000));
    }
    return out;
  }

  private static long file(int i) {
    return Rendezvous.hash("part-" + i + ".parquet\n" + (1000 + i) + "-etag");
  }

  @Test
  void ownersSpreadEvenlyOverWorkers() {
    List<Member> five = members("needle-0", "needle-1", "needle-2", "needle-3", "needle-4");
    Map<String, Integer> counts = new HashMap<>();
    for (int i = 0; i < 10_000; i++) {
      counts.merge(Rendezvous.owner(five, file(i), Set.of(), 0).name(), 1, Integer::sum);
    }
    assertThat(counts).hasSize(5);
    // 2000 expected each; a binomial sd is 40, so 1700..2300 fails only on a biased hash.
    assertThat(counts.values()).allSatisfy(c -> assertThat(c).isBetween(1700, 2300));
  }

  @Test
  void removingAWorkerMovesOnlyItsFilesAndEachToItsNextOwner() {
    List<Member> four = members("a", "b", "c", "d");
    List<Member> withoutC = members("a", "b", "d");
    for (int i = 0; i < 5000; i++) {
      List<Member> order = Rendezvous.order(four, file(i));
      String before = order.get(0).name();
      String after = Rendezvous.owner(withoutC, file(i), Set.of(), 0).name();
      if (!before.equals("c")) {
        assertThat(after).isEqualTo(before);
      } else {
        assertThat(after).isEqualTo(order.get(1).name());
      }
    }
  }

  @Test
  void excludedAndDownMembersAreSkippedInScoreOrder() {
    List<Member> three = members("x", "y", "z");
    long key = file(42);
    List<Member> order = Rendezvous.order(three, key);
    assertThat(Rendezvous.owner(three, key, Set.of(), 0)).isSameAs(order.get(0));
    assertThat(Rendezvous.owner(three, key, Set.of(order.get(0).name()), 0)).isSameAs(order.get(1));
    order.get(1).failed(0); // breaker open: skipped while another is available
    assertThat(Rendezvous.owner(three, key, Set.of(order.get(0).name()), 0)).isSameAs(order.get(2));
    // every available one excluded: fall back to the open one rather than fail
    assertThat(Rendezvous.owner(three, key, Set.of(order.get(0).name(), order.get(2).name()), 0)).isSameAs(order.get(1));
    assertThat(Rendezvous.owner(three, key, Set.of("x", "y", "z"), 0)).isNull();
  }

  @Test
  void scoresDependOnNamesNotOnAddressesOrListOrder() {
    List<Member> a = members("n1", "n2", "n3");
    List<Member> b = new ArrayList<>(List.of(new Member("n3", Rendezvous.hash("n3"), "10.9.9.9:1", 1),
        new Member("n1", Rendezvous.hash("n1"), "10.8.8.8:2", 1), new Member("n2", Rendezvous.hash("n2"), "10.7.7.7:3", 1)));
    Set<Integer> differing = new HashSet<>();
    for (int i = 0; i < 2000; i++) {
      if (!Rendezvous.owner(a, file(i), Set.of(), 0).name().equals(Rendezvous.owner(b, file(i), Set.of(), 0).name())) {
        differing.add(i);
      }
    }
    assertThat(differing).isEmpty();
    assertThat(Rendezvous.hash("needle-0")).isEqualTo(Rendezvous.hash("needle-0")).isNotEqualTo(Rendezvous.hash("needle-1"));
  }
}
