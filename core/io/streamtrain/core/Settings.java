package io.streamtrain.core;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException.BadValue;
import com.typesafe.config.ConfigException.Missing;
import com.typesafe.config.ConfigException.WrongType;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Typed, validated reads of a HOCON tree. Every getter takes the full key so that an error names it the way the user
 * wrote it, e.g. {@code Invalid value '0' for 'train.epochs': must be a positive integer}.
 */
public final class Settings {

    private final Config config;
    /** Secret settings whose {@code ${?VAR}} found no variable, by key: they would otherwise vanish silently. */
    private final Map<String, String> unsetSecrets;

    public Settings(Config config) {
        this(config, Map.of());
    }

    /** @param unsetSecrets secret keys whose {@code ${?VAR}} was not set, and the variable each reads */
    public Settings(Config config, Map<String, String> unsetSecrets) {
        this.config = config;
        this.unsetSecrets = Map.copyOf(unsetSecrets);
    }

    /**
     * Fails naming the variable when a secret setting under {@code block} (e.g. {@code kafka.properties}) reads an
     * environment variable that this process does not have: where the driver runs on another host than the shell
     * that set it (cluster deploy mode), the secret would otherwise vanish and the connection fail later, obscurely.
     */
    public void requireSecretsUnder(String block) {
        for (Map.Entry<String, String> e : new TreeMap<>(unsetSecrets).entrySet()) {
            if (e.getKey().startsWith(block + ".")) {
                throw new ConfigException("'" + e.getKey() + "' reads ${?" + e.getValue() + "}, which is not set in"
                        + " this process's environment (on a cluster, the driver's): export it, or pass it as"
                        + " spark.yarn.appMasterEnv." + e.getValue() + " (YARN cluster mode) or from a Kubernetes secret"
                        + " (spark.kubernetes.driverSecretKeyRef." + e.getValue() + "); or remove the setting");
            }
        }
    }

    public Config raw() {
        return config;
    }

    public boolean has(String key) {
        return config.hasPath(key);
    }

    public String string(String key) {
        return read(key, config::getString, "a value is required", "must be a string");
    }

    public String nonBlank(String key) {
        String value = string(key);
        if (value.isBlank()) {
            throw new ConfigException(key, shown(key, value), "must not be blank");
        }
        return value;
    }

    public int positiveInt(String key) {
        int value = integer(key);
        if (value <= 0) {
            throw new ConfigException(key, value, "must be a positive integer");
        }
        return value;
    }

    public int intInRange(String key, int min, int max) {
        int value = integer(key);
        if (value < min || value > max) {
            throw new ConfigException(key, value, "must be an integer from " + min + " to " + max);
        }
        return value;
    }

    public long positiveLong(String key) {
        long value = read(key, config::getLong, "a value is required", "must be a positive integer");
        if (value <= 0) {
            throw new ConfigException(key, value, "must be a positive integer");
        }
        return value;
    }

    /** A number in the half-open range [min, max). */
    public double doubleInRange(String key, double min, double max) {
        double value = number(key);
        if (!(value >= min && value < max)) {
            throw new ConfigException(key, value, "must be a number in [" + min + ", " + max + ")");
        }
        return value;
    }

    public double positiveDouble(String key) {
        double value = number(key);
        if (!(value > 0) || Double.isInfinite(value)) {
            throw new ConfigException(key, value, "must be a positive finite number");
        }
        return value;
    }

    /** A duration of zero (meaning none) or more, e.g. {@code 0s} or {@code 4 hours}. */
    public Duration durationOrZero(String key) {
        Duration value = read(key, config::getDuration, "a value is required",
                "must be a duration such as 4 hours or 90s, or 0s for none");
        if (value.isNegative()) {
            throw new ConfigException(key, render(key), "must be 0s (none) or a positive duration");
        }
        return value;
    }

    /** A positive duration in HOCON's notation, e.g. {@code 30 minutes} or {@code 90s}. */
    public Duration positiveDuration(String key) {
        Duration value = read(key, config::getDuration, "a value is required",
                "must be a duration such as 30 minutes or 90s");
        if (value.isZero() || value.isNegative()) {
            throw new ConfigException(key, render(key), "must be a positive duration");
        }
        return value;
    }

    /** A positive size in HOCON's notation, e.g. {@code 128 MiB} or {@code 1g}. */
    public long positiveBytes(String key) {
        Long value = read(key, config::getBytes, "a value is required", "must be a size such as 128 MiB");
        if (value <= 0) {
            throw new ConfigException(key, render(key), "must be a positive size such as 128 MiB");
        }
        return value;
    }

    public boolean bool(String key) {
        return read(key, config::getBoolean, "a value is required", "must be true or false");
    }

    public <E extends Enum<E>> E oneOf(String key, Class<E> type) {
        String value = string(key);
        for (E constant : type.getEnumConstants()) {
            if (constant.name().equalsIgnoreCase(value.replace('-', '_'))) {
                return constant;
            }
        }
        throw new ConfigException(key, shown(key, value), "must be one of " + names(type));
    }

    public List<String> strings(String key) {
        return List.copyOf(read(key, config::getStringList, "a list is required", "must be a list of strings"));
    }

    public List<Integer> positiveInts(String key) {
        List<Integer> values = List.copyOf(read(key, config::getIntList, "a list is required",
                "must be a list of positive integers"));
        for (int v : values) {
            if (v <= 0) {
                throw new ConfigException(key, shown(key, values), "must be a list of positive integers");
            }
        }
        return values;
    }

    public Pattern regex(String key) {
        String value = string(key);
        try {
            return Pattern.compile(value);
        } catch (PatternSyntaxException e) {
            throw new ConfigException(key, shown(key, value),
                    "must be a regular expression (" + e.getDescription() + ")");
        }
    }

    /**
     * A block of free-form string settings passed through to a library, such as {@code spark.conf} or
     * {@code kafka.properties}. Keys are taken as written, so quote dotted keys in HOCON.
     */
    public Map<String, String> stringMap(String key) {
        if (!config.hasPath(key)) {
            return Map.of();
        }
        Map<String, String> out = new LinkedHashMap<>();
        Config block;
        try {
            block = config.getConfig(key);
        } catch (WrongType e) {
            throw new ConfigException(key, render(key), "must be an object of string settings");
        }
        for (Map.Entry<String, ConfigValue> e : block.entrySet()) {
            ConfigValue v = e.getValue();
            if (v.valueType() == ConfigValueType.OBJECT || v.valueType() == ConfigValueType.LIST) {
                String path = key + "." + e.getKey();
                throw new ConfigException(path, shown(path, v.render()), "must be a plain value");
            }
            out.put(stripQuotes(e.getKey()), String.valueOf(v.unwrapped()));
        }
        return Map.copyOf(out);
    }

    private int integer(String key) {
        return read(key, config::getInt, "a value is required", "must be an integer");
    }

    private double number(String key) {
        return read(key, config::getDouble, "a value is required", "must be a number");
    }

    /**
     * {@code key} read by {@code getter}; a missing value fails with {@code whenMissing}, a value of another type or
     * format (a word for a number, "soon" for a duration) with {@code expected}, both naming the key and value.
     */
    private <T> T read(String key, Function<String, T> getter, String whenMissing, String expected) {
        try {
            return getter.apply(key);
        } catch (Missing e) {
            throw new ConfigException(key, "<missing>", whenMissing);
        } catch (WrongType | BadValue e) {
            throw new ConfigException(key, render(key), expected);
        }
    }

    /** The value of {@code key} for an error message: masked when it or its key is secret, see {@link Redaction}. */
    private String render(String key) {
        try {
            return String.valueOf(shown(key, config.getValue(key).unwrapped()));
        } catch (RuntimeException e) {
            return "?";
        }
    }

    /**
     * {@code value} as an error message may show it: {@link Redaction#MASK} for a secret, or for any value of a setting
     * passed through to Kafka, Hadoop or Spark security, which a message names by key and rule only.
     */
    private static Object shown(String key, Object value) {
        return Redaction.mayEcho(key, value) ? value : Redaction.MASK;
    }

    private static String stripQuotes(String key) {
        return key.length() >= 2 && key.startsWith("\"") && key.endsWith("\"") ? key.substring(1, key.length() - 1) : key;
    }

    private static <E extends Enum<E>> String names(Class<E> type) {
        StringBuilder sb = new StringBuilder();
        for (E c : type.getEnumConstants()) {
            if (sb.length() > 0) {
                sb.append(", ");
            }
            sb.append(c.name().toLowerCase().replace('_', '-'));
        }
        return sb.toString();
    }

    /** Keys the user set that no stage reads: almost always a typo. */
    public static void rejectUnknown(Config user, Config defaults, Set<String> freeFormBlocks) {
        for (Map.Entry<String, ConfigValue> e : user.entrySet()) {
            String key = e.getKey();
            boolean free = freeFormBlocks.stream().anyMatch(b -> key.startsWith(b + "."));
            if (!free && !defaults.hasPath(key)) {
                throw new ConfigException(key, shown(key, e.getValue().unwrapped()),
                        "is not a known setting (see conf/application.conf)");
            }
        }
    }
}
