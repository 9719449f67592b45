package io.streamtrain.core;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.CommonPathCapabilities;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;

import static org.assertj.core.api.Assertions.assertThat;

/** The small files the pipeline commits whole (checkpoint state, run logs, ledgers, pointers). */
class HadoopFilesTest {

    @TempDir
    java.nio.file.Path dir;

    /**
     * Hadoop's local file system renames a file and its checksum one after the other; a process killed between the
     * two left a file it then refused to read. Written files carry no checksum, and replacing one that has a stale
     * checksum removes it, so no moment of the write leaves a file and a checksum that disagree.
     */
    @Test
    void aRewrittenFileHasNoChecksumThatCouldDisagreeWithIt() throws Exception {
        HadoopFiles files = new HadoopFiles(new Configuration());
        String path = dir.resolve("state.json").toUri().toString();
        java.nio.file.Path checksum = dir.resolve(".state.json.crc");

        // As an earlier version wrote it: through the checksummed file system, with a .crc beside it.
        LocalFileSystem local = FileSystem.getLocal(new Configuration());
        try (FSDataOutputStream out = local.create(new Path(path), true)) {
            out.write("{\"epoch\":1}".getBytes(StandardCharsets.UTF_8));
        }
        assertThat(checksum).exists();

        files.writeString(path, "{\"epoch\":2}");
        assertThat(checksum).doesNotExist();
        assertThat(files.readString(path)).isEqualTo("{\"epoch\":2}");

        files.writeString(path, "{\"epoch\":3, \"longer\": true}");
        assertThat(checksum).doesNotExist();
        assertThat(files.readString(path)).isEqualTo("{\"epoch\":3, \"longer\": true}");
        try (var listed = Files.list(dir)) {
            assertThat(listed.map(p -> p.getFileName().toString())).containsExactly("state.json");
        }
    }

    /**
     * On a store whose output streams publish an object only when closed (S3A), a small file is written as itself,
     * whole: a file system that says so and refuses every rename still gets its pointer replaced.
     */
    @Test
    void onAStoreThatPublishesOnCloseAFileIsWrittenWithoutARename() throws Exception {
        Configuration conf = new Configuration();
        conf.set("fs.publishes.impl", PublishesOnClose.class.getName());
        conf.setBoolean("fs.publishes.impl.disable.cache", true);
        HadoopFiles files = new HadoopFiles(conf);
        String pointer = "publishes://" + dir.resolve("champion").toAbsolutePath();

        files.writeString(pointer, "run-1\n");
        files.writeString(pointer, "run-2\n");

        assertThat(files.readString(pointer)).isEqualTo("run-2\n");
        try (var listed = Files.list(dir)) {
            assertThat(listed.map(p -> p.getFileName().toString())).containsExactly("champion");
        }
    }

    /** The local disk under another scheme, claiming S3A's abortable streams and refusing renames. */
    public static final class PublishesOnClose extends RawLocalFileSystem {
        @Override
        public URI getUri() {
            return URI.create("publishes:///");
        }

        @Override
        public boolean hasPathCapability(Path path, String capability) throws IOException {
            return capability.equals(CommonPathCapabilities.ABORTABLE_STREAM) || super.hasPathCapability(path,
                    capability);
        }

        @Override
        public boolean rename(Path src, Path dst) {
            throw new UnsupportedOperationException("no renames on this store: " + src + " -> " + dst);
        }
    }

    /** A writer killed between writing its temporary file and renaming it left the file; the next write removes it. */
    /**
     * A table being written holds its new files in a hidden staging folder until the job commits: those are not data
     * yet (Spark's readers skip them), and they may vanish while a listing walks them (found by continuous, where
     * preprocess plans while ingest commits).
     */
    @Test
    void filesOnlyInAWritersHiddenStagingFolderAreNotData() throws Exception {
        HadoopFiles files = new HadoopFiles(new Configuration());
        java.nio.file.Path table = dir.resolve("landing");
        Files.createDirectories(table.resolve(".spark-staging-1/batch=stream-3"));
        Files.writeString(table.resolve(".spark-staging-1/batch=stream-3/part-0.parquet"), "x");
        Files.createDirectories(table.resolve("_temporary/0"));
        Files.writeString(table.resolve("_temporary/0/part-1.parquet"), "x");
        assertThat(files.containsFile(table.toString(), ".parquet")).isFalse();
        Files.createDirectories(table.resolve("batch=stream-2"));
        Files.writeString(table.resolve("batch=stream-2/part-0.parquet"), "x");
        assertThat(files.containsFile(table.toString(), ".parquet")).isTrue();
    }

    @Test
    void theNextWriteRemovesWhatAKilledWriterLeft() throws Exception {
        HadoopFiles files = new HadoopFiles(new Configuration());
        Files.writeString(dir.resolve("._tmp-run.json-5c3e0b8e-killed"), "{\"half\":");
        Files.writeString(dir.resolve("._tmp-other.json-5c3e0b8e-in-flight"), "{}");

        files.writeString(dir.resolve("run.json").toUri().toString(), "{\"stages\":[]}");
        try (var listed = Files.list(dir)) {
            assertThat(listed.map(p -> p.getFileName().toString()))
                    .containsExactlyInAnyOrder("run.json", "._tmp-other.json-5c3e0b8e-in-flight");
        }
    }
}
