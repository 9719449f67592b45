package io.streamtrain.core;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Keeps secrets out of logs, error messages, model bundles and reports. Two rules decide what is a secret:
 *
 * <ul>
 *   <li>by key: any key whose name looks secret (password, passphrase, secret, token, credential, private key,
 *       access key, account key, encryption key, JAAS, basic-auth info, API key, Azure SAS). This covers the
 *       secret-bearing keys of Kafka clients and Schema Registry ({@code sasl.jaas.config}, {@code ssl.key.password},
 *       {@code ssl.keystore.password}, {@code ssl.truststore.password}, {@code ssl.keystore.key},
 *       {@code basic.auth.user.info}, {@code bearer.auth.token}), Hadoop S3A ({@code fs.s3a.access.key},
 *       {@code fs.s3a.secret.key}, {@code fs.s3a.session.token}, their {@code fs.s3a.bucket.<b>.} forms,
 *       {@code fs.s3a.encryption.key}, {@code fs.s3a.server-side-encryption.key}), Azure
 *       ({@code fs.azure.account.key.*}, {@code fs.azure.sas.*}, {@code fs.azure.account.oauth2.client.secret}),
 *       GCS ({@code fs.gs.auth.service.account.private.key}, {@code .private.key.id}, {@code fs.gs.auth.client.secret})
 *       and Spark ({@code spark.authenticate.secret}, {@code spark.ssl.*Password}, the Kubernetes OAuth tokens,
 *       secret-looking {@code spark.executorEnv.*} and {@code spark.yarn.appMasterEnv.*}), with or without the
 *       {@code spark.hadoop.} prefix;</li>
 *   <li>by value: a JAAS line or any {@code password=...}, a PEM private key, a URI with {@code user:password@}.</li>
 * </ul>
 *
 * Paths to key files ({@code ssl.keystore.location}, {@code google.cloud.auth.service.account.json.keyfile}) and
 * client ids ({@code fs.azure.account.oauth2.client.id}) are not secrets and stay readable in bundles. Keys of the
 * systems we pass settings through to (everything under {@code kafka.properties}, Hadoop and the secret-bearing parts
 * of {@code spark.conf}) are never echoed in an error message, secret-looking or not: see {@link #mayEcho}.
 */
public final class Redaction {

    /** What a secret is replaced with. */
    public static final String MASK = "<redacted>";

    /** Words of a key name that looks secret in any of the systems we configure. */
    private static final String SECRET_KEY_WORDS = "password|passwd|passphrase|secret|token|credential|jaas"
            + "|private[._-]?key|access[._-]?key|account[._-]?key|encryption[._-]?key|keystore[._-]key"
            + "|auth[._-]?(user[._-]?)?info|user[._-]?info|api[._-]?key"
            + "|(^|[._-])(pwd|sas)([._-]|$)";

    /** A key name that looks secret, matched against the whole (unquoted) key. */
    private static final Pattern SECRET_KEY = Pattern.compile("(?i).*(" + SECRET_KEY_WORDS + ").*");

    /** A JAAS line: the login module's options carry the credentials. */
    private static final String JAAS = "LoginModule\\s+(required|requisite|sufficient|optional)";
    private static final String PEM_PRIVATE_KEY = "-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----";
    /** scheme://user:password@host */
    private static final String URI_PASSWORD = "[A-Za-z][A-Za-z0-9+.-]*://[^/\\s:@]*:[^/\\s@]+@";

    /** A value that is a secret whatever its key. */
    private static final List<Pattern> SECRET_VALUES = List.of(
            Pattern.compile("(?i)" + JAAS),
            // password=..., secret: ..., clientSecret="...", api_key=... inside a longer string.
            Pattern.compile("(?i)(password|passwd|pwd|passphrase|secret|token|api[_-]?key|access[_-]?key)\"?\\s*[=:]"),
            Pattern.compile(PEM_PRIVATE_KEY),
            Pattern.compile(URI_PASSWORD));

    /**
     * Both rules as one regular expression for Spark's {@code spark.redaction.regex}, which Spark searches in the keys
     * and the values of its configuration (UI environment page, event logs) and of data source options in plans.
     * Spark's default misses Azure account and SAS keys, GCS private keys, S3A encryption keys, PEM keys and URIs with
     * a password.
     */
    public static final String SPARK_REDACTION_REGEX = "(?i)" + SECRET_KEY_WORDS + "|" + JAAS + "|"
            + PEM_PRIVATE_KEY + "|" + URI_PASSWORD;

    /** Settings passed through to Kafka clients; any of them may be a credential. */
    private static final List<String> SYSTEM_BLOCKS = List.of("kafka.properties.");

    /**
     * Key prefixes of Hadoop (S3, Azure, GCS), Spark security and environments, and Kafka clients, as they appear
     * inside {@code spark.conf} or on their own.
     */
    private static final List<String> SYSTEM_PREFIXES = List.of(
            "spark.hadoop.", "fs.", "hadoop.", "google.cloud.", "dfs.", "yarn.",
            "spark.ssl.", "spark.authenticate", "spark.kubernetes.authenticate.", "spark.executorenv.",
            "spark.yarn.appmasterenv.", "spark.kubernetes.driverenv.", "spark.kubernetes.driver.secret",
            "spark.kubernetes.executor.secret", "spark.redaction.", "spark.sql.redaction.",
            "sasl.", "ssl.", "schema.registry.", "basic.auth.", "bearer.auth.");

    private Redaction() {
    }

    /** Whether a key's value is a secret by the key's name. Quotes of HOCON paths are ignored. */
    public static boolean isSecret(String key) {
        return key != null && SECRET_KEY.matcher(unquote(key)).matches();
    }

    /** Whether a value is a secret whatever its key: a JAAS line, a {@code password=}, a PEM key, a URI's password. */
    public static boolean isSecretValue(Object value) {
        if (value == null) {
            return false;
        }
        String s = String.valueOf(value);
        return SECRET_VALUES.stream().anyMatch(p -> p.matcher(s).find());
    }

    /** Whether {@code value} of {@code key} must be masked, by either rule. */
    public static boolean isSecret(String key, Object value) {
        return isSecret(key) || isSecretValue(value);
    }

    /** {@code value}, or {@link #MASK} when it is a secret by its key or by itself. */
    public static String redact(String key, Object value) {
        return isSecret(key, value) ? MASK : String.valueOf(value);
    }

    /** The settings with every secret masked, by key or by value, in the same order. */
    public static Map<String, String> redact(Map<String, String> settings) {
        Map<String, String> out = new LinkedHashMap<>();
        settings.forEach((k, v) -> out.put(k, redact(k, v)));
        return out;
    }

    /**
     * Whether {@code key} belongs to a system we pass settings through to (Kafka clients, Hadoop file systems, Spark
     * security and environments): its values may be credentials even when the key does not look secret, so an error
     * message names the key and the rule, never the value. Accepts HOCON paths with or without quotes, e.g.
     * {@code spark.conf."spark.hadoop.fs.s3a.endpoint"} or {@code kafka.properties."security.protocol"}.
     */
    public static boolean isSensitiveSystemKey(String key) {
        if (key == null) {
            return false;
        }
        String k = unquote(key).toLowerCase(Locale.ROOT);
        // A whole block given as something else (a string, a list) may hold any of its settings.
        if (k.equals("kafka.properties") || k.equals(SparkSettings.CONF)
                || SYSTEM_BLOCKS.stream().anyMatch(k::startsWith)) {
            return true;
        }
        String inner = k.startsWith(SparkSettings.CONF + ".") ? k.substring(SparkSettings.CONF.length() + 1) : k;
        return SYSTEM_PREFIXES.stream().anyMatch(inner::startsWith);
    }

    /** Whether an error message may show the value of {@code key}: neither a secret nor a pass-through setting. */
    public static boolean mayEcho(String key) {
        return !isSecret(key) && !isSensitiveSystemKey(key);
    }

    /** Whether an error message may show {@code value} of {@code key}: {@link #mayEcho(String)} and no secret value. */
    public static boolean mayEcho(String key, Object value) {
        return mayEcho(key) && !isSecretValue(value);
    }

    /** HOCON quotes removed: {@code kafka.properties."sasl.jaas.config"} reads as the key it names. */
    private static String unquote(String key) {
        return key.replace("\"", "");
    }
}
