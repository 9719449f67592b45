package io.streamtrain.core;

import io.streamtrain.testing.SecretFixtures;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import static io.streamtrain.testing.SecretFixtures.SENTINEL;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** What counts as a secret, what an error message may echo, and that Settings' errors keep to it. No Spark. */
class RedactionTest {

    private enum Colour { RED }

    @Test
    void everySecretBearingKeyOfKafkaHadoopAndSparkIsSecret() {
        for (String key : SecretFixtures.KAFKA.keySet()) {
            assertThat(Redaction.isSecret(key)).as(key).isTrue();
            assertThat(Redaction.isSecret("kafka.properties.\"" + key + "\"")).as(key).isTrue();
        }
        for (String key : SecretFixtures.SPARK.keySet()) {
            if (!key.equals("spark.hadoop.fs.s3a.endpoint")) {
                assertThat(Redaction.isSecret(key)).as(key).isTrue();
                assertThat(Redaction.isSecret(key.replaceFirst("^spark\\.hadoop\\.", ""))).as(key).isTrue();
                assertThat(Redaction.isSecret("spark.conf.\"" + key + "\"")).as(key).isTrue();
            }
        }
        assertThat(List.of("fs.azure.sas.c.a.blob.core.windows.net", "SPARK.EXECUTORENV.DB_PWD", "my.api_key",
                "spark.yarn.appMasterEnv.AWS_SECRET_ACCESS_KEY", "fs.s3a.bucket.logs.session.token",
                "schema.registry.ssl.key.password", "spark.kubernetes.authenticate.driver.oauthToken"))
                .allMatch(Redaction::isSecret);
    }

    @Test
    void ordinaryKeysAndPathsToKeyFilesAreNotSecret() {
        assertThat(List.of("fs.azure.account.oauth2.client.id", "google.cloud.auth.service.account.json.keyfile",
                "ssl.keystore.location", "security.protocol", "sasl.mechanism", "kafka.topic", "train.sharing.port",
                "spark.sql.shuffle.partitions", "fs.s3a.endpoint", "spark.hadoop.fs.azure.account.auth.type",
                "key.serializer", "fs.s3a.encryption.algorithm", "spark.app-name", "preprocess.split-seed"))
                .noneMatch(Redaction::isSecret);
    }

    @Test
    void noDefaultSettingIsMasked() {
        Settings defaults = ConfigLoader.load(null, List.of());
        defaults.raw().entrySet().forEach(e ->
                assertThat(Redaction.isSecret(e.getKey(), e.getValue().unwrapped())).as(e.getKey()).isFalse());
    }

    @Test
    void secretValuesAreSecretWhateverTheirKey() {
        assertThat(Redaction.isSecretValue(SecretFixtures.KAFKA.get("sasl.jaas.config"))).isTrue();
        assertThat(Redaction.isSecretValue("org.apache.kafka.common.security.scram.ScramLoginModule required;"))
                .isTrue();
        assertThat(Redaction.isSecretValue(SecretFixtures.KAFKA.get("ssl.keystore.key"))).isTrue();
        assertThat(Redaction.isSecretValue("-----BEGIN RSA PRIVATE KEY-----\nabc")).isTrue();
        assertThat(Redaction.isSecretValue("https://app:" + SENTINEL + "@s3.example.com")).isTrue();
        assertThat(Redaction.isSecretValue("jdbc:postgresql://db/x?user=a&password=b")).isTrue();
        assertThat(Redaction.isSecretValue("s3a://bucket/warehouse")).isFalse();
        assertThat(Redaction.isSecretValue("https://s3.example.com:9000/path")).isFalse();
        assertThat(Redaction.isSecretValue("org.apache.spark.serializer.KryoSerializer")).isFalse();
        assertThat(Redaction.isSecretValue(null)).isFalse();
    }

    @Test
    void redactMasksByKeyAndByValueAndKeepsTheRest() {
        Map<String, String> in = new LinkedHashMap<>();
        in.put("security.protocol", "SASL_SSL");
        in.put("sasl.jaas.config", "x");
        in.put("sasl.login.class", "org.example.X required password=" + SENTINEL);
        Map<String, String> out = Redaction.redact(in);
        assertThat(out).containsExactly(Map.entry("security.protocol", "SASL_SSL"),
                Map.entry("sasl.jaas.config", Redaction.MASK), Map.entry("sasl.login.class", Redaction.MASK));
        assertThat(Redaction.redact("ssl.key.password", SENTINEL)).isEqualTo(Redaction.MASK);
        assertThat(Redaction.redact("spark.app-name", "streamtrain")).isEqualTo("streamtrain");
    }

    @Test
    void sparksRedactionRegexMasksEverySecretByKeyOrValueAndNothingElse() {
        Pattern spark = Pattern.compile(Redaction.SPARK_REDACTION_REGEX);
        Map<String, String> secrets = new LinkedHashMap<>(SecretFixtures.SPARK);
        SecretFixtures.KAFKA.forEach((k, v) -> secrets.put("kafka." + k, v));
        // Spark redacts an entry when its key or its value contains a match.
        secrets.forEach((k, v) -> assertThat(spark.matcher(k).find() || spark.matcher(v).find()).as(k).isTrue());
        Map<String, String> ordinary = new LinkedHashMap<>(SecretFixtures.NOT_SECRET);
        ordinary.putAll(Map.of("spark.master", "local[2]", "spark.sql.shuffle.partitions", "4",
                "spark.serializer", "org.apache.spark.serializer.KryoSerializer", "spark.app.name", "streamtrain",
                "kafka.security.protocol", "SASL_SSL", "spark.hadoop.fs.s3a.endpoint", "https://s3.example.com:9000"));
        ordinary.forEach((k, v) -> assertThat(spark.matcher(k).find() || spark.matcher(v).find()).as(k).isFalse());
    }

    @Test
    void passThroughSettingsOfKafkaHadoopAndSparkSecurityAreNeverEchoed() {
        assertThat(List.of("kafka.properties", "spark.conf", "kafka.properties.\"security.protocol\"",
                "kafka.properties.security.protocol", "spark.conf.\"spark.hadoop.fs.s3a.endpoint\"",
                "spark.conf.\"spark.ssl.enabled\"", "spark.conf.\"spark.executorEnv.FOO\"", "fs.s3a.endpoint",
                "spark.hadoop.fs.azure.account.auth.type", "fs.gs.project.id", "sasl.mechanism"))
                .allMatch(Redaction::isSensitiveSystemKey)
                .noneMatch(Redaction::mayEcho);
        assertThat(Redaction.mayEcho("spark.conf.\"spark.hadoop.fs.s3a.secret.key\"")).isFalse();
        assertThat(Redaction.mayEcho("my.secret")).as("secret by name, in no known system").isFalse();
        assertThat(List.of("train.epochs", "kafka.topic", "kafka.bootstrap-servers", "warehouse", "spark.app-name",
                "spark.conf.\"spark.sql.shuffle.partitions\"", "spark.conf.\"spark.master\"", "--run-id"))
                .noneMatch(Redaction::isSensitiveSystemKey)
                .allMatch(Redaction::mayEcho);
        assertThat(Redaction.mayEcho("warehouse", "s3a://bucket/w")).isTrue();
        assertThat(Redaction.mayEcho("warehouse", "https://u:" + SENTINEL + "@host/w")).isFalse();
    }

    @Test
    void settingsErrorsNameTheKeyAndRuleButNeverASecretValue() {
        assertThatThrownBy(() -> ConfigLoader.load(null,
                List.of("kafka.properties.\"ssl.key.password\"=[\"" + SENTINEL + "\"]"))
                .stringMap("kafka.properties"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("ssl.key.password").hasMessageContaining("must be a plain value")
                .hasMessageNotContaining(SENTINEL);
        assertThatThrownBy(() -> ConfigLoader.load(null,
                List.of("spark.conf.\"spark.hadoop.fs.s3a.endpoint\"=[\"https://u:" + SENTINEL + "@h\"]"))
                .stringMap("spark.conf"))
                .hasMessageContaining("spark.hadoop.fs.s3a.endpoint").hasMessageNotContaining(SENTINEL);
        // A pass-through value that does not look secret is not shown either: the key and the rule are enough.
        assertThatThrownBy(() -> ConfigLoader.load(null,
                List.of("spark.conf.\"spark.hadoop.fs.s3a.endpoint\"=[\"" + SENTINEL + "\"]"))
                .stringMap("spark.conf"))
                .hasMessageContaining("must be a plain value").hasMessageNotContaining(SENTINEL);
        assertThatThrownBy(() -> ConfigLoader.load(null,
                List.of("kafka.properties.\"security.protocol\"=[\"" + SENTINEL + "\"]"))
                .stringMap("kafka.properties"))
                .hasMessageContaining("security.protocol").hasMessageNotContaining(SENTINEL);
        assertThatThrownBy(() -> ConfigLoader.load(null, List.of("kafka.properties=\"" + SENTINEL + "\""))
                .stringMap("kafka.properties"))
                .hasMessageContaining("'kafka.properties'").hasMessageContaining("must be an object")
                .hasMessageNotContaining(SENTINEL);
        // A typo outside the free-form blocks: refused as unknown, its secret-looking value not shown.
        assertThatThrownBy(() -> ConfigLoader.load(null, List.of("kafka.password=\"" + SENTINEL + "\"")))
                .hasMessageContaining("kafka.password").hasMessageContaining("not a known setting")
                .hasMessageNotContaining(SENTINEL);
        assertThatThrownBy(() -> ConfigLoader.load(null, List.of("kafka.note=\"password=" + SENTINEL + "\"")))
                .hasMessageContaining("kafka.note").hasMessageNotContaining(SENTINEL);
        // An ordinary setting keeps its value in the message: the user needs it to see the mistake.
        Settings s = ConfigLoader.load(null, List.of("train.updater=forest"));
        assertThatThrownBy(() -> s.oneOf("train.updater", Colour.class)).hasMessageContaining("'forest'");
    }
}
