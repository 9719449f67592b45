package io.streamtrain.jobs;

import io.streamtrain.core.Settings;

import java.time.Duration;

/**
 * How long a command may take ({@code command.*}): see {@link io.streamtrain.core.Watchdog}.
 *
 * @param timeout        the command's limit; zero for none
 * @param startupTimeout how long the start may show no progress
 */
public record CommandSettings(Duration timeout, Duration startupTimeout) {

    public static final String TIMEOUT = "command.timeout";
    public static final String STARTUP_TIMEOUT = "command.startup-timeout";

    public static CommandSettings from(Settings s) {
        return new CommandSettings(s.durationOrZero(TIMEOUT), s.positiveDuration(STARTUP_TIMEOUT));
    }
}
