package io.streamtrain.core;

import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.CommonPathCapabilities;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileContext;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Options;
import org.apache.hadoop.fs.Path;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Small files (pointers, JSON side cars, reports) on any Hadoop file system: local, HDFS or S3. Every write replaces
 * a file whole ({@link #writeBytes}).
 */
public final class HadoopFiles {

    private final Configuration conf;

    public HadoopFiles(Configuration conf) {
        this.conf = conf;
    }

    /**
     * The file systems a job will see, built before any Spark session: Hadoop's own configuration (core-site.xml on
     * the classpath or in HADOOP_CONF_DIR) plus every {@code spark.hadoop.*} setting, from spark-submit's system
     * properties or the config, as Spark itself would pass them on.
     */
    public static HadoopFiles beforeSpark(SparkSettings settings) {
        return withSparkHadoopSettings(settings.conf());
    }

    /**
     * The file systems as spark-submit's system properties alone configure them: before any configuration file is
     * read (it may itself be on one of them, see {@link ConfigLocation}).
     */
    public static HadoopFiles fromSparkSubmit() {
        return withSparkHadoopSettings(Map.of());
    }

    /** Hadoop's own configuration, then {@code spark.hadoop.*} of {@code settings}, then of the system properties. */
    private static HadoopFiles withSparkHadoopSettings(Map<String, String> settings) {
        Configuration conf = new Configuration();
        Map<String, String> all = new HashMap<>(settings);
        all.putAll(SparkSettings.submitted());
        all.forEach((k, v) -> {
            if (k.startsWith("spark.hadoop.")) {
                conf.set(k.substring("spark.hadoop.".length()), v);
            }
        });
        return new HadoopFiles(conf);
    }

    public boolean exists(String path) {
        try {
            Path p = new Path(path);
            return p.getFileSystem(conf).exists(p);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot check " + path, e);
        }
    }

    /**
     * Whether any file under {@code dir}, at any depth, has a name ending in {@code suffix}, leaving out hidden files
     * and folders (names starting with {@code .} or {@code _}) as Spark's readers do: a writer's staging folder holds
     * files that are not data until its job commits, and may vanish while this looks.
     */
    public boolean containsFile(String dir, String suffix) {
        try {
            Path p = new Path(dir);
            return containsFile(p.getFileSystem(conf), p, suffix);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot list " + dir, e);
        }
    }

    private static boolean containsFile(FileSystem fs, Path dir, String suffix) throws IOException {
        FileStatus[] entries;
        try {
            entries = fs.listStatus(dir);
        } catch (FileNotFoundException e) {
            // Gone since its parent was listed (a committed writer's staging folder), or never there.
            return false;
        }
        for (FileStatus f : entries) {
            String name = f.getPath().getName();
            if (name.startsWith(".") || name.startsWith("_")) {
                continue;
            }
            if (f.isDirectory() ? containsFile(fs, f.getPath(), suffix) : name.endsWith(suffix)) {
                return true;
            }
        }
        return false;
    }

    /** Bytes of all files under {@code path} (0 if it does not exist): what a stage's input weighs on disk. */
    public long totalBytes(String path) {
        try {
            Path p = new Path(path);
            FileSystem fs = p.getFileSystem(conf);
            return fs.exists(p) ? fs.getContentSummary(p).getLength() : 0;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot measure " + path, e);
        }
    }

    /** The paths matching a glob such as {@code landing/*&#47;batch=*}, sorted; none when nothing matches. */
    public List<String> glob(String pattern) {
        try {
            Path p = new Path(pattern);
            FileStatus[] found = p.getFileSystem(conf).globStatus(p);
            List<String> out = new ArrayList<>();
            for (FileStatus f : found == null ? new FileStatus[0] : found) {
                out.add(f.getPath().toString());
            }
            out.sort(null);
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot list " + pattern, e);
        }
    }

    public String readString(String path) {
        Path p = new Path(path);
        try (InputStream in = p.getFileSystem(conf).open(p)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + path, e);
        }
    }

    public void writeString(String path, String content) {
        writeBytes(path, content.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Replaces {@code path}'s content so that a reader, also after a crash at any moment, finds the old content or the
     * new. On a file system with renames, through a hidden temporary sibling renamed over the file; on an object store
     * whose output streams publish an object only when closed (S3A), by writing the object itself.
     */
    public void writeBytes(String path, byte[] content) {
        Path target = new Path(path);
        try {
            FileSystem fs = target.getFileSystem(conf);
            if (fs.hasPathCapability(target, CommonPathCapabilities.ABORTABLE_STREAM)) {
                putWhole(fs, target, content);
                return;
            }
            String tmpPrefix = "._tmp-" + target.getName() + "-";
            Path tmp = new Path(target.getParent(), tmpPrefix + UUID.randomUUID());
            if (fs instanceof LocalFileSystem local) {
                replaceLocally(local, target, tmp, content);
            } else {
                fs.mkdirs(target.getParent());
                try (FSDataOutputStream out = fs.create(tmp, true)) {
                    out.write(content);
                }
                // One rename that replaces the target: readers see the old file or the new one, never neither
                // (atomic on HDFS; object stores copy).
                FileContext.getFileContext(fs.getUri(), conf).rename(tmp, target, Options.Rename.OVERWRITE);
            }
            // What a writer killed before its rename left of the same file.
            for (FileStatus leftover : fs.listStatus(target.getParent(),
                    p -> p.getName().startsWith(tmpPrefix))) {
                fs.delete(leftover.getPath(), false);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write " + path, e);
        }
    }

    /**
     * One object written in one piece: S3 makes it visible when its upload completes, replacing the old one, and a
     * stream aborted on a failure publishes nothing. A rename there would copy the object, and leave the temporary
     * one behind if the writer died between the copy and the delete.
     */
    private static void putWhole(FileSystem fs, Path target, byte[] content) throws IOException {
        FSDataOutputStream out = fs.create(target, true);
        try {
            out.write(content);
        } catch (IOException | RuntimeException e) {
            out.abort();
            throw e;
        }
        out.close();
    }

    /**
     * Hadoop's local file system keeps a checksum file beside each file ({@code .name.crc}) and renames the two one
     * after the other, so a process killed between the renames left a file that its checksum no longer matched, and
     * which Hadoop then refused to read ({@code ChecksumException}; a training killed while it checkpointed could not
     * resume). So the file is written without a checksum, through the raw file system: the stale checksum goes first
     * (the old file reads without one), then a single rename(2) replaces the file.
     */
    private static void replaceLocally(LocalFileSystem local, Path target, Path tmp, byte[] content)
            throws IOException {
        FileSystem raw = local.getRawFileSystem();
        raw.mkdirs(target.getParent());
        try (FSDataOutputStream out = raw.create(tmp, true)) {
            out.write(content);
        }
        raw.delete(local.getChecksumFile(target), false);
        if (!raw.rename(tmp, target)) {
            throw new IOException("cannot rename " + tmp + " to " + target);
        }
    }

    public OutputStream create(String path) {
        try {
            Path p = new Path(path);
            FileSystem fs = p.getFileSystem(conf);
            fs.mkdirs(p.getParent());
            return fs.create(p, true);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot create " + path, e);
        }
    }

    public InputStream open(String path) {
        try {
            Path p = new Path(path);
            return p.getFileSystem(conf).open(p);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot open " + path, e);
        }
    }

    public void deleteRecursively(String path) {
        try {
            Path p = new Path(path);
            p.getFileSystem(conf).delete(p, true);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot delete " + path, e);
        }
    }

    /** Creates folder {@code path} and its parents, or finds it there. */
    public void createFolder(String path) {
        try {
            Path p = new Path(path);
            p.getFileSystem(conf).mkdirs(p);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot create " + path, e);
        }
    }

    /** Moves file {@code from} to {@code to}, creating {@code to}'s folder; fails if {@code to} exists. */
    public void move(String from, String to) {
        Path source = new Path(from);
        Path target = new Path(to);
        try {
            FileSystem fs = target.getFileSystem(conf);
            fs.mkdirs(target.getParent());
            if (!fs.rename(source, target)) {
                throw new IOException("the file system refused to rename it (does " + to + " exist?)");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot move " + from + " to " + to + ": " + e.getMessage(), e);
        }
    }

    /** The last {@code n} bytes of file {@code path} (fewer when it is shorter), read without reading the rest. */
    public byte[] tail(String path, int n) {
        Path p = new Path(path);
        try {
            FileSystem fs = p.getFileSystem(conf);
            long length = fs.getFileStatus(p).getLen();
            byte[] out = new byte[(int) Math.min(n, length)];
            try (FSDataInputStream in = fs.open(p)) {
                in.readFully(length - out.length, out);
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + path, e);
        }
    }
}
