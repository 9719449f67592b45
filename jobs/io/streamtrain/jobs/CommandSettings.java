package io.streamtrain.jobs;

import io.streamtrain.core.ConfigException;
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
        Duration timeout = nonNegative(s, TIMEOUT);
        return new CommandSettings(timeout, s.positiveDuration(STARTUP_TIMEOUT));
    }

    private static Duration nonNegative(Settings s, String key) {
        Duration value;
        try {
            value = s.raw().getDuration(key);
        } catch (com.typesafe.config.ConfigException e) {
            throw new ConfigException(key, s.string(key), "must be a duration such as 4 hours or 90s, or 0 for none");
        }
        if (value.isNegative()) {
            throw new ConfigException(key, s.string(key), "must be a duration such as 4 hours or 90s, or 0 for none");
        }
        return value;
    }
}
