package io.streamtrain.core;

import io.streamtrain.jobs.AppConfig;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Which commit a warehouse gets, what its session must hold, and the settings that would break it. */
class WarehouseCommitTest {

    private static final String S3 = "s3a://bucket/streamtrain";
    private static final UnaryOperator<String> AS_IS = k -> k;

    private static SparkSettings spark(String... overrides) {
        return AppConfig.from(ConfigLoader.load(null, List.of(overrides))).spark();
    }

    @Test
    void onlyAnS3aWarehouseCommitsWithS3AsStagingCommitter() {
        assertThat(WarehouseCommit.of(S3)).isEqualTo(WarehouseCommit.S3A_STAGING);
        assertThat(WarehouseCommit.of("S3A://bucket/x")).isEqualTo(WarehouseCommit.S3A_STAGING);
        assertThat(WarehouseCommit.of("hdfs://namenode:8020/warehouse")).isEqualTo(WarehouseCommit.RENAME);
        assertThat(WarehouseCommit.of("./warehouse")).isEqualTo(WarehouseCommit.RENAME);
        assertThat(WarehouseCommit.of("file:/tmp/warehouse")).isEqualTo(WarehouseCommit.RENAME);
    }

    @Test
    void anS3aWarehousesSessionCommitsThroughSparkHadoopCloudAndThePartitionedCommitter() {
        SparkSettings s3 = spark("warehouse=\"" + S3 + "\"");
        assertThat(s3.commit()).isEqualTo(WarehouseCommit.S3A_STAGING);
        assertThat(s3.conf())
                .containsEntry("spark.sql.sources.commitProtocolClass", WarehouseCommit.COMMIT_PROTOCOL)
                .containsEntry("spark.hadoop.fs.s3a.committer.name", "partitioned")
                .containsEntry("spark.hadoop.fs.s3a.committer.abort.pending.uploads", "false")
                .containsEntry("spark.sql.streaming.checkpointFileManagerClass",
                        "org.apache.spark.internal.io.cloud.AbortableStreamBasedCheckpointFileManager")
                // The user's own settings stay.
                .containsEntry("spark.serializer", "org.apache.spark.serializer.KryoSerializer");

        SparkSettings local = spark();
        assertThat(local.commit()).isEqualTo(WarehouseCommit.RENAME);
        assertThat(local.conf()).doesNotContainKeys("spark.sql.sources.commitProtocolClass",
                "spark.hadoop.fs.s3a.committer.name");
    }

    @Test
    void credentialsInTheConfigurationAreRefusedWithoutEchoingThem() {
        for (String key : List.of("spark.hadoop.fs.s3a.secret.key", "spark.hadoop.fs.s3a.access.key",
                "spark.hadoop.fs.s3a.session.token", "spark.hadoop.fs.s3a.bucket.logs.secret.key",
                "spark.hadoop.fs.s3a.bucket.logs.example.com.access.key")) {
            assertThatThrownBy(() -> spark("warehouse=\"" + S3 + "\"", "spark.conf.\"" + key + "\"=\"hunter2-x\""))
                    .isInstanceOf(ConfigException.class)
                    .hasMessageContaining("spark.conf.\"" + key + "\"")
                    .hasMessageContaining("AWS_SECRET_ACCESS_KEY")
                    .hasMessageNotContaining("hunter2-x");
        }
    }

    @Test
    void aSettingThatWouldChangeTheCommitIsRefusedNamingWhereItCameFrom() {
        assertThatThrownBy(() -> spark("warehouse=\"" + S3 + "\"",
                "spark.conf.\"spark.hadoop.fs.s3a.committer.name\"=\"magic\""))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("'spark.conf.\"spark.hadoop.fs.s3a.committer.name\"'")
                .hasMessageContaining("needs 'partitioned' here");
        assertThatThrownBy(() -> spark("warehouse=\"" + S3 + "\"",
                "spark.conf.\"spark.hadoop.fs.s3a.committer.staging.conflict-mode\"=\"fail\""))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("sets it per write");
        assertThatThrownBy(() -> WarehouseCommit.S3A_STAGING.requireCompatible(
                Map.of("spark.sql.sources.commitProtocolClass",
                        "org.apache.spark.sql.execution.datasources.SQLHadoopMapReduceCommitProtocol"),
                k -> "spark-submit --conf " + k))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("spark-submit --conf spark.sql.sources.commitProtocolClass");
        // The same settings mean nothing to a warehouse on HDFS.
        WarehouseCommit.RENAME.requireCompatible(Map.of("spark.hadoop.fs.s3a.committer.name", "magic"), AS_IS);
    }

    @Test
    void aClasspathWithoutS3AIsRefusedNamingTheJar() {
        assertThatThrownBy(() -> WarehouseCommit.requireOnClasspath(S3, "org.example.Missing", "hadoop-aws"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("'" + S3 + "' for 'warehouse'")
                .hasMessageContaining("needs hadoop-aws on the classpath (org.example.Missing is missing)");
    }

    @Test
    void aClusterWithoutASharedFileSystemIsRefusedUnlessTheStagingFolderIsNamed() {
        assertThatThrownBy(() -> WarehouseCommit.S3A_STAGING.requireSharedStaging(Map.of(), "file:///"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("spark.conf.\"spark.hadoop.fs.s3a.committer.staging.tmp.path\"")
                .hasMessageContaining("the default file system is file:///");
        assertThatThrownBy(() -> WarehouseCommit.S3A_STAGING.requireSharedStaging(
                Map.of("spark.hadoop.fs.defaultFS", "file:///"), "hdfs://namenode:8020"))
                .isInstanceOf(ConfigException.class);
        WarehouseCommit.S3A_STAGING.requireSharedStaging(Map.of(), "hdfs://namenode:8020");
        WarehouseCommit.S3A_STAGING.requireSharedStaging(Map.of(WarehouseCommit.STAGING_PATH, "file:/mnt/shared/x"),
                "file:///");
        WarehouseCommit.RENAME.requireSharedStaging(Map.of(), "file:///");
    }

    @Test
    void aLocalMasterStagesUnderTheTemporaryFolderAndAnHdfsWarehouseNeedsNothing() {
        assertThat(WarehouseCommit.S3A_STAGING.localStaging().get(WarehouseCommit.STAGING_PATH))
                .isEqualTo("file:" + System.getProperty("java.io.tmpdir") + "/streamtrain-s3a-staging-"
                        + System.getProperty("user.name"));
        assertThat(WarehouseCommit.RENAME.localStaging()).isEmpty();
        assertThat(WarehouseCommit.RENAME.sessionConf("/tmp/w", Map.of(), AS_IS)).isEmpty();
    }
}
