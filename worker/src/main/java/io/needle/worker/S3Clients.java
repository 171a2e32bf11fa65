package io.needle.worker;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.retries.StandardRetryStrategy;
import software.amazon.awssdk.retries.api.BackoffStrategy;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.s3.S3AsyncClientBuilder;

/**
 * Builds the worker's one async S3 client from an {@link S3Config}.
 *
 * <p>HTTP: the SDK's Netty client (resolved against our Netty 4.2 through the netty-bom) with
 * its own small event loop group; sharing the worker's group was not measured, so it is not
 * done. Concurrency is bounded by {@code maxConcurrency} connections, and every timeout is set
 * explicitly because the SDK sets none by default. Retries: the SDK's standard strategy
 * (exponential backoff with jitter, throttling-aware; its token bucket only when
 * {@link S3Config#retryQuota()}) for throttling, 5xx and I/O errors, within the per-call timeout, and within
 * the request's deadline for page reads ({@link S3ObjectSource#readAsync}). Checksums only when S3 requires them: ranged GETs cannot be validated
 * against a whole-object checksum anyway, and pages carry their own CRC32C to the client.
 */
final class S3Clients {
  private S3Clients() {}

  static S3AsyncClient create(S3Config config) {
    NettyNioAsyncHttpClient.Builder http = NettyNioAsyncHttpClient.builder()
        .maxConcurrency(config.maxConcurrency())
        .connectionTimeout(config.connectTimeout())
        .connectionAcquisitionTimeout(config.callTimeout())
        .readTimeout(config.attemptTimeout())
        .writeTimeout(config.attemptTimeout());
    AwsCredentialsProvider credentials = config.staticAccessKeyId() != null
        ? StaticCredentialsProvider.create(AwsBasicCredentials.create(config.staticAccessKeyId(), config.staticSecretAccessKey()))
        : DefaultCredentialsProvider.builder().build();
    S3AsyncClientBuilder builder = S3AsyncClient.builder()
        .httpClientBuilder(http)
        .region(Region.of(config.region()))
        .forcePathStyle(config.pathStyle())
        .credentialsProvider(credentials)
        .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
        .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
        .overrideConfiguration(o -> o
            .apiCallTimeout(config.callTimeout())
            .apiCallAttemptTimeout(config.attemptTimeout())
            .retryStrategy(retryStrategy(config)));
    if (config.endpoint() != null) {
      builder.endpointOverride(config.endpoint());
    }
    return builder.build();
  }

  /**
   * The SDK's standard strategy with AWS's retry conditions (throttling codes, 5xx, I/O): its
   * retry quota only when configured, and throttled retries backing off from the configured base.
   * Every attempt still ends with the request's deadline ({@link S3ObjectSource#readAsync}).
   */
  static StandardRetryStrategy retryStrategy(S3Config config) {
    return AwsRetryStrategy.standardRetryStrategy().toBuilder()
        .maxAttempts(config.maxRetries() + 1)
        .circuitBreakerEnabled(config.retryQuota())
        .throttlingBackoffStrategy(
            BackoffStrategy.exponentialDelay(config.throttleBackoffBase(), config.throttleBackoffMax()))
        .build();
  }
}
