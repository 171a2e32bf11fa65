package io.needle.worker;

import io.needle.protocol.proto.ErrorCode;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** S3 table URIs: canonical form, the root check, and what is refused (with the code a client sees). */
class S3LocationTest {
  @Test
  void parsesToACanonicalPrefixEndingInSlash() throws Exception {
    assertThat(S3Location.parse("s3://my-bucket/a/b")).isEqualTo(new S3Location("my-bucket", "a/b/"));
    assertThat(S3Location.parse("s3://my-bucket/a/b/")).isEqualTo(new S3Location("my-bucket", "a/b/"));
    assertThat(S3Location.parse("s3://my-bucket")).isEqualTo(new S3Location("my-bucket", ""));
    assertThat(S3Location.parse("S3://my-bucket/x").uri()).isEqualTo("s3://my-bucket/x/");
  }

  @Test
  void refusesDotSegmentsEmptySegmentsAndBadBuckets() {
    for (String bad : List.of("s3://b1b/a/../c", "s3://b1b/./a", "s3://b1b/a//c", "s3://B_ad/a", "s3:///a",
        "s3://b1b/a\\..\\c", "s3://b1b/a?x=1", "s3://b1b/a\nb", "file:///tmp")) {
      assertThatThrownBy(() -> S3Location.parse(bad)).as(bad)
          .isInstanceOfSatisfying(ServiceException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT));
    }
  }

  @Test
  void aTableMustBeUnderARootOnASegmentBoundaryInTheSameBucket() throws Exception {
    TableScope scope = new TableScope(List.of(), List.of(S3Location.parseRoot("s3://lake/tables/")));
    assertThat(scope.resolveS3("s3://lake/tables/users")).isEqualTo(new S3Location("lake", "tables/users/"));
    assertThat(scope.resolveS3("s3://lake/tables")).isEqualTo(new S3Location("lake", "tables/"));
    for (String outside : List.of("s3://lake/tablesX/users", "s3://lake/other", "s3://lake", "s3://other/tables/users")) {
      assertThatThrownBy(() -> scope.resolveS3(outside)).as(outside)
          .isInstanceOfSatisfying(ServiceException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.PERMISSION_DENIED));
    }
  }

  @Test
  void onlyVisibleNonEmptyParquetObjectsAreTableFiles() {
    assertThat(S3Tables.isTableFile("part-0.parquet", 10)).isTrue();
    assertThat(S3Tables.isTableFile("year=2024/part-0.PARQUET", 10)).isTrue();
    assertThat(S3Tables.isTableFile("part-0.parquet", 0)).isFalse();
    assertThat(S3Tables.isTableFile("_SUCCESS", 10)).isFalse();
    assertThat(S3Tables.isTableFile("_tmp/part-0.parquet", 10)).isFalse();
    assertThat(S3Tables.isTableFile(".hidden/part-0.parquet", 10)).isFalse();
    assertThat(S3Tables.isTableFile("notes.txt", 10)).isFalse();
  }
}
