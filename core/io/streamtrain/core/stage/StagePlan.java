package io.streamtrain.core.stage;

import java.util.List;

/**
 * What one stage will do, found by validating it without side effects: the inputs it reads and the outputs it
 * writes. {@code --dry-run} prints the plans; a stage that cannot run throws a {@link UserException} instead of
 * returning one.
 *
 * @param stage   the stage's command-line name
 * @param reads   what it reads: files, topics, tables, model bundles
 * @param writes  what it writes
 */
public record StagePlan(String stage, List<String> reads, List<String> writes) {

    public StagePlan {
        reads = List.copyOf(reads);
        writes = List.copyOf(writes);
    }

    /** Two lines: {@code ingest      reads  topic ... } and {@code writes ...}. */
    public String describe() {
        return String.format("%-11s reads  %s%n%-11s writes %s", stage, String.join(", ", reads), "",
                String.join(", ", writes));
    }
}
