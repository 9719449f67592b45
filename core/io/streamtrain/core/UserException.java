package io.streamtrain.core;

/**
 * Something the user can fix: a bad or missing file, a missing table, an empty split, no model, a broker that cannot
 * be reached. The message is one line that says what is wrong, where (file and line, key, table) and what to do; the
 * command line prints it without a stack trace. Any other exception is a bug and keeps its stack trace.
 *
 * <p>The exit code is decided by the command line, not here: 2 when the error is found before any stage began work
 * (nothing was changed), 1 when it comes after (then the command line adds what was done and how to continue).
 */
public class UserException extends RuntimeException {

    /** @param message what is wrong, where and what to do; line breaks are folded into spaces */
    public UserException(String message) {
        super(oneLine(message));
    }

    /** The same, keeping the exception that revealed the problem for {@code --verbose}. */
    public UserException(String message, Throwable cause) {
        super(oneLine(message), cause);
    }

    /** Folds line breaks (a quoted file name or a parser's message may hold some) so the error stays on one line. */
    public static String oneLine(String message) {
        return message == null ? "" : message.replaceAll("\\s*[\\r\\n]+\\s*", " ").strip();
    }
}
