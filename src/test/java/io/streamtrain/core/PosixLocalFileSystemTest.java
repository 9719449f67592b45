package io.streamtrain.core;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.permission.FsCreateModes;
import org.apache.hadoop.fs.permission.FsPermission;
import org.apache.hadoop.util.Shell.ExitCodeException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The local file system conf/local.conf names: Hadoop's permissions, set without forking chmod. */
class PosixLocalFileSystemTest {

    private static final short[] MODES = {00, 0400, 0600, 0640, 0644, 0700, 0750, 0755, 0777, 0111, 0222, 0070};

    @TempDir
    java.nio.file.Path dir;

    /** Every mode gives the file the same bits as Hadoop's own file system (a forked chmod) gives its twin. */
    @Test
    void setsTheSameBitsAsHadoopsChmod() throws Exception {
        FileSystem ours = open(PosixLocalFileSystem.class);
        FileSystem hadoops = open(LocalFileSystem.class);
        assertThat(ours).isInstanceOf(PosixLocalFileSystem.class);
        for (short mode : MODES) {
            FsPermission permission = new FsPermission(mode);
            Path mine = write(ours, "ours-" + mode);
            Path twin = write(hadoops, "hadoops-" + mode);
            ours.setPermission(mine, permission);
            hadoops.setPermission(twin, permission);

            assertThat(unixMode(mine)).as("mode %o", mode).isEqualTo(unixMode(twin)).isEqualTo(mode & 0777);
            assertThat(ours.getFileStatus(mine).getPermission()).isEqualTo(permission);
        }
    }

    /**
     * The bits go through java.nio, not a forked chmod: on a missing file the error is java.nio's (Hadoop's own way
     * fails with the chmod process's exit code).
     */
    @Test
    void permissionsAreSetWithoutAChmodProcess() throws Exception {
        FileSystem ours = open(PosixLocalFileSystem.class);
        FileSystem hadoops = open(LocalFileSystem.class);
        Path missing = new Path(dir.toUri().toString(), "missing");

        assertThatThrownBy(() -> ours.setPermission(missing, new FsPermission((short) 0644)))
                .isInstanceOf(NoSuchFileException.class);
        assertThatThrownBy(() -> hadoops.setPermission(missing, new FsPermission((short) 0644)))
                .isInstanceOf(ExitCodeException.class);
    }

    /** What Spark's writers call: a created file and a made folder get their requested permission, umask applied. */
    @Test
    void createAndMkdirsApplyTheirPermissions() throws Exception {
        Configuration conf = conf(PosixLocalFileSystem.class);
        conf.set("fs.permissions.umask-mode", "027");
        FileSystem fs = FileSystem.newInstance(URI.create("file:///"), conf);
        Path folder = new Path(dir.toUri().toString(), "a/b");
        assertThat(fs.mkdirs(folder, new FsPermission((short) 0777))).isTrue();
        Path file = new Path(folder, "part-0.parquet");
        try (FSDataOutputStream out = fs.create(file, new FsPermission((short) 0666), true, 4096, (short) 1,
                1 << 20, null)) {
            out.write(1);
        }

        assertThat(unixMode(file)).isEqualTo(0640);
        assertThat(unixMode(folder) & 0777).isEqualTo(0750);
        assertThat(fs.exists(new Path(folder, ".part-0.parquet.crc"))).as("the checksum beside it").isTrue();
    }

    /** A subclass that prints itself otherwise (create's masked and unmasked modes) still sets its mode bits. */
    @Test
    void aPermissionSubclassSetsItsModeBits() throws Exception {
        FileSystem ours = open(PosixLocalFileSystem.class);
        Path file = write(ours, "modes");
        ours.setPermission(file, FsCreateModes.create(new FsPermission((short) 0640), new FsPermission((short) 0666)));

        assertThat(unixMode(file)).isEqualTo(0640);
    }

    /** Bits Java cannot set (the sticky bit) go to Hadoop's own way, so they are never dropped. */
    @Test
    void theStickyBitFallsBackToHadoop() throws Exception {
        FileSystem ours = open(PosixLocalFileSystem.class);
        Path folder = new Path(dir.toUri().toString(), "shared");
        ours.mkdirs(folder);
        ours.setPermission(folder, new FsPermission((short) 01777));

        assertThat(unixMode(folder) & 07777).isEqualTo(01777);
    }

    private FileSystem open(Class<? extends FileSystem> impl) throws IOException {
        return FileSystem.newInstance(URI.create("file:///"), conf(impl));
    }

    private static Configuration conf(Class<? extends FileSystem> impl) {
        Configuration conf = new Configuration();
        conf.setClass("fs.file.impl", impl, FileSystem.class);
        return conf;
    }

    private Path write(FileSystem fs, String name) throws IOException {
        Path path = new Path(dir.toUri().toString(), name);
        try (FSDataOutputStream out = fs.create(path, true)) {
            out.write(name.getBytes(StandardCharsets.UTF_8));
        }
        return path;
    }

    private static int unixMode(Path path) throws IOException {
        return (Integer) Files.getAttribute(java.nio.file.Paths.get(path.toUri()), "unix:mode") & 07777;
    }
}
