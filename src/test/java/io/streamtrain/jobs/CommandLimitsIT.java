package io.streamtrain.jobs;

import io.streamtrain.testing.ChildJvm;
import io.streamtrain.testing.LocalRuns;
import io.streamtrain.testing.StallingListener;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A command's time is bounded, as a scheduler needs: a start-up that stalls (injected: a Spark listener that never
 * returns from its constructor) ends with a thread dump and exit 125; SIGTERM ends a command within 30 s with 143,
 * even when a shutdown hook never returns; {@code --timeout} ends it with 124. Each command runs in its own JVM,
 * started as {@code jobs/bin/streamtrain} starts it.
 */
class CommandLimitsIT {

    @TempDir
    Path tmp;

    private record Ended(int exit, double seconds, String err) {
    }

    /** {@code sql} on a warehouse that has a table, its Spark start stalled by {@link StallingListener}. */
    private Process stalledSql(String... settings) throws IOException {
        Path warehouse = tmp.resolve("warehouse");
        Files.createDirectories(warehouse.resolve("landing"));
        Files.write(warehouse.resolve("landing/part-0.parquet"), new byte[0]);
        List<String> command = new ArrayList<>(List.of(LocalRuns.command(warehouse, "limits", "sql",
                "--set", "spark.conf.\"spark.extraListeners\"=" + StallingListener.class.getName())));
        for (String s : settings) {
            command.addAll(List.of("--set", s));
        }
        command.add("SELECT count(*) FROM landing");
        return ChildJvm.start(command, tmp.resolve("out.txt"), tmp.resolve("err.txt"));
    }

    private Ended waitFor(Process p, long start, int seconds) throws Exception {
        boolean ended = p.waitFor(seconds, TimeUnit.SECONDS);
        if (!ended) {
            p.destroyForcibly().waitFor();
        }
        assertThat(ended).as("ended within %d s", seconds).isTrue();
        return new Ended(p.exitValue(), (System.nanoTime() - start) / 1e9,
                Files.readString(tmp.resolve("err.txt"), StandardCharsets.UTF_8));
    }

    @Test
    void aStalledStartEndsWithAThreadDumpAndItsOwnCode() throws Exception {
        long start = System.nanoTime();
        Ended run = waitFor(stalledSql("command.startup-timeout=5s"), start, 120);
        assertThat(run.exit()).as(run.err()).isEqualTo(ExitCode.STARTUP_STALLED.code());
        assertThat(run.err()).contains("no progress", "command.startup-timeout", "thread dump")
                .contains(StallingListener.class.getName());
    }

    @Test
    void sigtermEndsTheCommandWithin30sEvenWhenAShutdownHookHangs() throws Exception {
        Process p = stalledSql("command.startup-timeout=10m", "spark.conf.\"spark.streamtrain.test.block-shutdown\"=true");
        // Until the JVM is well inside Spark's start: the hook is registered before the stall.
        Thread.sleep(12_000);
        assertThat(p.isAlive()).isTrue();
        long start = System.nanoTime();
        p.destroy();
        Ended run = waitFor(p, start, 60);
        assertThat(run.exit()).as(run.err()).isEqualTo(ExitCode.TERMINATED.code());
        assertThat(run.seconds()).isLessThan(30);
        assertThat(run.err()).as("the guard, not the stuck hook, ended it").contains("shutdown did not finish",
                "stuck-shutdown-hook");
    }

    @Test
    void aCommandPastItsTimeoutStopsWithItsOwnCode() throws Exception {
        long start = System.nanoTime();
        Process p = stalledSql("command.startup-timeout=10m", "command.timeout=8s");
        Ended run = waitFor(p, start, 120);
        assertThat(run.exit()).as(run.err()).isEqualTo(ExitCode.TIMED_OUT.code());
        assertThat(run.err()).contains("command.timeout");
        assertThat(run.seconds()).isLessThan(60);
    }
}
