package io.streamtrain.jobs;

import io.streamtrain.core.Warehouse;

/** The closing lines a run prints: what each stage did and where its output is. */
final class Summary {

    private Summary() {
    }

    static String of(Pipeline.Outcome o, Warehouse warehouse) {
        StringBuilder sb = new StringBuilder();
        if (o.produced() != null) {
            sb.append(String.format("produce:    %d records published%n", o.produced()));
        }
        if (o.ingested() != null) {
            sb.append(String.format("ingest:     %d read = %d landed + %d quarantined (%d batches)%n",
                    o.ingested().read(), o.ingested().landed(), o.ingested().quarantined(), o.ingested().batches()));
        }
        if (o.curated() != null && o.curated().batches() == 0) {
            sb.append(String.format("preprocess: nothing new: every landing batch is curated (scaler %s)%n",
                    o.curated().scalerVersion()));
        } else if (o.curated() != null) {
            sb.append(String.format("preprocess: %d new batches, %d landed -> train %d, validation %d, test %d,"
                            + " quarantined %d (%d duplicates); scaler %s%n", o.curated().batches(),
                    o.curated().landed(), o.curated().train(), o.curated().validation(), o.curated().test(),
                    o.curated().quarantined(), o.curated().duplicates(), o.curated().scalerVersion()));
        }
        if (o.trained() != null && o.trained().history().isEmpty()) {
            sb.append(String.format("train:      nothing new to fine-tune model %s on%n", o.trained().runId()));
        } else if (o.trained() != null) {
            var last = o.trained().history().get(o.trained().history().size() - 1);
            sb.append(String.format("train:      run %s, %d epochs, final loss %.4f, %.0f samples/s -> %s%n",
                    o.trained().runId(), o.trained().history().size(), last.loss(), last.samplesPerSec(),
                    warehouse.model(o.trained().runId())));
        }
        if (o.evaluated() != null) {
            sb.append('\n').append(o.evaluated().markdown()).append('\n');
            sb.append(String.format("evaluate:   accuracy %.4f -> %s%n", o.evaluated().accuracy(),
                    warehouse.report(o.evaluated().runId())));
            if (o.evaluated().decision() != null) {
                var d = o.evaluated().decision();
                sb.append(String.format("gate:       %s %s (champion before: %s)%s%n", d.outcome().column(),
                        d.candidate(), d.champion() == null ? "none" : d.champion(),
                        d.rejected() ? "; exit code 3" : ""));
            }
        }
        return sb.toString();
    }
}
