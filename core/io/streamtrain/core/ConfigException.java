package io.streamtrain.core;

/**
 * A configuration value that breaks a rule. The message names the key, the value and the rule, and the job fails with
 * it before Kafka, Spark or the file system is touched; the command line maps it to exit code 2.
 */
public final class ConfigException extends UserException {

    private final String key;

    public ConfigException(String key, Object value, String rule) {
        // Values of secret-looking keys, of Kafka's and Hadoop's pass-through settings, and secret-looking values
        // are never echoed: the key and the rule say enough.
        super(Redaction.mayEcho(key, value) ? "Invalid value '" + value + "' for '" + key + "': " + rule
                : "Invalid value for '" + key + "' (not shown: it may be a secret): " + rule);
        this.key = key;
    }

    public ConfigException(String message) {
        super(message);
        this.key = null;
    }

    /** The offending key, or null when the problem is not one key's. */
    public String key() {
        return key;
    }
}
