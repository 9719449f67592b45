package io.streamtrain.core;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** Wall-clock seconds of each phase of a stage, for its log line: each lap ends the phase it names. */
public final class Phases {
    private final Map<String, Double> seconds = new LinkedHashMap<>();
    private long last;

    /** @param started {@link System#nanoTime()} when the first phase began */
    public Phases(long started) {
        this.last = started;
    }

    /** Ends phase {@code phase} now; a phase lapped twice adds up. */
    public void lap(String phase) {
        long now = System.nanoTime();
        seconds.merge(phase, (now - last) / 1e9, Double::sum);
        last = now;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        seconds.forEach((k, v) -> sb.append(sb.length() == 0 ? "" : ", ").append(k).append(' ')
                .append(String.format(Locale.ROOT, "%.2f s", v)));
        return sb.toString();
    }
}
