package io.streamtrain.jobs.bench;

import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordedThread;
import jdk.jfr.consumer.RecordingFile;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.StringJoiner;
import java.util.regex.Pattern;

/**
 * Where a benchmark's time goes, from Java Flight Recorder's own samples of this JVM: the threads that do the work
 * (Spark's task threads, a streaming query's driver thread, {@code main}), sampled in Java code
 * ({@code jdk.ExecutionSample}) and in native code ({@code jdk.NativeMethodSample}: zstd, ND4J's kernels, socket
 * reads), each sample put in the first phase, in the order given, with a frame anywhere on its stack that the phase
 * names. A thread parked, waiting or sleeping does no work and is not counted. The recording is kept for Mission
 * Control or {@code jfr print}.
 */
final class PhaseProfile implements AutoCloseable {

    /** One phase of the work: its name and the class (or class.method) prefixes of frames that belong to it. */
    record Phase(String name, List<String> frames) {
        /** Whether any of {@code stack}'s frames, named {@code class.method}, is one of this phase's. */
        boolean matches(List<String> stack) {
            return stack.stream().anyMatch(where -> frames.stream().anyMatch(where::startsWith));
        }
    }

    /** Loading classes, first in every breakdown: a class loaded under any phase is start-up, not that phase. */
    static final Phase CLASS_LOADING = new Phase("class_loading", List.of("java.lang.ClassLoader.",
            "jdk.internal.loader.", "java.util.jar.", "java.util.zip.ZipFile", "java.lang.invoke.MethodHandleNatives.link"));

    private static final Pattern WORKERS = Pattern.compile(
            "Executor task launch worker.*|stream execution thread.*|main");
    /** Native methods a thread waits in: a sample there is a thread doing nothing. */
    private static final List<String> WAITING = List.of("jdk.internal.misc.Unsafe.park", "java.lang.Object.wait",
            "java.lang.Thread.sleep");
    private static final Duration PERIOD = Duration.ofMillis(10);

    private final Recording recording = new Recording();

    private PhaseProfile() {
        recording.enable("jdk.ExecutionSample").withPeriod(PERIOD);
        recording.enable("jdk.NativeMethodSample").withPeriod(PERIOD);
        recording.setToDisk(true);
        recording.start();
    }

    /**
     * Starts and stops an empty recording, so that Flight Recorder's one-time start-up in this JVM (its threads, its
     * classes, and the recompilation of code already compiled that follows) happens now, before anything is timed, and
     * not inside the first measured phase.
     */
    static void initialize() {
        try (Recording empty = new Recording()) {
            empty.start();
            empty.stop();
        }
    }

    /** Starts sampling this JVM. */
    static PhaseProfile start() {
        return new PhaseProfile();
    }

    /**
     * Stops sampling, writes the recording to {@code file} and returns its breakdown: each phase's share of the
     * samples, then {@code other} (the workers' samples no phase names) and the number of samples.
     */
    String stop(Path file, List<Phase> phases) {
        recording.stop();
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            recording.dump(file);
            Map<String, Long> counts = new LinkedHashMap<>();
            phases.forEach(p -> counts.put(p.name(), 0L));
            counts.put("other", 0L);
            long total = 0;
            for (RecordedEvent e : RecordingFile.readAllEvents(file)) {
                if (isWorkingSample(e)) {
                    List<String> stack = e.getStackTrace().getFrames().stream().map(PhaseProfile::name).toList();
                    String phase = phases.stream().filter(p -> p.matches(stack)).map(Phase::name).findFirst()
                            .orElse("other");
                    counts.merge(phase, 1L, Long::sum);
                    total++;
                }
            }
            StringJoiner line = new StringJoiner(",");
            for (Map.Entry<String, Long> c : counts.entrySet()) {
                line.add(String.format(Locale.ROOT, "%s:%.2f", c.getKey(), total == 0 ? 0 : (double) c.getValue()
                        / total));
            }
            return String.format(Locale.ROOT, "%s (shares of %d JFR samples of the working threads; recording %s)",
                    line, total, file);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write or read the profile " + file, e);
        }
    }

    /** Whether the event is a sample of a working thread that was not waiting. */
    private static boolean isWorkingSample(RecordedEvent e) {
        String type = e.getEventType().getName();
        if (!type.equals("jdk.ExecutionSample") && !type.equals("jdk.NativeMethodSample")) {
            return false;
        }
        RecordedThread thread = e.getThread("sampledThread");
        RecordedStackTrace stack = e.getStackTrace();
        if (thread == null || stack == null || stack.getFrames().isEmpty()
                || !WORKERS.matcher(String.valueOf(thread.getJavaName())).matches()) {
            return false;
        }
        return !WAITING.contains(name(stack.getFrames().get(0)));
    }

    /** A frame as {@code class.method}, what phases and {@link #WAITING} name. */
    private static String name(RecordedFrame frame) {
        return frame.getMethod().getType().getName() + "." + frame.getMethod().getName();
    }

    @Override
    public void close() {
        recording.close();
    }
}
