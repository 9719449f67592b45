package io.streamtrain.core.kafka;

import io.streamtrain.core.ConfigException;
import io.streamtrain.core.Warehouse;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** kafka.read-timeout bounds every wait of a consumer on a silent broker, within what Kafka's clients accept. */
class ReadTimeoutsTest {

    private static KafkaConnection connection(Duration readTimeout, Map<String, String> properties) {
        return KafkaConnection.open(new KafkaSettings("broker:9092", "t", 1, 0, properties, readTimeout),
                new Warehouse("/tmp/unused"));
    }

    @Test
    void anApiCallWaitsTheReadTimeoutAndARequestNoLonger() {
        assertThat(connection(Duration.ofSeconds(15), Map.of()).consumerProperties())
                .containsEntry("default.api.timeout.ms", 15_000).containsEntry("request.timeout.ms", 15_000);
        assertThat(connection(Duration.ofMinutes(2), Map.of()).consumerProperties())
                .containsEntry("default.api.timeout.ms", 120_000).containsEntry("request.timeout.ms", 30_000);
    }

    @Test
    void theUsersOwnKafkaPropertiesWin() {
        KafkaConnection kafka = connection(Duration.ofSeconds(15), Map.of("request.timeout.ms", "5000"));
        assertThat(kafka.readTimeouts()).containsOnlyKeys("default.api.timeout.ms");
        assertThat(kafka.consumerProperties()).containsEntry("request.timeout.ms", "5000");
    }

    @Test
    void aTimeoutKafkasClientsCannotHoldIsRefusedByItsKey() {
        assertThatThrownBy(() -> connection(Duration.ofDays(30), Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining(KafkaSettings.READ_TIMEOUT)
                .hasMessageContaining("at most 24 days");
    }
}
