package io.streamtrain.core;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.time.Duration;
import java.util.function.IntSupplier;

/**
 * Bounds the life of a streamtrain process, for schedulers that wait on it: a start-up that makes no progress, a
 * command that runs past its limit, and a shutdown that does not finish all end the process with a documented code.
 *
 * <p>Armed only by the command line's {@code main} (a test that runs a command in its own JVM is never halted):
 * <ul>
 *   <li>start-up: until the first sign of progress (a Spark session, an embedded broker or a transactional producer
 *       up, or a stage finished),
 *       {@code command.startup-timeout} at most; then the threads are dumped to the log and the process halts with
 *       its start-up-stalled code, because a process stuck in class initialisation may not even run its
 *       shutdown hooks;</li>
 *   <li>limit: after {@code command.timeout} (or {@code --timeout}) the command ends as SIGTERM ends it, with
 *       its timed-out code: shutdown hooks run, Spark stops, committed work stays;</li>
 *   <li>shutdown: however the JVM begins to exit (SIGTERM, a timeout, the end of {@code main}), it has
 *       {@link #SHUTDOWN_GRACE} for its shutdown hooks; then the threads are dumped and it halts.</li>
 * </ul>
 */
public final class Watchdog {

    /** How long shutdown hooks may take before the process halts: within the 30 s Airflow and YARN wait. */
    static final Duration SHUTDOWN_GRACE = Duration.ofSeconds(20);
    private static final Logger LOG = LoggerFactory.getLogger(Watchdog.class);
    private static final Object LOCK = new Object();
    private static volatile Watchdog armed;

    private final long startedNanos = System.nanoTime();
    private volatile Duration startupTimeout;
    private volatile Duration timeout = Duration.ZERO;
    private volatile boolean progressed;
    private final Codes codes;
    /** The code the process exits with if it must halt during shutdown. */
    private volatile int exitCode;

    /**
     * The exit codes the watchdog ends a process with.
     *
     * @param stalled    no progress within the start-up timeout
     * @param timedOut   the command's time limit passed
     * @param terminated shutdown began without a code of ours (SIGTERM): what a shell reports, 143
     */
    public record Codes(int stalled, int timedOut, int terminated) {
    }

    private Watchdog(Duration startupTimeout, Codes codes) {
        this.startupTimeout = startupTimeout;
        this.codes = codes;
        this.exitCode = codes.terminated();
    }

    /** Arms the watchdog for this process, with {@code startupTimeout} until the settings say otherwise. */
    public static void arm(Duration startupTimeout, Codes codes) {
        synchronized (LOCK) {
            if (armed != null) {
                return;
            }
            Watchdog dog = new Watchdog(startupTimeout, codes);
            armed = dog;
            Runtime.getRuntime().addShutdownHook(new Thread(dog::onShutdown, "streamtrain-shutdown-guard"));
            Thread watch = new Thread(dog::watch, "streamtrain-watchdog");
            watch.setDaemon(true);
            watch.start();
        }
    }

    /** The command's limits, once its settings are loaded; does nothing in a process that is not armed. */
    public static void limits(Duration startupTimeout, Duration timeout) {
        Watchdog dog = armed;
        if (dog != null) {
            dog.startupTimeout = startupTimeout;
            dog.timeout = timeout;
            if (!timeout.isZero()) {
                LOG.info("command: ends after {} (command.timeout)", timeout);
            }
        }
    }

    /** The command has shown it is not stuck: {@code what} happened. */
    public static void progress(String what) {
        Watchdog dog = armed;
        if (dog != null && !dog.progressed) {
            dog.progressed = true;
            LOG.debug("command: started ({})", what);
        }
    }

    /** The process is about to exit with {@code code}: a halt during shutdown keeps it. */
    public static void exiting(int code) {
        Watchdog dog = armed;
        if (dog != null) {
            dog.exitCode = code;
        }
    }

    private void watch() {
        try {
            while (true) {
                Thread.sleep(200);
                Duration elapsed = Duration.ofNanos(System.nanoTime() - startedNanos);
                if (!progressed && elapsed.compareTo(startupTimeout) > 0) {
                    stalled(elapsed);
                }
                if (!timeout.isZero() && elapsed.compareTo(timeout) > 0) {
                    timedOut();
                    return;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Straight to stderr first, without the logging framework: the stall may be inside a class that logging needs.
     * A second thread halts a few seconds later in case even that blocks.
     */
    private void stalled(Duration elapsed) {
        haltAfter(Duration.ofSeconds(5), codes::stalled, null);
        String dump = threadDump();
        System.err.println("streamtrain: no progress " + elapsed.toSeconds() + " s after start (command.startup-timeout"
                + " = " + startupTimeout + "); halting with exit code " + codes.stalled() + " after this thread dump;"
                + " run the command again\n" + dump);
        System.err.flush();
        LOG.error("command: no progress {} s after start (command.startup-timeout = {}); thread dump:\n{}",
                elapsed.toSeconds(), startupTimeout, dump);
        Runtime.getRuntime().halt(codes.stalled());
    }

    /**
     * Halts the process after {@code wait} with {@code code}'s exit code; first, when {@code why} is given, writes it
     * and a thread dump to stderr (the logging framework may already be shut down, or be what is stuck).
     */
    private static void haltAfter(Duration wait, IntSupplier code, String why) {
        Thread halt = new Thread(() -> {
            try {
                Thread.sleep(wait.toMillis());
            } catch (InterruptedException e) {
                return;
            }
            if (why != null) {
                System.err.println("streamtrain: " + why + "; halting with exit code " + code.getAsInt()
                        + " after this thread dump\n" + threadDump());
                System.err.flush();
            }
            Runtime.getRuntime().halt(code.getAsInt());
        }, "streamtrain-halt");
        halt.setDaemon(true);
        halt.start();
    }

    private void timedOut() {
        LOG.error("command: ran longer than command.timeout = {}; stopping as SIGTERM would (exit code {})", timeout,
                codes.timedOut());
        System.err.println("streamtrain: ran longer than command.timeout = " + timeout + "; stopped, work committed"
                + " so far is kept; run the same command again to continue");
        System.err.flush();
        exitCode = codes.timedOut();
        // From its own thread: exit blocks until the shutdown hooks are done, and this thread must not be one of them.
        Thread exit = new Thread(() -> System.exit(codes.timedOut()), "streamtrain-timeout");
        exit.setDaemon(true);
        exit.start();
    }

    /** Shutdown has begun: give the other hooks {@link #SHUTDOWN_GRACE}, then halt. */
    private void onShutdown() {
        haltAfter(SHUTDOWN_GRACE, () -> exitCode, "shutdown did not finish within " + SHUTDOWN_GRACE.toSeconds()
                + " s");
    }

    /** Every thread's stack, with the locks it holds and waits for: what a deadlock at start-up looks like. */
    static String threadDump() {
        StringBuilder sb = new StringBuilder();
        for (ThreadInfo info : ManagementFactory.getThreadMXBean().dumpAllThreads(true, true)) {
            sb.append('"').append(info.getThreadName()).append("\" ").append(info.getThreadState());
            if (info.getLockName() != null) {
                sb.append(" on ").append(info.getLockName());
            }
            if (info.getLockOwnerName() != null) {
                sb.append(" owned by \"").append(info.getLockOwnerName()).append('"');
            }
            sb.append('\n');
            for (StackTraceElement frame : info.getStackTrace()) {
                sb.append("    at ").append(frame).append('\n');
            }
            sb.append('\n');
        }
        return sb.toString();
    }
}
