package io.streamtrain.core;

import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.apache.hadoop.fs.permission.FsPermission;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Hadoop's local file system, setting permissions through Java's own POSIX calls. Without Hadoop's native library
 * (libhadoop, not on this project's classpath) {@code RawLocalFileSystem.setPermission} forks a {@code chmod} process
 * for every file and folder Spark creates: a quarter of the busy executor samples of {@code bench continuous}
 * (docs/benchmarks.md). conf/local.conf names this class as {@code spark.hadoop.fs.file.impl}; the permissions set
 * are the same bits.
 */
public final class PosixLocalFileSystem extends LocalFileSystem {

    public PosixLocalFileSystem() {
        super(new Raw());
    }

    /** The raw file system beneath the checksums. */
    static final class Raw extends RawLocalFileSystem {

        @Override
        public void setPermission(Path p, FsPermission permission) throws IOException {
            // Only the mode bits: a subclass (create's masked and unmasked modes, say) prints itself otherwise.
            FsPermission mode = new FsPermission(permission.toShort());
            if (mode.getStickyBit()) {
                super.setPermission(p, permission);
                return;
            }
            try {
                // A plain FsPermission prints its nine bits as ls does ("rwxr-x---"), which is what java.nio parses.
                Files.setPosixFilePermissions(pathToFile(p).toPath(), PosixFilePermissions.fromString(mode.toString()));
            } catch (UnsupportedOperationException notPosix) {
                super.setPermission(p, permission);
            }
        }
    }
}
