package io.streamtrain.core;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigResolveOptions;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * Builds the effective configuration: the defaults shipped in the jar ({@code conf/application.conf}), then the
 * user's file ({@code --conf}), then {@code --set key=value} overrides, then environment substitutions
 * ({@code ${?KAFKA_PASSWORD}}). Keys the defaults do not know are refused, so a typo fails loudly.
 */
public final class ConfigLoader {

    /** Where {@code conf/application.conf} lands inside the jar; a name no other library uses. */
    public static final String DEFAULTS_RESOURCE = "io/streamtrain/application.conf";

    /** Blocks whose keys are passed through to Spark or Kafka as they are. */
    public static final Set<String> FREE_FORM_BLOCKS = Set.of("spark.conf", "kafka.properties");

    private ConfigLoader() {
    }

    /** The configuration with {@code file} (null for none) over the defaults and {@code overrides} over both. */
    public static Settings load(Path file, List<String> overrides) {
        return loadAt(file == null ? null : file.toString(), overrides);
    }

    /**
     * The configuration with the file at {@code location} (a local path, a Hadoop URI or a file shipped with
     * spark-submit --files, see {@link ConfigLocation}; null for none) over the defaults, and {@code overrides}
     * over both.
     */
    public static Settings loadAt(String location, List<String> overrides) {
        Config defaults = ConfigFactory.parseResources(ConfigLoader.class.getClassLoader(), DEFAULTS_RESOURCE,
                ConfigParseOptions.defaults().setAllowMissing(false));
        Config user = ConfigFactory.empty();
        if (location != null) {
            ConfigLocation.Text text = ConfigLocation.read(location);
            try {
                user = ConfigFactory.parseString(text.hocon(),
                        ConfigParseOptions.defaults().setOriginDescription(text.origin()));
            } catch (com.typesafe.config.ConfigException.Parse e) {
                // HOCON's own message quotes the text around the error, which may be a secret.
                throw new ConfigException(text.origin() + (e.origin() == null || e.origin().lineNumber() < 0 ? ""
                        : ":" + e.origin().lineNumber()) + ": HOCON syntax error (the text is not shown: it may hold a"
                        + " secret); fix the syntax on that line");
            }
        }
        for (String override : overrides == null ? List.<String>of() : overrides) {
            int eq = override.indexOf('=');
            if (eq <= 0) {
                throw new ConfigException("--set", override, "must look like key=value");
            }
            String key = override.substring(0, eq).trim();
            Config one;
            try {
                one = ConfigFactory.parseString(key + " = " + quoteIfNeeded(override.substring(eq + 1).trim()));
            } catch (com.typesafe.config.ConfigException.Parse e) {
                throw new ConfigException("--set " + key + "=...: not valid HOCON (the value is not shown: it may be a"
                        + " secret); quote the key's dotted parts like spark.conf.\"spark.master\", and lists as"
                        + " [1, 2]");
            }
            user = one.withFallback(user);
        }
        Config merged = user.withFallback(defaults)
                .resolveWith(ConfigFactory.systemEnvironment(), ConfigResolveOptions.defaults());
        Settings.rejectUnknown(user.resolveWith(merged, ConfigResolveOptions.defaults().setAllowUnresolved(true)),
                defaults, FREE_FORM_BLOCKS);
        return new Settings(merged);
    }

    /** Lets {@code --set warehouse=/tmp/w} work without HOCON quoting; lists and objects pass through. */
    private static String quoteIfNeeded(String value) {
        if (value.startsWith("[") || value.startsWith("{") || value.startsWith("\"")) {
            return value;
        }
        return ConfigFactory.empty().withValue("v", com.typesafe.config.ConfigValueFactory.fromAnyRef(value))
                .getValue("v").render();
    }
}
