package io.needle.worker;

import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import static java.util.Objects.requireNonNull;

/**
 * Authentication and authorisation of a worker's clients: the bearer tokens it accepts (kept
 * only as SHA-256 digests) and the {@link Policy}. With an AuthConfig, every connection must
 * authenticate, by a client certificate (mTLS) or a token, before anything else.
 *
 * <p>The file ({@link #load}) is YAML or JSON (JSON is YAML 1.2):
 * <pre>{@code
 * tokens:
 *   - name: batch-scorer                   # the principal "token:batch-scorer"
 *     sha256: "sha256:9f86d081884c7d65..."  # printf %s "$TOKEN" | sha256sum
 *     expires: "2027-01-31T00:00:00Z"       # optional: refused from this instant on
 *     audience: ["needle-prod-*"]           # optional: only workers so named (--name) accept it
 * grants:
 *   - principal: "spiffe://example.org/ns/ml/sa/ranker"
 *     tables: ["file:///data/features/", "s3://bucket/features/"]
 *     refresh: true        # default false
 *   - principal: "token:batch-scorer"
 *     tables: ["file:///data/features/users"]
 *     describe: false      # default true; NeedleClient needs it (file lists and schemas)
 * }</pre>
 *
 * @param tokens the accepted tokens
 * @param policy who may read what
 */
public record AuthConfig(List<Token> tokens, Policy policy) {
  private static final Pattern TOKEN_NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");
  private static final Pattern DIGEST = Pattern.compile("sha256:[0-9a-f]{64}");
  private static final Pattern WORKER_NAME = Pattern.compile("[A-Za-z0-9._:-]{1,253}\\*?|\\*");
  /** Larger is not an auth policy; also the bound on what a reload reads. */
  static final long MAX_FILE_BYTES = 1 << 20;

  /**
   * One accepted token.
   *
   * @param name its principal is {@code token:NAME}
   * @param sha256 {@code sha256:} and the lowercase hex SHA-256 of the token's UTF-8 bytes
   * @param expires the instant from which the token is refused (UNAUTHENTICATED, as an unknown
   *     token: also on connections it authenticated before), or null for a token that does not
   *     expire
   * @param audience the names of the workers ({@code WorkerConfig#name}, {@code serve --name})
   *     that accept the token, each exact or ending in {@code *} (a prefix); empty: every worker.
   *     A token leaked from one fleet (staging, say) then opens nothing in another that shares the
   *     policy file.
   */
  public record Token(String name, String sha256, Instant expires, List<String> audience) {
    public Token {
      requireNonNull(name, "token name is null");
      requireNonNull(sha256, "token digest is null");
      audience = List.copyOf(audience);
      for (String a : audience) {
        if (!WORKER_NAME.matcher(a).matches()) {
          throw new IllegalArgumentException("token " + name + ": audience entry '" + a + "' is not 1-253 of "
              + "[A-Za-z0-9._:-], with an optional * at the end");
        }
      }
      if (!TOKEN_NAME.matcher(name).matches()) {
        throw new IllegalArgumentException("token name " + name + " is not 1-64 of [A-Za-z0-9._-]");
      }
      if (!DIGEST.matcher(sha256).matches()) {
        throw new IllegalArgumentException("token " + name + ": digest must be sha256:<64 lowercase hex digits>"
            + " (printf %s \"$TOKEN\" | sha256sum), never the token itself");
      }
    }

    /** A token without expiry or audience. */
    public Token(String name, String sha256) {
      this(name, sha256, null, List.of());
    }

    public String principal() {
      return "token:" + name;
    }

    /** True when a worker named {@code workerName} accepts this token. */
    boolean accepts(String workerName) {
      if (audience.isEmpty()) {
        return true;
      }
      for (String a : audience) {
        if (a.endsWith("*") ? workerName.startsWith(a.substring(0, a.length() - 1)) : workerName.equals(a)) {
          return true;
        }
      }
      return false;
    }
  }

  public AuthConfig {
    tokens = List.copyOf(tokens);
    requireNonNull(policy, "policy is null");
    Set<String> names = new HashSet<>();
    for (Token t : tokens) {
      if (!names.add(t.name())) {
        throw new IllegalArgumentException("token " + t.name() + " is defined twice");
      }
    }
    for (Policy.Grant g : policy.grants()) {
      if (g.principal().startsWith("token:") && !names.contains(g.principal().substring(6))) {
        throw new IllegalArgumentException("grant for " + g.principal() + " names no defined token");
      }
    }
  }

  /**
   * Reads and validates a policy file.
   *
   * @throws IllegalArgumentException naming the file, the entry and what is wrong
   */
  public static AuthConfig load(Path file) throws IOException {
    if (Files.size(file) > MAX_FILE_BYTES) {
      throw new IllegalArgumentException(file + ": larger than 1 MiB, not an auth policy");
    }
    Object doc;
    try {
      LoadSettings settings = LoadSettings.builder().setLabel(file.toString()).setAllowDuplicateKeys(false)
          .setMaxAliasesForCollections(0).build();
      doc = new Load(settings).loadFromString(Files.readString(file, StandardCharsets.UTF_8));
    } catch (YamlEngineException e) {
      throw new IllegalArgumentException(file + ": not valid YAML or JSON: " + e.getMessage(), e);
    }
    try {
      Map<?, ?> root = map(doc, "the document");
      onlyKeys(root, "the document", "tokens", "grants");
      List<Token> tokens = new ArrayList<>();
      List<?> tokenList = list(root.get("tokens"), "tokens");
      for (int i = 0; i < tokenList.size(); i++) {
        String where = "tokens[" + i + "]";
        Map<?, ?> t = map(tokenList.get(i), where);
        onlyKeys(t, where, "name", "sha256", "expires", "audience");
        List<String> audience = new ArrayList<>();
        List<?> audienceList = list(t.get("audience"), where + ".audience");
        for (int j = 0; j < audienceList.size(); j++) {
          audience.add(string(audienceList.get(j), where + ".audience[" + j + "]"));
        }
        try {
          tokens.add(new Token(string(t.get("name"), where + ".name"), string(t.get("sha256"), where + ".sha256"),
              instant(t.get("expires"), where + ".expires"), audience));
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
        }
      }
      List<Policy.Grant> grants = new ArrayList<>();
      List<?> grantList = list(root.get("grants"), "grants");
      for (int i = 0; i < grantList.size(); i++) {
        String where = "grants[" + i + "]";
        Map<?, ?> g = map(grantList.get(i), where);
        onlyKeys(g, where, "principal", "tables", "describe", "refresh");
        List<String> tables = new ArrayList<>();
        List<?> tableList = list(g.get("tables"), where + ".tables");
        for (int j = 0; j < tableList.size(); j++) {
          tables.add(string(tableList.get(j), where + ".tables[" + j + "]"));
        }
        try {
          grants.add(new Policy.Grant(string(g.get("principal"), where + ".principal"), tables,
              bool(g.get("describe"), where + ".describe", true), bool(g.get("refresh"), where + ".refresh", false)));
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
        }
      }
      return new AuthConfig(tokens, new Policy(grants));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
    }
  }

  private static Map<?, ?> map(Object o, String where) {
    if (!(o instanceof Map<?, ?> m)) {
      throw new IllegalArgumentException(where + " must be a mapping");
    }
    return m;
  }

  private static List<?> list(Object o, String where) {
    if (o == null) {
      return List.of();
    }
    if (!(o instanceof List<?> l)) {
      throw new IllegalArgumentException(where + " must be a list");
    }
    return l;
  }

  private static String string(Object o, String where) {
    if (!(o instanceof String s)) {
      throw new IllegalArgumentException(where + " must be a string");
    }
    return s;
  }

  private static Instant instant(Object o, String where) {
    if (o == null) {
      return null;
    }
    try {
      return OffsetDateTime.parse(string(o, where)).toInstant();
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException(where + " must be an ISO-8601 instant with its offset, such as "
          + "\"2027-01-31T00:00:00Z\" (quoted): " + o);
    }
  }

  private static boolean bool(Object o, String where, boolean absent) {
    if (o == null) {
      return absent;
    }
    if (!(o instanceof Boolean b)) {
      throw new IllegalArgumentException(where + " must be true or false");
    }
    return b;
  }

  private static void onlyKeys(Map<?, ?> m, String where, String... allowed) {
    for (Object key : m.keySet()) {
      if (!List.of(allowed).contains(key)) {
        throw new IllegalArgumentException(where + " has an unknown key " + key + " (known: " + String.join(", ", allowed) + ")");
      }
    }
  }
}
