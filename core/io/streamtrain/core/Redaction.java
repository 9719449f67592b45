package io.streamtrain.core;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/** Keeps secrets (SASL JAAS lines, SSL and S3 passwords, tokens) out of logs, bundles and reports. */
public final class Redaction {

    private static final Pattern SECRET_KEY = Pattern.compile("(?i).*(password|secret|jaas|token|credential|access\\.key).*");
    public static final String MASK = "<redacted>";

    private Redaction() {
    }

    public static boolean isSecret(String key) {
        return SECRET_KEY.matcher(key).matches();
    }

    public static Map<String, String> redact(Map<String, String> settings) {
        Map<String, String> out = new LinkedHashMap<>();
        settings.forEach((k, v) -> out.put(k, isSecret(k) ? MASK : v));
        return out;
    }
}
