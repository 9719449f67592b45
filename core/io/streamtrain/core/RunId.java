package io.streamtrain.core;

import java.time.Clock;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.regex.Pattern;

/**
 * Names one scheduled or manual run. Re-running with the same id rewrites that run's outputs, which is what makes
 * Airflow retries safe. Ids go into paths, so they are restricted to a path-safe alphabet.
 */
public final class RunId {

    private static final Pattern VALID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    // To the millisecond: two commands started in the same second are two runs (a produce ledger, a model bundle).
    private static final DateTimeFormatter FORMAT = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss.SSS'Z'")
            .withZone(ZoneOffset.UTC);

    private RunId() {
    }

    public static String generate(Clock clock) {
        return FORMAT.format(clock.instant());
    }

    public static String validate(String runId) {
        if ("latest".equalsIgnoreCase(runId)) {
            throw new ConfigException("--run-id", runId, "is reserved: models/latest points at the newest model;"
                    + " choose another id");
        }
        if (runId == null || !VALID.matcher(runId).matches()) {
            throw new ConfigException("--run-id", runId, "must be 1-64 characters of letters, digits, '.', '_' or '-'"
                    + " starting with a letter or digit");
        }
        return runId;
    }
}
