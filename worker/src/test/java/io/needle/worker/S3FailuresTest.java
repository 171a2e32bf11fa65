package io.needle.worker;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.ConnectTimeoutException;
import java.net.ConnectException;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.exception.SdkClientException;

/** How failures of the S3 client read to an operator: the reason names what really happened. */
class S3FailuresTest {
  @Test
  void aConnectionNobodyAcceptedInTimeIsATimeoutNotARefusal() {
    // Netty's connect timeout is a ConnectException; read as one, it said "refused" of an endpoint that never answered
    SdkClientException slow = SdkClientException.create("Unable to execute HTTP request",
        new ConnectTimeoutException("connection timed out: /127.0.0.1:9"));
    S3ReadException e = S3Failures.classify(slow, "GET s3://b/k");
    assertThat(e.reason()).isEqualTo(S3ReadException.Reason.TIMEOUT);
    assertThat(e.getMessage()).contains("did not accept the connection in time").doesNotContain("refused");
  }

  @Test
  void aRefusedConnectionIsStillARefusal() {
    SdkClientException refused = SdkClientException.create("Unable to execute HTTP request",
        new ConnectException("Connection refused"));
    assertThat(S3Failures.classify(refused, "GET s3://b/k").reason()).isEqualTo(S3ReadException.Reason.CONNECTION_REFUSED);
  }

  @Test
  void aReadThatTimedOutIsATimeout() {
    // what the SDK's Netty client throws when its read timeout ends an attempt before the SDK's own attempt timeout
    SdkClientException silent = SdkClientException.create("Unable to execute HTTP request: Read timed out",
        new java.io.IOException("Read timed out", io.netty.handler.timeout.ReadTimeoutException.INSTANCE));
    S3ReadException e = S3Failures.classify(silent, "LIST s3://b/p/");
    assertThat(e.reason()).isEqualTo(S3ReadException.Reason.TIMEOUT);
    assertThat(e.getMessage()).contains("did not answer in time").doesNotContain("unreachable");
  }
}
