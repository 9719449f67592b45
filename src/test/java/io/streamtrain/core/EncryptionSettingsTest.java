package io.streamtrain.core;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Unit: encryption is off by default, and a key provider that cannot work is refused before anything starts. */
class EncryptionSettingsTest {

    @TempDir
    Path tmp;

    private static EncryptionSettings load(String... overrides) {
        return EncryptionSettings.from(ConfigLoader.load(null, List.of(overrides)));
    }

    @Test
    void offByDefaultAndOnWithALocalKeyFile() throws Exception {
        assertThat(load().enabled()).isFalse();
        assertThat(load().hadoopConf()).isEmpty();
        Path keys = Files.writeString(tmp.resolve("keys"), "columns = AAECAwQFBgcICQoLDA0ODw==\n");
        EncryptionSettings on = load("encryption.kms=local-key-file", "encryption.master-key-file=" + keys);
        assertThat(on.hadoopConf()).containsEntry("parquet.encryption.kms.client.class",
                LocalKeyFileKms.class.getName()).containsEntry("parquet.encryption.kms.instance.url", keys.toString());
        assertThat(on.writeOptions(List.of("a", "b.list.element")))
                .containsEntry("parquet.encryption.column.keys", "columns:a,b.list.element")
                .containsEntry("parquet.encryption.footer.key", "footer");
    }

    @Test
    void aProviderThatCannotWorkIsRefused() {
        assertThatThrownBy(() -> load("encryption.kms=local-key-file")).isInstanceOf(ConfigException.class)
                .hasMessageContaining(EncryptionSettings.KEY_FILE);
        assertThatThrownBy(() -> load("encryption.kms=local-key-file",
                "encryption.master-key-file=" + tmp.resolve("none")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("readable file");
        assertThatThrownBy(() -> load("encryption.kms=java.lang.String")).isInstanceOf(ConfigException.class)
                .hasMessageContaining("KmsClient");
        assertThatThrownBy(() -> load("encryption.kms=com.example.NoSuchKms")).isInstanceOf(ConfigException.class)
                .hasMessageContaining("classpath");
    }
}
