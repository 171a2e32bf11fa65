package io.needle.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class S3ConfigTest {
  private static final List<URI> ROOTS = List.of(URI.create("s3://bucket/tables/"));

  @Test
  void defaultsRetryFiveTimesInAllWithoutTheQuotaBackingOffThrottlingFrom100MsTo2s() {
    S3Config config = S3Config.defaults(ROOTS, "us-east-1");
    assertThat(config.maxRetries()).isEqualTo(4);
    assertThat(config.retryQuota()).isFalse();
    assertThat(config.throttleBackoffBase()).isEqualTo(Duration.ofMillis(100));
    assertThat(config.throttleBackoffMax()).isEqualTo(Duration.ofSeconds(2));
    assertThat(S3Clients.retryStrategy(config).maxAttempts()).isEqualTo(5);
    // the settings survive the other with-methods
    S3Config changed = config.withRetryPolicy(true, Duration.ofMillis(50), Duration.ofSeconds(1))
        .withTimeouts(Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(3), 2);
    assertThat(changed.retryQuota()).isTrue();
    assertThat(changed.throttleBackoffBase()).isEqualTo(Duration.ofMillis(50));
    assertThat(S3Clients.retryStrategy(changed).maxAttempts()).isEqualTo(3);
  }

  @Test
  void rejectsABackoffCeilingBelowItsBase() {
    S3Config config = S3Config.defaults(ROOTS, "us-east-1");
    assertThatThrownBy(() -> config.withRetryPolicy(false, Duration.ofSeconds(3), Duration.ofSeconds(2)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("throttleBackoffMax");
    assertThatThrownBy(() -> config.withRetryPolicy(false, Duration.ZERO, Duration.ofSeconds(2)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("throttleBackoffBase");
  }
}
