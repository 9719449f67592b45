package io.streamtrain.train;

import io.streamtrain.core.Warehouse;
import io.streamtrain.jobs.StreamTrain;
import io.streamtrain.testing.Fixtures;
import io.streamtrain.testing.LocalRuns;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The same seed, data and settings train the same model, bit for bit, in local mode: two runs through the command
 * line, and a third killed with SIGKILL in the middle of an epoch and continued with {@code --resume}, end with
 * byte-identical parameters and optimizer state. The default MLP has dropout, and three averaging workers on two
 * task slots make the order in which workers finish vary, so both of the things that used to make runs differ are in
 * play.
 */
class ReproducibleTrainingIT {

    private static final Path ROOT = Fixtures.projectRoot();
    private static final String TOPIC = "reproducible-it";
    private static final int EPOCHS = 6;
    private static final String[] SETTINGS = {"--set", "train.epochs=" + EPOCHS, "--set", "train.workers=3",
            "--set", "train.early-stopping-patience=0"};

    @TempDir
    Path tmp;

    @Test
    void twoRunsAndAKilledAndResumedOneEndWithTheSameParameters() throws Exception {
        Path warehouse = tmp.resolve("warehouse");
        assertThat(StreamTrain.execute(LocalRuns.command(warehouse, TOPIC, "pipeline", "--stages",
                "produce,ingest,preprocess", "--input", Fixtures.fashionSlice().toString(), "--format", "idx")))
                .isZero();
        assertThat(train(warehouse, "first")).isZero();
        assertThat(train(warehouse, "second")).isZero();

        killMidEpoch(warehouse, "killed");
        assertThat(train(warehouse, "killed", "--resume")).isZero();

        Map<String, String> first = model(warehouse, "first");
        assertThat(first).containsKeys("coefficients.bin", "updaterState.bin");
        assertThat(model(warehouse, "second")).as("a second run").isEqualTo(first);
        assertThat(model(warehouse, "killed")).as("a run killed in epoch 3 or later, then resumed").isEqualTo(first);
    }

    private static int train(Path warehouse, String runId, String... more) {
        List<String> args = new ArrayList<>(List.of("--run-id", runId));
        args.addAll(List.of(SETTINGS));
        args.addAll(List.of(more));
        return StreamTrain.execute(LocalRuns.command(warehouse, TOPIC, "train", args.toArray(String[]::new)));
    }

    /**
     * Starts train as the packaged launcher in a process of its own, and kills it with SIGKILL once its checkpoint has
     * committed epoch 2, while it is training a later epoch.
     */
    private void killMidEpoch(Path warehouse, String runId) throws Exception {
        List<String> command = new ArrayList<>(List.of("bash", ROOT.resolve("jobs/bin/streamtrain").toString()));
        command.addAll(List.of(LocalRuns.command(warehouse, TOPIC, "train", "--run-id", runId)));
        command.addAll(List.of(SETTINGS));
        Path log = tmp.resolve("killed.log");
        ProcessBuilder pb = new ProcessBuilder(command).directory(ROOT.toFile())
                .redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("STREAMTRAIN_JAVA_OPTS", "-Xmx2g");
        Process train = pb.start();
        Path state = Path.of(new Warehouse(warehouse.toString()).model(runId), "checkpoint", "state.json");
        Pattern completed = Pattern.compile("\"completedEpochs\"\\s*:\\s*(\\d+)");
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(4);
        int epochs = 0;
        while (epochs < 2 && train.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(100);
            if (Files.exists(state)) {
                Matcher m = completed.matcher(Files.readString(state));
                epochs = m.find() ? Integer.parseInt(m.group(1)) : 0;
            }
        }
        assertThat(train.isAlive()).as("still training when killed: %s", Files.readString(log)).isTrue();
        assertThat(epochs).as("epochs checkpointed when killed").isBetween(2, EPOCHS - 1);
        train.destroyForcibly().waitFor();
        assertThat(train.exitValue()).as("killed by SIGKILL").isEqualTo(137);
    }

    /** Every entry of a bundle's model.zip by name, as the SHA-256 of its bytes. */
    private static Map<String, String> model(Path warehouse, String runId) throws Exception {
        Map<String, String> entries = new LinkedHashMap<>();
        Path zip = Path.of(new Warehouse(warehouse.toString()).model(runId), "model.zip");
        try (InputStream in = Files.newInputStream(zip); ZipInputStream z = new ZipInputStream(in)) {
            for (ZipEntry e = z.getNextEntry(); e != null; e = z.getNextEntry()) {
                entries.put(e.getName(), java.util.HexFormat.of().formatHex(
                        java.security.MessageDigest.getInstance("SHA-256").digest(z.readAllBytes())));
            }
        }
        return entries;
    }
}
