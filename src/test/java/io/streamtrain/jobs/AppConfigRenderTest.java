package io.streamtrain.jobs;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.streamtrain.core.ConfigLoader;
import io.streamtrain.core.Redaction;
import io.streamtrain.testing.SecretFixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static io.streamtrain.testing.SecretFixtures.SENTINEL;
import static org.assertj.core.api.Assertions.assertThat;

/** The configuration a model bundle carries: every secret masked, no comment at all, everything else as set. */
class AppConfigRenderTest {

    @TempDir
    Path tmp;

    @Test
    void renderMasksEverySecretAndDropsEveryComment() {
        Path file = SecretFixtures.confFile(tmp, "");
        AppConfig config = AppConfig.from(ConfigLoader.load(file, List.of()));
        // The sentinel is really in the loaded configuration, under the quoted keys.
        assertThat(config.kafka().properties()).containsAllEntriesOf(SecretFixtures.KAFKA);
        assertThat(config.spark().conf()).containsAllEntriesOf(SecretFixtures.SPARK);

        String rendered = config.render();

        assertThat(rendered).doesNotContain(SENTINEL).doesNotContain("#").doesNotContain("//")
                .doesNotContain("rotated");
        assertThat(config.toString()).doesNotContain(SENTINEL).contains(Redaction.MASK);
        // Read back, each secret key is present and masked; the rest is intact.
        Config back = ConfigFactory.parseString(rendered);
        for (String key : SecretFixtures.KAFKA.keySet()) {
            assertThat(back.getString("kafka.properties.\"" + key + "\"")).as(key).isEqualTo(Redaction.MASK);
        }
        for (String key : SecretFixtures.SPARK.keySet()) {
            assertThat(back.getString("spark.conf.\"" + key + "\"")).as(key).isEqualTo(Redaction.MASK);
        }
        for (Map.Entry<String, String> e : SecretFixtures.NOT_SECRET.entrySet()) {
            assertThat(back.getString("spark.conf.\"" + e.getKey() + "\"")).isEqualTo(e.getValue());
        }
        assertThat(back.getInt("train.epochs")).isEqualTo(config.train().epochs());
        assertThat(back.getString("spark.conf.\"spark.serializer\"")).isEqualTo(config.spark().conf()
                .get("spark.serializer"));
    }

    @Test
    void renderedConfigLoadsAgainAsTheSameSettings() {
        AppConfig config = AppConfig.from(ConfigLoader.load(null, List.of("train.epochs=3")));
        Path again = tmp.resolve("again.conf");
        try {
            java.nio.file.Files.writeString(again, config.render());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        AppConfig reloaded = AppConfig.from(ConfigLoader.load(again, List.of()));
        assertThat(reloaded.train()).isEqualTo(config.train());
        assertThat(reloaded.spark()).isEqualTo(config.spark());
    }
}
