package io.needle.worker;

import io.needle.protocol.proto.ErrorCode;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

class TableScopeTest {
  @TempDir
  Path tmp;

  Path root;
  Path outside;
  TableScope scope;

  @BeforeEach
  void setUp() throws Exception {
    root = Files.createDirectories(tmp.resolve("root"));
    outside = Files.createDirectories(tmp.resolve("outside"));
    Files.createDirectories(root.resolve("t"));
    Files.writeString(outside.resolve("secret.parquet"), "x");
    Files.createSymbolicLink(root.resolve("link"), outside);
    scope = new TableScope(List.of(root));
  }

  @Test
  void resolvesTablesInsideTheRootByUriOrPath() throws Exception {
    Path real = root.resolve("t").toRealPath();
    assertThat(scope.resolve(root.resolve("t").toUri().toString())).isEqualTo(real);
    assertThat(scope.resolve(root.resolve("t").toString())).isEqualTo(real);
    assertThat(scope.resolve("file://" + root + "/t/../t")).isEqualTo(real);
  }

  @Test
  void refusesEscapesInEveryEncodingWithPermissionDenied() {
    List<String> escapes = List.of(
        "file://" + root + "/../outside",
        "file://" + root + "/../outside/secret.parquet",
        "file://" + root + "/t/%2e%2e/%2e%2e/outside",
        "file://" + root + "/t/%2E%2E/%2E%2E/outside/secret.parquet",
        root + "/../outside",
        "file://" + root + "/link",
        "file://" + root + "/link/secret.parquet",
        "/etc/passwd",
        "file:///etc/passwd",
        "file://" + outside + "/does-not-exist");
    for (String uri : escapes) {
      ServiceException e = catchThrowableOfType(ServiceException.class, () -> scope.resolve(uri));
      assertThat(e).as(uri).isNotNull();
      assertThat(e.code()).as(uri).isEqualTo(ErrorCode.PERMISSION_DENIED);
    }
  }

  @Test
  void answersTheSameForExistingAndMissingTargetsOutsideTheRoots() {
    ServiceException existing = catchThrowableOfType(ServiceException.class,
        () -> scope.resolve(outside.resolve("secret.parquet").toString()));
    ServiceException missing = catchThrowableOfType(ServiceException.class,
        () -> scope.resolve(outside.resolve("secret.parquex").toString()));
    assertThat(existing.code()).isEqualTo(missing.code()).isEqualTo(ErrorCode.PERMISSION_DENIED);
  }

  @Test
  void doubleEncodedDotsStayLiteralNamesInsideTheRoot() {
    ServiceException e = catchThrowableOfType(ServiceException.class,
        () -> scope.resolve("file://" + root + "/t/%252e%252e/%252e%252e/outside"));
    assertThat(e.code()).isEqualTo(ErrorCode.NOT_FOUND);
  }

  @Test
  void rejectsOtherSchemesHostsQueriesAndNul() {
    for (String uri : List.of("s3://bucket/t", "http://127.0.0.1/t", "s3a://b/t", "file://otherhost" + root + "/t",
        "file://" + root + "/t?versionId=1", "file://" + root + "/t#x", root + "/t\0", "", "x".repeat(5000))) {
      ServiceException e = catchThrowableOfType(ServiceException.class, () -> scope.resolve(uri));
      assertThat(e).as(uri).isNotNull();
      assertThat(e.code()).as(uri).isEqualTo(ErrorCode.INVALID_ARGUMENT);
    }
  }

  @Test
  void keepsControlCharactersOutOfMessages() {
    ServiceException e = catchThrowableOfType(ServiceException.class, () -> scope.resolve("s3://b/x\ninjected line"));
    assertThat(e.getMessage()).doesNotContain("\n");
  }
}
