package io.streamtrain.testing;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.IntSupplier;

/**
 * A command run in this JVM with its standard error captured: what a user sees of it, beside its exit code.
 *
 * @param exit   the command's exit code
 * @param stderr everything it printed on standard error, logs included
 */
public record Stderr(int exit, String stderr) {

    /** Runs {@code command} (a {@code StreamTrain.execute}) with System.err captured. */
    public static Stderr of(IntSupplier command) {
        PrintStream err = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        int exit;
        try {
            System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
            exit = command.getAsInt();
        } finally {
            System.setErr(err);
        }
        return new Stderr(exit, captured.toString(StandardCharsets.UTF_8));
    }

    /** The command's own lines, those that begin with {@code prefix} (for example "streamtrain"), not its logs. */
    public List<String> lines(String prefix) {
        return stderr.lines().filter(l -> l.startsWith(prefix)).toList();
    }
}
