package io.streamtrain.core;

import org.apache.parquet.crypto.keytools.KmsClient;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Parquet modular encryption of the curated table's feature and label columns ({@code encryption.*}). Off unless
 * {@code encryption.kms} names a key provider: {@code local-key-file} ({@link LocalKeyFileKms}, master keys in a file
 * of {@code <key id> = <base64 AES key>} lines: the embedded default) or the class name of any Parquet
 * {@code KmsClient} (a cluster's KMS, reached at {@code encryption.kms-instance-url}).
 *
 * <p>Encryption goes through Parquet's {@code PropertiesDrivenCryptoFactory}: every session gets it in its Hadoop
 * configuration (a file written without column keys stays plain), and preprocess's curated writes name the columns
 * and the master keys, with an encrypted footer, so a reader without the keys cannot even read the schema.
 *
 * @param kms            "" (off), {@value #LOCAL}, or a {@code KmsClient} class name
 * @param keyFile        the master-key file of {@value #LOCAL}
 * @param kmsInstanceUrl where a {@code KmsClient} class reaches its KMS
 * @param columnKey      id of the master key of the feature and label columns
 * @param footerKey      id of the master key of the footers
 */
public record EncryptionSettings(String kms, String keyFile, String kmsInstanceUrl, String columnKey,
                                 String footerKey) {

    public static final String KMS = "encryption.kms";
    public static final String KEY_FILE = "encryption.master-key-file";
    public static final String KMS_INSTANCE_URL = "encryption.kms-instance-url";
    public static final String COLUMN_KEY = "encryption.column-key";
    public static final String FOOTER_KEY = "encryption.footer-key";
    public static final String LOCAL = "local-key-file";
    public static final EncryptionSettings OFF = new EncryptionSettings("", "", "", "columns", "footer");

    private static final String FACTORY = "org.apache.parquet.crypto.keytools.PropertiesDrivenCryptoFactory";

    public EncryptionSettings {
        if (LOCAL.equals(kms) && keyFile.isBlank()) {
            throw new ConfigException(KEY_FILE, keyFile, "must name the master-key file when " + KMS + " is "
                    + LOCAL);
        }
        if (!kms.isBlank() && (columnKey.isBlank() || footerKey.isBlank())) {
            throw new ConfigException(COLUMN_KEY, columnKey, "and " + FOOTER_KEY + " must name master keys");
        }
    }

    public static EncryptionSettings from(Settings s) {
        EncryptionSettings e = new EncryptionSettings(s.string(KMS).trim(), s.string(KEY_FILE).trim(),
                s.string(KMS_INSTANCE_URL).trim(), s.string(COLUMN_KEY).trim(), s.string(FOOTER_KEY).trim());
        if (LOCAL.equals(e.kms()) && !e.keyFile().contains("://") && !Files.isReadable(Path.of(e.keyFile()))) {
            throw new ConfigException(KEY_FILE, e.keyFile(), "must be a readable file of '<key id> = <base64 key>'"
                    + " lines");
        }
        if (!e.kms().isBlank() && !LOCAL.equals(e.kms())) {
            try {
                Class<?> c = Class.forName(e.kms());
                if (!KmsClient.class.isAssignableFrom(c)) {
                    throw new ConfigException(KMS, e.kms(), "must be " + LOCAL + " or a class implementing "
                            + KmsClient.class.getName());
                }
            } catch (ClassNotFoundException ex) {
                throw new ConfigException(KMS, e.kms(), "must be " + LOCAL + " or a KmsClient class on the"
                        + " classpath");
            }
        }
        return e;
    }

    public boolean enabled() {
        return !kms.isBlank();
    }

    /** The Hadoop settings (without {@code spark.hadoop.}) a session needs to read and write encrypted files. */
    public Map<String, String> hadoopConf() {
        if (!enabled()) {
            return Map.of();
        }
        boolean local = LOCAL.equals(kms);
        return Map.of("parquet.crypto.factory.class", FACTORY,
                "parquet.encryption.kms.client.class", local ? LocalKeyFileKms.class.getName() : kms,
                "parquet.encryption.kms.instance.url", local ? keyFile : kmsInstanceUrl);
    }

    /**
     * The write options that encrypt the given leaf columns (Parquet paths, e.g. {@code features_f32.list.element})
     * and the footer; none when off.
     */
    public Map<String, String> writeOptions(List<String> columns) {
        if (!enabled()) {
            return Map.of();
        }
        return Map.of("parquet.encryption.column.keys", columnKey + ":" + String.join(",", columns),
                "parquet.encryption.footer.key", footerKey);
    }
}
