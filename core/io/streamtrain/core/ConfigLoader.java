package io.streamtrain.core;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigResolveOptions;

import java.nio.file.Files;
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

    public static Settings load(Path file, List<String> overrides) {
        Config defaults = ConfigFactory.parseResources(ConfigLoader.class.getClassLoader(), DEFAULTS_RESOURCE,
                ConfigParseOptions.defaults().setAllowMissing(false));
        Config user = ConfigFactory.empty();
        if (file != null) {
            if (!Files.isRegularFile(file)) {
                throw new ConfigException("--conf", file, "must be a readable HOCON file");
            }
            user = ConfigFactory.parseFile(file.toFile(), ConfigParseOptions.defaults().setAllowMissing(false));
        }
        for (String override : overrides == null ? List.<String>of() : overrides) {
            int eq = override.indexOf('=');
            if (eq <= 0) {
                throw new ConfigException("--set", override, "must look like key=value");
            }
            Config one = ConfigFactory.parseString(override.substring(0, eq).trim() + " = "
                    + quoteIfNeeded(override.substring(eq + 1).trim()));
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
