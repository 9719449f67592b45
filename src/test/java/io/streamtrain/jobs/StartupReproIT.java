package io.streamtrain.jobs;

import io.streamtrain.testing.ChildJvm;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Outside CI ({@code mvn verify -Pstartup-repro}, about 10 minutes): {@link StartupRepro} run
 * {@code -Dstartup.repro.runs} times (100 by default), with the backend's start swept from 1 s after Spark's to 1.5 s
 * before it. Each run must exit 0 within 60 s; a run that does not is a hang, and before it is killed its evidence is
 * kept under {@code target/startup-repro/run-N}: {@code jstack -l}, {@code jhsdb jstack --mixed} (Java and native
 * frames, also when the JVM does not answer) and {@code gdb}'s backtrace of every native thread.
 */
class StartupReproIT {

    private static final long LIMIT_SECONDS = 60;
    private static final long FROM_MS = -1000;
    private static final long TO_MS = 1500;

    @Test
    void theStartUpOfACommandThatLoadsNd4jEndsEveryTime() throws Exception {
        int runs = Integer.getInteger("startup.repro.runs", 100);
        Path evidence = Path.of("target", "startup-repro").toAbsolutePath();
        Files.createDirectories(evidence);
        List<String> hung = new ArrayList<>();
        for (int i = 0; i < runs; i++) {
            long offset = FROM_MS + (TO_MS - FROM_MS) * i / Math.max(1, runs - 1);
            Path dir = evidence.resolve("run-" + i);
            Files.createDirectories(dir);
            Process child = ChildJvm.start(StartupRepro.class, List.of(String.valueOf(offset)),
                    dir.resolve("out.txt"), dir.resolve("err.txt"));
            if (!child.waitFor(LIMIT_SECONDS, TimeUnit.SECONDS)) {
                hung.add("run " + i + " (offset " + offset + " ms): " + dir);
                collect(child.pid(), dir);
                child.destroyForcibly().waitFor();
            } else {
                assertThat(child.exitValue()).as("run %d: %s", i, Files.readString(dir.resolve("err.txt"))).isZero();
            }
        }
        assertThat(hung).as("start-ups that hung, with their thread dumps").isEmpty();
    }

    private static void collect(long pid, Path dir) throws IOException, InterruptedException {
        String p = String.valueOf(pid);
        run(dir.resolve("jstack.txt"), "jstack", "-l", p);
        run(dir.resolve("jhsdb.txt"), "jhsdb", "jstack", "--mixed", "--pid", p);
        run(dir.resolve("gdb.txt"), "gdb", "-p", p, "-batch", "-ex", "thread apply all bt");
    }

    private static void run(Path output, String... command) throws IOException, InterruptedException {
        Process tool = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile()).start();
        if (!tool.waitFor(2, TimeUnit.MINUTES)) {
            tool.destroyForcibly();
        }
    }
}
