package io.streamtrain.ingest;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamtrain.core.HadoopFiles;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Range mode's record of which offsets each run id read, one JSON file per run under the warehouse. A run's range is
 * written before its data (planned) and marked committed after, so a re-run of the id reads exactly the same
 * offsets, and a run that died between the two is finished before any new range is drawn.
 */
final class OffsetLedger {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final HadoopFiles files;
    private final Configuration conf;
    private final String dir;

    OffsetLedger(HadoopFiles files, Configuration conf, String dir) {
        this.files = files;
        this.conf = conf;
        this.dir = dir;
    }

    Optional<OffsetRange> find(String runId) {
        String path = dir + "/" + runId + ".json";
        return files.exists(path) ? Optional.of(read(path)) : Optional.empty();
    }

    void save(String runId, OffsetRange range) {
        try {
            files.writeString(dir + "/" + runId + ".json", JSON.writeValueAsString(range));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every run id with its range, in no particular order. */
    Map<String, OffsetRange> all() {
        Map<String, OffsetRange> out = new LinkedHashMap<>();
        try {
            Path p = new Path(dir);
            var fs = p.getFileSystem(conf);
            if (!fs.exists(p)) {
                return out;
            }
            for (FileStatus status : fs.listStatus(p)) {
                String name = status.getPath().getName();
                if (name.endsWith(".json")) {
                    out.put(name.substring(0, name.length() - 5), read(status.getPath().toString()));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot list " + dir, e);
        }
        return out;
    }

    /** Per partition, the highest end offset any run of {@code topic} claimed. */
    Map<Integer, Long> claimedEnd(String topic) {
        Map<Integer, Long> end = new HashMap<>();
        for (OffsetRange r : all().values()) {
            if (r.topic().equals(topic)) {
                r.end().forEach((p, o) -> end.merge(p, o, Math::max));
            }
        }
        return end;
    }

    boolean isEmpty() {
        return all().isEmpty();
    }

    private OffsetRange read(String path) {
        try {
            return JSON.readValue(files.readString(path), OffsetRange.class);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read offset range " + path, e);
        }
    }
}
