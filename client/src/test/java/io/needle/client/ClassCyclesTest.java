package io.needle.client;

import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.spi.ToolProvider;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The client's classes depend on one another without cycles: a class that builds or calls another
 * is never called back by it. The dependencies are the compiled ones, as the JDK's {@code jdeps}
 * reads them from the bytecode; a nested class counts as its outer class.
 */
class ClassCyclesTest {
  private static final Pattern EDGE = Pattern.compile("^\\s+(io\\.needle\\.client\\.\\S+)\\s+->\\s+(io\\.needle\\.client\\.\\S+)\\s");

  @Test
  void noClassOfTheClientDependsOnItselfThroughOthers() throws Exception {
    Map<String, Set<String>> graph = dependencies();
    assertThat(graph).as("jdeps found the client's classes").containsKeys("NeedleClient", "Table", "RoutedCall");
    assertThat(graph.get("Table")).as("a known dependency is seen").contains("LookupCall");
    assertThat(cycles(graph)).as("strongly connected groups of client classes").isEmpty();
  }

  /** A two-class cycle, to show the check sees one. */
  @Test
  void theCycleCheckFindsACycle() {
    Map<String, Set<String>> graph = new TreeMap<>();
    graph.put("A", Set.of("B"));
    graph.put("B", Set.of("C"));
    graph.put("C", Set.of("A"));
    graph.put("D", Set.of("A"));
    assertThat(cycles(graph)).containsExactly(List.of("A", "B", "C"));
  }

  private static Map<String, Set<String>> dependencies() throws Exception {
    Path classes = Path.of(NeedleClient.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    ToolProvider jdeps = ToolProvider.findFirst("jdeps").orElseThrow();
    StringWriter out = new StringWriter();
    int status = jdeps.run(new PrintWriter(out), new PrintWriter(out), "-verbose:class", "-filter:none",
        classes.toString());
    assertThat(status).as("jdeps: %s", out).isZero();
    Map<String, Set<String>> graph = new TreeMap<>();
    for (String line : out.toString().split("\n")) {
      Matcher m = EDGE.matcher(line);
      if (m.find()) {
        String from = topLevel(m.group(1));
        String to = topLevel(m.group(2));
        graph.computeIfAbsent(from, k -> new TreeSet<>());
        if (!from.equals(to)) {
          graph.get(from).add(to);
        }
      }
    }
    return graph;
  }

  private static String topLevel(String className) {
    String simple = className.substring("io.needle.client.".length());
    int nested = simple.indexOf('$');
    return nested < 0 ? simple : simple.substring(0, nested);
  }

  /** Tarjan's strongly connected components of more than one class, each sorted. */
  private static List<List<String>> cycles(Map<String, Set<String>> graph) {
    Map<String, Integer> index = new HashMap<>();
    Map<String, Integer> low = new HashMap<>();
    Deque<String> stack = new ArrayDeque<>();
    Set<String> onStack = new TreeSet<>();
    List<List<String>> out = new ArrayList<>();
    int[] counter = {0};
    for (String v : graph.keySet()) {
      if (!index.containsKey(v)) {
        connect(v, graph, index, low, stack, onStack, out, counter);
      }
    }
    return out;
  }

  private static void connect(String v, Map<String, Set<String>> graph, Map<String, Integer> index,
      Map<String, Integer> low, Deque<String> stack, Set<String> onStack, List<List<String>> out, int[] counter) {
    index.put(v, counter[0]);
    low.put(v, counter[0]);
    counter[0]++;
    stack.push(v);
    onStack.add(v);
    for (String w : graph.getOrDefault(v, Set.of())) {
      if (!index.containsKey(w)) {
        connect(w, graph, index, low, stack, onStack, out, counter);
        low.put(v, Math.min(low.get(v), low.get(w)));
      } else if (onStack.contains(w)) {
        low.put(v, Math.min(low.get(v), index.get(w)));
      }
    }
    if (low.get(v).equals(index.get(v))) {
      List<String> component = new ArrayList<>();
      String w;
      do {
        w = stack.pop();
        onStack.remove(w);
        component.add(w);
      } while (!w.equals(v));
      if (component.size() > 1) {
        component.sort(null);
        out.add(component);
      }
    }
  }
}
