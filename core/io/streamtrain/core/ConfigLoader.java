package io.streamtrain.core;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException.Parse;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigResolveOptions;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueFactory;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

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

    /** {@code ${?NAME}} in HOCON, as rendered back unresolved. */
    private static final Pattern OPTIONAL_ENV = Pattern.compile("\\$\\{\\?\\s*\"?([A-Za-z_][A-Za-z0-9_]*)\"?\\s*}");
    private static final String UNSET_MARKER = "\u0000unset-environment-variable:";

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
            } catch (Parse e) {
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
            } catch (Parse e) {
                throw new ConfigException("--set " + key + "=...: not valid HOCON (the value is not shown: it may be a"
                        + " secret); quote the key's dotted parts like spark.conf.\"spark.master\", and lists as"
                        + " [1, 2]");
            }
            user = one.withFallback(user);
        }
        Config merged = resolveWith(user.withFallback(defaults), ConfigFactory.systemEnvironment());
        Settings.rejectUnknown(user.resolveWith(merged, ConfigResolveOptions.defaults().setAllowUnresolved(true)),
                defaults, FREE_FORM_BLOCKS);
        return new Settings(merged, unsetSecrets(user));
    }

    /**
     * Secret keys set to {@code ${?VAR}} whose variable is not in the environment, and that variable: HOCON drops
     * such a key without a word. Found by resolving the user's settings (alone: Typesafe Config cannot re-resolve a
     * key merged over a default) once more with a marker in place of every unset variable.
     */
    static Map<String, String> unsetSecrets(Config unresolved) {
        Map<String, String> env = System.getenv();
        Map<String, String> markers = new HashMap<>();
        Matcher m = OPTIONAL_ENV.matcher(unresolved.root().render(ConfigRenderOptions.concise()));
        while (m.find()) {
            if (!env.containsKey(m.group(1))) {
                markers.put(m.group(1), UNSET_MARKER + m.group(1));
            }
        }
        Map<String, String> unset = new HashMap<>();
        if (markers.isEmpty()) {
            return unset;
        }
        Config marked = resolveWith(unresolved, ConfigFactory.systemEnvironment().withFallback(
                ConfigFactory.parseMap(markers)));
        for (Map.Entry<String, ConfigValue> e : marked.entrySet()) {
            if (e.getValue().unwrapped() instanceof String v && v.startsWith(UNSET_MARKER)
                    && !Redaction.mayEcho(e.getKey())) {
                unset.put(e.getKey(), v.substring(UNSET_MARKER.length()));
            }
        }
        return unset;
    }

    /**
     * Resolves {@code config}'s substitutions against {@code source} (the environment) and keeps only
     * {@code config}'s own keys. Typesafe Config's {@code resolveWith} fails ("replace in parent not possible") on
     * {@code key = ${?VAR}} over a default, the usual way to let the environment override a setting; resolving with
     * the source as a fallback, as {@code ConfigFactory.load} does, handles it.
     */
    private static Config resolveWith(Config config, Config source) {
        Config all = config.withFallback(source).resolve(ConfigResolveOptions.defaults().setAllowUnresolved(true));
        Config own = ConfigFactory.empty();
        for (String key : config.root().keySet()) {
            own = own.withFallback(all.withOnlyPath(ConfigUtil.joinPath(key)));
        }
        return own.resolve();
    }

    /** Lets {@code --set warehouse=/tmp/w} work without HOCON quoting; lists and objects pass through. */
    private static String quoteIfNeeded(String value) {
        if (value.startsWith("[") || value.startsWith("{") || value.startsWith("\"")) {
            return value;
        }
        return ConfigFactory.empty().withValue("v", ConfigValueFactory.fromAnyRef(value))
                .getValue("v").render();
    }
}
