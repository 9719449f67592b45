package io.streamtrain.jobs;

import io.streamtrain.core.kafka.KafkaLostException;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.concurrent.TimeoutException;

import static org.assertj.core.api.Assertions.assertThat;

/** The machine's faults in one line each, found anywhere in a failure's chain of causes. */
class EnvironmentFaultTest {

    @Test
    void aLostBrokerIsNamedWithItsAddressAndWhatToDo() {
        var lost = new KafkaLostException("broker-1:9092", "ingest read topic t",
                new IllegalStateException("Job aborted", new TimeoutException("Timeout of 60000ms expired\n\tat x")));
        assertThat(EnvironmentFault.describe(new RuntimeException(lost))).hasValue("Kafka at broker-1:9092 stopped"
                + " answering while ingest read topic t (Timeout of 60000ms expired): start the broker again, or mend"
                + " the network to it");
    }

    @Test
    void aBrokerLostToAFullDiskIsAFullDisk() {
        var lost = new KafkaLostException("localhost:1", "ingest read topic t",
                new IOException("write failed: No space left on device"));
        assertThat(EnvironmentFault.describe(lost)).hasValueSatisfying(line -> assertThat(line)
                .startsWith("the disk is full (write failed: No space left on device)"));
    }

    @Test
    void aBugIsNoFaultOfTheMachine() {
        assertThat(EnvironmentFault.describe(new IllegalStateException("a bug", new NullPointerException())))
                .isEmpty();
    }
}
