package io.streamtrain.jobs.bench;

import io.streamtrain.jobs.AppConfig;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Runs one half of a benchmark in a fresh JVM, as a command starts: a class of this one's classpath whose {@code main}
 * takes the settings file as its first argument and prints {@code RESULT} followed by its figures.
 */
final class FreshJvm {

    private FreshJvm() {
    }

    /**
     * The figures {@code main} printed after {@code RESULT}.
     *
     * @param what  names the run in the error when it fails
     * @param flags the JVM's flags
     * @param env   variables added to this process's environment
     * @param args  {@code main}'s arguments after the settings file
     */
    static String[] result(String what, AppConfig config, List<String> flags, Map<String, String> env,
                           Class<?> main, String... args) {
        Path conf = null;
        try {
            conf = Files.createTempFile("bench", ".conf");
            Files.writeString(conf, config.render());
            List<String> command = new ArrayList<>();
            command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            command.addAll(flags);
            command.addAll(List.of("-cp", System.getProperty("java.class.path"), main.getName(), conf.toString()));
            command.addAll(List.of(args));
            ProcessBuilder pb = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD);
            pb.environment().putAll(env);
            Process p = pb.start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (p.waitFor() != 0 || !out.contains("RESULT ")) {
                throw new IllegalStateException(what + " failed: " + out);
            }
            return out.substring(out.indexOf("RESULT ") + 7).trim().split("\\s+");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } finally {
            if (conf != null) {
                conf.toFile().delete();
            }
        }
    }
}
