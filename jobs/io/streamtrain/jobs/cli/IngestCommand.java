package io.streamtrain.jobs.cli;

import io.streamtrain.ingest.IngestSettings;
import io.streamtrain.jobs.PipelineStage;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "ingest", mixinStandardHelpOptions = true,
        description = "Read the topic exactly once into landing/ and quarantine/.")
public final class IngestCommand extends PipelineStageCommand {
    @Option(names = "--mode", paramLabel = "MODE",
            description = "available-now (default: take everything up to now, then exit), stream (until stopped),"
                    + " or range (the offsets after the last range run, recorded with --run-id; a re-run of the"
                    + " same id rewrites the same output).")
    String mode;

    @Option(names = "--until", paramLabel = "INSTANT",
            description = "Range mode: only records stamped before this ISO-8601 instant, e.g. the end of a"
                    + " scheduler's data interval (2026-11-30T00:00:00Z).")
    String until;

    @Override
    Set<PipelineStage> pipelineStages() {
        return EnumSet.of(PipelineStage.INGEST);
    }

    @Override
    List<String> extraSettings() {
        List<String> settings = new ArrayList<>();
        if (mode != null) {
            settings.add(IngestSettings.MODE + "=" + mode);
        }
        if (until != null) {
            settings.add(IngestSettings.UNTIL + "=" + until);
        }
        return settings;
    }
}
