package io.streamtrain.train;

import org.junit.Test;

import java.io.File;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 17 in a child JVM, since it kills the JVM: under a small storage memory, Spark evicts dl4j-spark's broadcast
 * parameter array, closing it, and dl4j-spark's scoring then copies it from a null address. {@link DistributedScorer}
 * exists so that streamtrain never broadcasts an {@code INDArray}.
 */
public class Dl4jBroadcastEvictionCrashTest {

    @Test
    public void sparkClosesAnEvictedIndArrayBroadcastAndDl4jsScoringThenDiesInMemcpy() throws Exception {
        Path dir = Files.createTempDirectory("dl4j-eviction");
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(a -> a.startsWith("--add-opens") || a.startsWith("-Dlog4j2.configurationFile"))
                .forEach(command::add);
        command.addAll(List.of("-Xmx1g", "-XX:ErrorFile=" + dir.resolve("hs_err_%p.log"),
                "-cp", System.getProperty("java.class.path"), Dl4jScoreAfterEviction.class.getName()));
        ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile())
                .redirectOutput(dir.resolve("stdout").toFile()).redirectError(dir.resolve("stderr").toFile());
        builder.environment().put("OMP_NUM_THREADS", "1");
        try {
            runAndCheck(builder, dir);
        } finally {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(java.util.Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
            }
        }
    }

    private static void runAndCheck(ProcessBuilder builder, Path dir) throws Exception {
        Process child = builder.start();
        assertThat(child.waitFor(5, TimeUnit.MINUTES)).as("child finished").isTrue();
        String stdout = Files.readString(dir.resolve("stdout"), StandardCharsets.UTF_8);

        assertThat(stdout).contains("first score job 4 results, closed=false").contains("after eviction closed=true")
                .doesNotContain("second score job");
        assertThat(child.exitValue()).as("exit code of a JVM that died of a fatal signal").isEqualTo(134);
        File[] errors = dir.toFile().listFiles((d, name) -> name.startsWith("hs_err_"));
        assertThat(errors).hasSize(1);
        String hsErr = Files.readString(errors[0].toPath(), StandardCharsets.ISO_8859_1);
        assertThat(hsErr).contains("SIGSEGV").contains("si_addr: 0x0000000000000000")
                .contains("org.bytedeco.javacpp.Pointer.memcpy")
                .contains("org.nd4j.linalg.cpu.nativecpu.NDArray.unsafeDuplication")
                .contains("org.deeplearning4j.spark.impl.multilayer.scoring.ScoreFlatMapFunction.call");
    }
}
