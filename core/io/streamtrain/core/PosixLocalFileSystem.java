package io.streamtrain.core;

import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.apache.hadoop.fs.permission.FsPermission;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.Set;

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
            Set<PosixFilePermission> bits = posix(permission.toShort());
            if (bits == null) {
                super.setPermission(p, permission);
                return;
            }
            try {
                Files.setPosixFilePermissions(pathToFile(p).toPath(), bits);
            } catch (UnsupportedOperationException notPosix) {
                super.setPermission(p, permission);
            }
        }
    }

    /** The nine permission bits of {@code mode} as a set, or null when it has bits beyond them (the sticky bit). */
    static Set<PosixFilePermission> posix(int mode) {
        if ((mode & ~0777) != 0) {
            return null;
        }
        Set<PosixFilePermission> bits = EnumSet.noneOf(PosixFilePermission.class);
        PosixFilePermission[] order = {
            PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_EXECUTE,
            PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_EXECUTE,
            PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE,
        };
        for (int i = 0; i < order.length; i++) {
            if ((mode & (0400 >> i)) != 0) {
                bits.add(order[i]);
            }
        }
        return bits;
    }
}
