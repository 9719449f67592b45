package io.streamtrain.jobs.cli;

import io.streamtrain.jobs.AppConfig;
import io.streamtrain.core.stage.StagePlan;

import java.util.List;

/** The text {@code --dry-run} prints: each stage's inputs and outputs, then the effective settings. */
public final class Plans {

    private Plans() {
    }

    /** A command that is not a pipeline of stages (sql, a benchmark): its one plan. */
    public static String describe(String command, StagePlan plan, AppConfig config) {
        return header("plan: " + command, List.of(plan), config);
    }

    public static String describe(String runId, List<StagePlan> plans, AppConfig config) {
        return header("plan: run " + runId, plans, config);
    }

    private static String header(String title, List<StagePlan> plans, AppConfig config) {
        StringBuilder sb = new StringBuilder();
        sb.append(title).append(", ").append(plans.size())
                .append(plans.size() == 1 ? " stage" : " stages")
                .append(" (dry run: every check passed; nothing was started or written)").append(System.lineSeparator());
        for (StagePlan plan : plans) {
            sb.append(plan.describe()).append(System.lineSeparator());
        }
        sb.append(System.lineSeparator()).append("effective settings (secrets redacted):").append(System.lineSeparator())
                .append(config.render());
        return sb.toString();
    }
}
